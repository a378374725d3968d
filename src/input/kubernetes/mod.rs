//! Kubernetes manifests → the model: Deployments become VM groups, the Services that select
//! them become their load balancers; ServiceAccounts, HorizontalPodAutoscalers and
//! PodDisruptionBudgets give those groups a role, bounds and a floor. Fields with no meaning
//! on a VM are reported, at their line, and fields that would be wrong to guess are errors.

pub mod alb_annotations;
pub mod autoscaler;
pub mod base64;
pub mod config_map;
pub mod deployment;
pub mod disruption_budget;
pub mod helm;
pub mod ingress;
pub mod kinds;
pub mod label_selector;
pub mod list;
pub mod metadata;
pub mod pod;
pub mod quantity;
pub mod reader;
pub mod references;
pub mod resolved_bytes;
pub mod restriction;
pub mod routing;
pub mod secret;
pub mod selection;
pub mod service;
pub mod service_account;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::yaml::Node;
use config_map::ConfigMap;
use config_map::read_config_map;
use deployment::{DEPLOYMENT_API_VERSIONS, PendingDeployment, read_deployment};
use metadata::{NameRule, read_metadata, read_metadata_as};
use reader::{Object, Sink};
use restriction::{Waivers, unenforced};
use service::{Service, read_service};
use std::collections::{BTreeMap, BTreeSet};

/// Kinds a manifest repository commonly holds, for did-you-mean on a misspelt kind.
const COMMON_KINDS: [&str; 20] = [
    "Deployment",
    "Service",
    "List",
    "ConfigMap",
    "Secret",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "Ingress",
    "Namespace",
    "PersistentVolumeClaim",
    "ServiceAccount",
    "Pod",
    "ReplicaSet",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
    "Role",
    "RoleBinding",
    "PodDisruptionBudget",
];

#[must_use]
pub fn is_kubernetes(root: &Node) -> bool {
    root.get("apiVersion").is_some() || root.get("kind").is_some()
}

/// Everything Kubernetes in one file, in document order.
#[derive(Default)]
pub struct Objects {
    deployments: Vec<PendingDeployment>,
    services: Vec<Service>,
    /// By (name, namespace): looked up once per reference, and by name alone for hints.
    config_maps: BTreeMap<(String, String), ConfigMap>,
    /// Only which Secrets exist, by (name, namespace): each is an error of its own, and
    /// references to it are not reported again.
    secrets: BTreeSet<(String, String)>,
    ingresses: Vec<ingress::Ingress>,
    service_accounts: Vec<service_account::ServiceAccount>,
    autoscalers: Vec<autoscaler::Autoscaler>,
    budgets: Vec<disruption_budget::Budget>,
    /// Position of the next object: its document's index, then its place within a List.
    document: usize,
    count: usize,
}

impl Objects {
    /// Deployments read so far, for the early quota check.
    #[must_use]
    pub fn deployment_count(&self) -> usize {
        self.deployments.len()
    }

    /// Starts reading the document at `index`, so deployments sort in document order.
    pub fn start_document(&mut self, index: usize) {
        self.document = index;
        self.count = 0;
    }
}

/// Reads one document (a Deployment, a Service, an Ingress, or a List of them) into `objects`.
pub fn collect(root: &Node, objects: &mut Objects, sink: &mut Sink) {
    let Some(mut object) = Object::new(root, "", sink) else {
        return;
    };
    let kind = object.string("kind", sink);
    let api_version = object.string("apiVersion", sink);
    let Some(kind) = kind else {
        sink.push(
            Diagnostic::error(
                Code::MissingField,
                Some(root.span),
                "a Kubernetes object needs `kind`",
            )
            .with_help("add `kind: Deployment` or `kind: Service`"),
        );
        return;
    };
    if let Some(events) = helm::hook_events(root) {
        object.accept_all();
        sink.push(helm::skipped_hook(root, &kind, &events));
        return;
    }
    let kind_span = root.get("kind").map_or(root.span, |node| node.span);
    match kind.as_str() {
        list_kind if list::is_list(list_kind, root) => list::collect_items(object, objects, sink),
        "Deployment" => {
            let versions = &DEPLOYMENT_API_VERSIONS;
            if !check_api_version(root, api_version.as_deref(), "Deployment", versions, sink) {
                return;
            }
            let order = next(objects);
            if let Some(deployment) = read_deployment(object, order, sink) {
                objects.deployments.push(deployment);
            }
        }
        "Service" => {
            if !check_api_version(root, api_version.as_deref(), "Service", &["v1"], sink) {
                return;
            }
            let metadata = read_metadata(&mut object, sink);
            let spec = object.object("spec", sink);
            object.accept(&["status"]);
            object.finish(sink, |_| None);
            let order = next(objects);
            if let Some(service) = read_service(metadata, order, spec, sink) {
                objects.services.push(service);
            }
        }
        "ConfigMap" | "Secret" => {
            if !check_api_version(root, api_version.as_deref(), &kind, &["v1"], sink) {
                return;
            }
            let metadata = read_metadata_as(&mut object, NameRule::DnsSubdomain, sink);
            if kind == "Secret" {
                // Its data is never read, so nothing of it can reach an output or a message.
                object.accept_all();
                sink.push(secret::secret_in_input(&metadata.name, kind_span));
                objects.secrets.insert((metadata.name, metadata.namespace));
                return;
            }
            let name_span = metadata.name_span;
            let Some(config_map) = read_config_map(object, metadata, sink) else {
                return;
            };
            let key = (config_map.name.clone(), config_map.namespace.clone());
            if objects.config_maps.contains_key(&key) {
                sink.push(
                    Diagnostic::error(
                        Code::DuplicateDeployment,
                        Some(name_span),
                        format!(
                            "ConfigMap `{}` is defined twice in namespace `{}`",
                            key.0, key.1
                        ),
                    )
                    .with_help("`kubectl apply` would keep only the later one; keep one of them"),
                );
                return;
            }
            objects.config_maps.insert(key, config_map);
        }
        "Ingress" => {
            if let Some(version) = &api_version
                && version != ingress::API_VERSION
            {
                let span = root.get("apiVersion").map(|node| node.span);
                sink.push(
                    if ingress::REMOVED_API_VERSIONS.contains(&version.as_str()) {
                        ingress::removed_api_version(version, span)
                    } else {
                        Diagnostic::error(
                            Code::InvalidValue,
                            span,
                            format!("an Ingress's apiVersion is `{}`", ingress::API_VERSION),
                        )
                    },
                );
                return;
            }
            let metadata = read_metadata(&mut object, sink);
            let spec = object.object("spec", sink);
            object.accept(&["status"]);
            object.finish(sink, |_| None);
            let order = next(objects);
            if let Some(ingress) = ingress::read_ingress(metadata, order, spec, sink) {
                objects.ingresses.push(ingress);
            }
        }
        "ServiceAccount" => {
            if check_api_version(
                root,
                api_version.as_deref(),
                "ServiceAccount",
                &["v1"],
                sink,
            ) {
                objects
                    .service_accounts
                    .extend(service_account::read_service_account(
                        object, kind_span, sink,
                    ));
            }
        }
        "HorizontalPodAutoscaler" => {
            let versions = &autoscaler::API_VERSIONS;
            if let Some(version) = api_version.as_deref()
                && check_api_version(
                    root,
                    Some(version),
                    "HorizontalPodAutoscaler",
                    versions,
                    sink,
                )
            {
                objects
                    .autoscalers
                    .extend(autoscaler::read_autoscaler(object, version, sink));
            }
        }
        "PodDisruptionBudget" => {
            let versions = &disruption_budget::API_VERSIONS;
            if let Some(version) = api_version.as_deref()
                && check_api_version(root, Some(version), "PodDisruptionBudget", versions, sink)
            {
                objects
                    .budgets
                    .extend(disruption_budget::read_budget(object, version, sink));
            }
        }
        other if kinds::disposition(other).is_some() => {
            let name = object
                .object("metadata", sink)
                .and_then(|mut metadata| {
                    let name = metadata.string("name", sink);
                    metadata.accept_all();
                    name
                })
                .unwrap_or_default();
            object.accept_all();
            sink.push(kind_diagnostic(other, &name, kind_span, sink.waivers));
        }
        other => {
            let mut problem = Diagnostic::error(
                Code::UnknownKind,
                Some(kind_span),
                format!(
                    "kind `{other}` cannot be compiled: i2kit reads Deployment, Service, ConfigMap, Ingress, ServiceAccount, HorizontalPodAutoscaler, PodDisruptionBudget and List"
                ),
            );
            problem =
                match did_you_mean(other, COMMON_KINDS).filter(|suggestion| *suggestion != other) {
                    Some(suggestion) => problem.with_help(format!("did you mean `{suggestion}`?")),
                    None => {
                        problem.with_help("keep other objects in files that i2kit does not compile")
                    }
                };
            sink.push(problem);
        }
    }
}

/// Whether the object's `apiVersion` is one i2kit reads for `kind` (absent passes: `kubectl`
/// would refuse it, and every field read is checked anyway); an error at it otherwise.
fn check_api_version(
    root: &Node,
    version: Option<&str>,
    kind: &str,
    known: &[&str],
    sink: &mut Sink,
) -> bool {
    match version {
        Some(version) if !known.contains(&version) => {
            let span = root.get("apiVersion").map(|node| node.span);
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    span,
                    format!("{kind} apiVersion `{version}` is not one i2kit reads"),
                )
                .with_help(format!("use {}", known.join(" or "))),
            );
            false
        }
        _ => true,
    }
}

fn next(objects: &mut Objects) -> usize {
    objects.count += 1;
    objects.document * 1_000_000 + objects.count
}

/// The warning or error for a kind with a known disposition (see `kinds`).
fn kind_diagnostic(kind: &str, name: &str, span: Span, waivers: Waivers) -> Diagnostic {
    let object = if name.is_empty() {
        format!("{kind} object")
    } else {
        format!("{kind} `{name}`")
    };
    match kinds::disposition(kind) {
        Some(kinds::Disposition::Meaningless(why)) => Diagnostic::warning(
            Code::IgnoredKind,
            Some(span),
            format!("{object} is ignored: {why}"),
        ),
        Some(kinds::Disposition::NotEnforced(restriction)) => {
            unenforced(restriction, span, &object, waivers)
        }
        Some(kinds::Disposition::Refused { why, instead }) => Diagnostic::error(
            Code::UnknownKind,
            Some(span),
            format!("{object} cannot be compiled: {why}"),
        )
        .with_help(instead),
        None => Diagnostic::error(
            Code::UnknownKind,
            Some(span),
            format!("kind `{kind}` cannot be compiled"),
        ),
    }
}
