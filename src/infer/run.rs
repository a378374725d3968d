//! Inference as one stage: the intent the readers filled becomes the application the emitters
//! read, through the passes below, in this order and only here.
//!
//! - rollouts and instance types: what each workload's own fields resolve to;
//! - roles, autoscaling, budgets: the objects that name or select a workload act on it
//!   (autoscalers before budgets: a budget's percentages are of the autoscaler's minimum);
//! - calls: a host named in a container's environment that is a Service selecting nothing
//!   is an error (so is an Ingress route to one, below);
//! - ordinals: headless Services name the StatefulSets' ordinals instead of fronting them;
//! - endpoints: a Service without a selector that Endpoints or EndpointSlices name lists
//!   their ready addresses under its name, when callers would reach them as written;
//! - services: each Service finds the workloads it selects and becomes a load balancer in
//!   front of them, and a workload no Service selects keeps its ports inside the VPC;
//! - external names: an `ExternalName` Service is a name for another host, unless a
//!   Service of its name and namespace is read too;
//! - ingress classes: each Ingress takes its own controller's semantics;
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
use crate::infer::calls::{called_services, check_calls};
use crate::infer::disruption::resolve_budgets;
use crate::infer::egress_policy::restrict_egress;
use crate::infer::endpoints::{refuse_taken_names, resolve_endpoints};
use crate::infer::external_names::resolve_external_names;
use crate::infer::ingress_semantics::resolve_ingress_classes;
use crate::infer::instance_type::resolve_instance_types;
use crate::infer::network_policy::enforce_network_policies;
use crate::infer::ordinals::name_ordinals;
use crate::infer::rollout::resolve_rollouts;
use crate::infer::routing::{Context, referred_services, resolve_ingresses};
use crate::infer::selection::plan_services;
use crate::model::document_order::DocumentOrder;
use crate::model::intent;
use crate::model::intent::{Intent, Workload};
use crate::model::{Admission, Application, Container, Deployment, Service};
use crate::source::Span;
use std::collections::BTreeSet;

/// What the passes made of an intent: the application when nothing failed, and what they
/// found, warnings too.
#[derive(Debug)]
pub struct Inference {
    pub application: Option<Application>,
    pub diagnostics: Vec<Diagnostic>,
    /// When nothing compiles: every container read, failed workloads' too, in no particular
    /// order. Some problems of a container can only be judged against the image lock (`args`
    /// without `command`), and are still reported with the others from these.
    pub unresolved_containers: Vec<Container>,
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
        mut ingresses,
        ingress_classes,
        accounts,
        autoscalers,
        budgets,
        calls,
        network_policies,
        external_names,
        endpoints,
    } = intent;
    resolve_rollouts(&mut workloads, &mut sink);
    resolve_instance_types(&mut workloads, &mut sink);
    resolve_accounts(&accounts, &mut workloads, &mut sink);
    resolve_autoscalers(&autoscalers, &mut workloads, &mut sink);
    resolve_budgets(&budgets, &mut workloads, &mut sink);
    let mut referred = referred_services(&ingresses);
    referred.extend(called_services(&calls, &services));
    check_calls(&calls, &services, &workloads, &mut sink);
    let headless_services = name_ordinals(&services, &mut workloads, &mut sink);
    let naming: BTreeSet<(&str, &str)> = headless_services
        .iter()
        .map(|headless| (headless.namespace.as_str(), headless.name.as_str()))
        .collect();
    let services: Vec<intent::Service> = services
        .into_iter()
        .filter(|service| !naming.contains(&(service.namespace.as_str(), service.name.as_str())))
        .collect();
    let endpoints = resolve_endpoints(endpoints, &services, &mut sink);
    let selecting: Vec<intent::Service> = services
        .iter()
        .filter(|service| {
            !endpoints
                .claimed
                .contains(&(service.namespace.clone(), service.name.as_str().to_string()))
        })
        .cloned()
        .collect();
    let planned = plan_services(&selecting, &workloads, &referred, &mut sink);
    let service_endpoints = refuse_taken_names(endpoints.names, &planned, &mut sink);
    let external_names = resolve_external_names(external_names, &services, &mut sink);
    let context = Context {
        services: &services,
        deployments: &workloads,
        planned: &planned,
    };
    resolve_ingress_classes(&mut ingresses, &ingress_classes, &mut sink);
    let mut ingresses = resolve_ingresses(ingresses, &context, &mut sink);
    let mut planned = planned;
    enforce_network_policies(
        &network_policies,
        &mut workloads,
        planned.iter_mut().map(|(_, service)| service),
        ingresses.iter_mut().map(|(_, ingress)| ingress),
        &mut sink,
    );
    restrict_egress(
        &network_policies,
        &mut workloads,
        planned.iter().map(|(_, service)| service),
        &mut sink,
    );
    refuse_ranges_under_policies(&services, &planned, &mut sink);
    let errors_before_names = sink.iter().any(Diagnostic::is_error);
    let mut failed_workloads: Vec<Workload> = Vec::new();
    let mut deployments: Vec<(DocumentOrder, Deployment)> = Vec::new();
    for pending in workloads {
        // A refused name is one of a failed workload's errors; any other gets its checked name.
        let checked = pending.deployment.name.checked().cloned();
        match checked.filter(|_| !pending.failed) {
            Some(name) => deployments.push((pending.order, pending.deployment.named(name))),
            None => failed_workloads.push(pending),
        }
    }
    let mut services = planned;
    deployments.sort_by_key(|(order, _)| *order);
    services.sort_by_key(|(order, _)| *order);
    let (deployments, duplicates) =
        unique_by_name(deployments, "deployment", file_names, &mut sink);
    let (services, _) = unique_by_name(services, "service", file_names, &mut sink);
    if !read_failed && failed_workloads.is_empty() && !errors_before_names && deployments.is_empty()
    {
        sink.push(
            Diagnostic::error(Code::MissingField, None, "the input holds no deployment").with_help(
                "write a manifest with `name:` and `containers:`, or a Kubernetes Deployment",
            ),
        );
    }
    if read_failed || !failed_workloads.is_empty() || sink.iter().any(Diagnostic::is_error) {
        let failed_containers = failed_workloads
            .into_iter()
            .flat_map(|pending| containers_of(pending.deployment).chain(pending.failed_containers));
        return Inference {
            application: None,
            diagnostics: sink,
            unresolved_containers: deployments
                .into_iter()
                .chain(duplicates)
                .flat_map(containers_of)
                .chain(failed_containers)
                .collect(),
        };
    }
    Inference {
        application: Some(Application {
            deployments,
            services,
            ingresses: ingresses.into_iter().map(|(_, ingress)| ingress).collect(),
            external_names,
            headless_services,
            service_endpoints,
        }),
        diagnostics: sink,
        unresolved_containers: Vec::new(),
    }
}

/// A load balancer with source ranges in front of pods a NetworkPolicy isolates: a security
/// group admits the union of its rules, and honouring both restrictions needs their
/// intersection, which i2kit does not compute yet. Either alone would admit more than the
/// manifest allows, so the combination is refused at the ranges.
fn refuse_ranges_under_policies(
    services: &[intent::Service],
    planned: &[(DocumentOrder, Service)],
    sink: &mut Vec<Diagnostic>,
) {
    for (_, service) in planned {
        let policed = service
            .load_balancer
            .listeners
            .iter()
            .any(|listener| matches!(listener.admission, Admission::Only(_)));
        if service.load_balancer.source_ranges.is_empty() || !policed {
            continue;
        }
        let span = services
            .iter()
            .find(|read| {
                read.name.checked() == Some(&service.name) && read.namespace == service.namespace
            })
            .and_then(|read| read.source_ranges.as_ref())
            .map(|ranges| ranges.span)
            .or(service.span);
        sink.push(
            Diagnostic::error(
                Code::SourceRange,
                span,
                format!(
                    "Service `{}` has source ranges, and a NetworkPolicy isolates the pods behind it: a security group cannot admit only what both allow",
                    service.name
                ),
            )
            .with_help("keep one of the two for this Service: write the addresses as the NetworkPolicy's ipBlock peers, or drop the policy's rule for its port"),
        );
    }
}

/// Every container of `deployment`, init containers too.
fn containers_of<Name>(deployment: Deployment<Name>) -> impl Iterator<Item = Container> {
    deployment
        .containers
        .into_iter()
        .chain(deployment.init_containers)
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

/// Keeps the first of each name and reports the others, which come back second so that the image
/// pass still sees their containers: a name becomes a file name, logical
/// ids and DNS records, so two objects of one kind cannot share it, whatever their namespaces
/// or files. The help points at the first, by `FILE:LINE:COLUMN` when it is in another file.
fn unique_by_name<T: Named>(
    ordered: Vec<(DocumentOrder, T)>,
    what: &str,
    file_names: &[&str],
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<T>, Vec<T>) {
    let mut kept: Vec<T> = Vec::new();
    let mut dropped: Vec<T> = Vec::new();
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
            dropped.push(item);
        } else {
            seen.insert(item.name().to_string(), kept.len());
            kept.push(item);
        }
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::intent::requests::{
        DEFAULT_INSTANCE_TYPE, DEFAULT_PAUSE_SECONDS, DEFAULT_SURGE, DEFAULT_UNAVAILABLE,
        InstanceRequest, RolloutRequest,
    };
    use crate::model::intent::{Identity, ReadName};
    use crate::model::{DeploymentName, Namespace};

    fn workload(name: ReadName<DeploymentName>) -> Workload {
        Workload {
            order: DocumentOrder::default(),
            deployment: Deployment::as_read(name, Namespace::default(), Vec::new()),
            labels: Vec::new(),
            ports: Vec::new(),
            readiness: None,
            liveness_delay: None,
            span: Span::default(),
            failed: false,
            failed_containers: Vec::new(),
            identity: Identity::Own,
            cpu_request_millis: 0,
            rollout: RolloutRequest {
                max_surge: DEFAULT_SURGE,
                max_unavailable: DEFAULT_UNAVAILABLE,
                pause_seconds: DEFAULT_PAUSE_SECONDS,
                recreate: false,
                span: None,
            },
            instance: InstanceRequest::Named(DEFAULT_INSTANCE_TYPE.to_string()),
            autoscaler: None,
            replicas_span: None,
        }
    }

    fn deployment_names(workload: Workload) -> Option<Vec<String>> {
        let intent = Intent {
            workloads: vec![workload],
            ..Intent::default()
        };
        let application = run(intent, &[], false).application?;
        Some(
            application
                .deployments
                .into_iter()
                .map(|deployment| deployment.name.to_string())
                .collect(),
        )
    }

    #[test]
    fn only_a_checked_name_reaches_the_application() {
        let named = workload(ReadName::from_checked(DeploymentName::new("web")));
        assert_eq!(deployment_names(named), Some(vec!["web".to_string()]));
        // Even were a reader to forget to mark it failed, a refused name compiles nothing.
        assert_eq!(deployment_names(workload(ReadName::Refused)), None);
    }
}
