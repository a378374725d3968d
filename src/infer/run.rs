//! Inference as one stage: the intent the readers filled becomes the application the emitters
//! read, through the passes below, in this order and only here.
//!
//! - rollouts and instance types: what each workload's own fields resolve to;
//! - roles, autoscaling, budgets: the objects that name or select a workload act on it
//!   (autoscalers before budgets: a budget's percentages are of the autoscaler's minimum);
//! - services: each Service finds the workloads it selects and becomes a load balancer in
//!   front of them, and a workload no Service selects keeps its ports inside the VPC;
//! - ingresses: routed to the Services as planned;
//! - network policies: who each load balancer admits, from the policies isolating the
//!   Deployments behind it (after services and ingresses, whose load balancers they restrict);
//! - names: two objects of one kind cannot share a name, whatever their namespaces.
//!
//! The passes that need the images (`images`), every object at once (`link`, `host_zones`)
//! or the group's final sizes (`group`) run on the application this returns.

use crate::diagnostic::{Code, Diagnostic};
use crate::infer::accounts::resolve_accounts;
use crate::infer::autoscaling::resolve_autoscalers;
use crate::infer::disruption::resolve_budgets;
use crate::infer::instance_type::resolve_instance_types;
use crate::infer::network_policy::enforce_network_policies;
use crate::infer::rollout::resolve_rollouts;
use crate::infer::routing::{Context, resolve_ingresses};
use crate::infer::selection::plan_services;
use crate::model::document_order::DocumentOrder;
use crate::model::intent::Intent;
use crate::model::{Application, Deployment, Service};
use crate::source::Span;

/// What the passes made of an intent: the application when nothing failed, and what they
/// found, warnings too.
#[derive(Debug)]
pub struct Inference {
    pub application: Option<Application>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs every pass over `intent`. `file_names` (by file index) locate the first of two objects
/// that share a name; `read_failed` says a document could not be read, so nothing compiles,
/// though the passes still report on what was read.
#[must_use]
pub fn run(intent: Intent, file_names: &[&str], read_failed: bool) -> Inference {
    let mut sink = Vec::new();
    let Intent {
        mut workloads,
        services,
        ingresses,
        accounts,
        autoscalers,
        budgets,
        network_policies,
    } = intent;
    resolve_rollouts(&mut workloads, &mut sink);
    resolve_instance_types(&mut workloads, &mut sink);
    resolve_accounts(&accounts, &mut workloads, &mut sink);
    resolve_autoscalers(&autoscalers, &mut workloads, &mut sink);
    resolve_budgets(&budgets, &mut workloads, &mut sink);
    let planned = plan_services(&services, &workloads, &mut sink);
    let context = Context {
        services: &services,
        deployments: &workloads,
        planned: &planned,
    };
    let mut ingresses = resolve_ingresses(ingresses, &context, &mut sink);
    let mut planned = planned;
    enforce_network_policies(
        &network_policies,
        &mut workloads,
        planned.iter_mut().map(|(_, service)| service),
        ingresses.iter_mut().map(|(_, ingress)| ingress),
        &mut sink,
    );
    let any_failed = workloads.iter().any(|pending| pending.failed);
    let mut deployments: Vec<(DocumentOrder, Deployment)> = workloads
        .into_iter()
        .filter(|pending| !pending.failed)
        .map(|pending| (pending.order, pending.deployment))
        .collect();
    let mut services = planned;
    deployments.sort_by_key(|(order, _)| *order);
    services.sort_by_key(|(order, _)| *order);
    let deployments = unique_by_name(deployments, "deployment", file_names, &mut sink);
    let services = unique_by_name(services, "service", file_names, &mut sink);
    let passes_failed = sink.iter().any(Diagnostic::is_error);
    if !read_failed && !any_failed && !passes_failed && deployments.is_empty() {
        sink.push(
            Diagnostic::error(Code::MissingField, None, "the input holds no deployment").with_help(
                "write a manifest with `name:` and `containers:`, or a Kubernetes Deployment",
            ),
        );
    }
    let failed = read_failed || any_failed || sink.iter().any(Diagnostic::is_error);
    Inference {
        application: (!failed).then(|| Application {
            deployments,
            services,
            ingresses: ingresses.into_iter().map(|(_, ingress)| ingress).collect(),
        }),
        diagnostics: sink,
    }
}

/// What [`unique_by_name`] needs of deployments and services.
trait Named {
    fn name(&self) -> &str;
    fn span(&self) -> Option<Span>;
}

impl Named for Deployment {
    fn name(&self) -> &str {
        &self.name
    }
    fn span(&self) -> Option<Span> {
        self.span
    }
}

impl Named for Service {
    fn name(&self) -> &str {
        &self.name
    }
    fn span(&self) -> Option<Span> {
        self.span
    }
}

/// Keeps the first of each name and reports the others: a name becomes a file name, logical
/// ids and DNS records, so two objects of one kind cannot share it, whatever their namespaces
/// or files. The help points at the first, by `FILE:LINE:COLUMN` when it is in another file.
fn unique_by_name<T: Named>(
    ordered: Vec<(DocumentOrder, T)>,
    what: &str,
    file_names: &[&str],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let mut kept: Vec<T> = Vec::new();
    // Name → index in `kept`: one lookup per item, not a scan of all kept so far.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (_, item) in ordered {
        if let Some(first) = seen.get(item.name()).and_then(|index| kept.get(*index)) {
            let place = match (first.span(), item.span()) {
                (Some(earlier), Some(later)) if earlier.file != later.file => format!(
                    "the first is at {}:{}; ",
                    file_names.get(earlier.file).copied().unwrap_or_default(),
                    earlier.start
                ),
                (Some(earlier), _) => format!("the first is at line {}; ", earlier.start.line),
                (None, _) => String::new(),
            };
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateDeployment,
                    item.span(),
                    format!("{what} `{}` is defined twice", item.name()),
                )
                .with_help(format!(
                    "{place}names become host names, so each must be unique"
                )),
            );
        } else {
            seen.insert(item.name().to_string(), kept.len());
            kept.push(item);
        }
    }
    kept
}
