//! Kubernetes manifests → the model: Deployments become VM groups, the Services that select
//! them become their load balancers; ServiceAccounts, HorizontalPodAutoscalers and
//! PodDisruptionBudgets give those groups a role, bounds and a floor. Fields with no meaning
//! on a VM are reported, at their line, and fields that would be wrong to guess are errors.

pub mod alb_annotations;
pub mod autoscaler;
pub mod base64;
pub mod config_map;
pub mod disruption_budget;
pub mod helm;
pub mod ingress;
pub mod kinds;
pub mod label_selector;
pub mod list;
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
use crate::infer::instance_type::smallest_fitting;
use crate::infer::load_balancer::HealthCheckRequest;
use crate::infer::rollout::{self, Amount, resolve_rollout};
use crate::input::document_order::DocumentOrder;
use crate::input::manifest::DEFAULT_INSTANCE_TYPE;
use crate::input::rules;
use crate::model::{DEFAULT_NAMESPACE, Deployment};
use crate::source::Span;
use crate::yaml::{Node, Value};
use config_map::{ConfigMap, read_config_map};
use pod::{ContainerPort, Pod, PodConfig, read_pod};
use reader::{IntOrString, Object, Sink, int_or_string, missing_spec};
use restriction::{Waivers, unenforced};
use service::{Service, read_service};
use std::collections::{BTreeMap, BTreeSet};

/// The API versions of Deployment that i2kit reads: today's and the older ones the paper
/// (Fig. 2 is apps/v1beta2) and old repositories use. The fields i2kit maps are the same.
pub const DEPLOYMENT_API_VERSIONS: [&str; 4] = [
    "apps/v1",
    "apps/v1beta2",
    "apps/v1beta1",
    "extensions/v1beta1",
];

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

/// Annotation on a Deployment that sets the instance type instead of sizing from requests.
pub const INSTANCE_TYPE_ANNOTATION: &str = "i2kit.io/instance-type";

/// Time a VM needs to boot before its pod can answer. The grace period is this plus the
/// longer of the pod's liveness and readiness `initialDelaySeconds` (not their sum).
pub const BOOT_SECONDS: u32 = 60;

#[must_use]
pub fn is_kubernetes(root: &Node) -> bool {
    root.get("apiVersion").is_some() || root.get("kind").is_some()
}

/// A Deployment read, waiting for the Services that select it.
pub struct PendingDeployment {
    order: DocumentOrder,
    deployment: Deployment,
    labels: Vec<(String, String)>,
    ports: Vec<ContainerPort>,
    readiness: Option<HealthCheckRequest>,
    liveness_delay: Option<u32>,
    span: Span,
    /// Reading it found errors: it still counts for Service selection, so a Service is not
    /// reported as selecting nothing, but it is not compiled.
    failed: bool,
    /// What the pod reads from ConfigMaps and Secrets, settled by `references`.
    config: PodConfig,
    /// The ServiceAccount its pods run as, and where it is named (`None`: `default`).
    service_account: Option<(String, Span)>,
    /// The running containers' CPU requests, in millicores: what an autoscaler's
    /// utilisation is a percentage of.
    cpu_request_millis: u64,
    /// maxSurge and maxUnavailable as written, for an autoscaler to resolve again.
    strategy: (Amount, Amount),
    /// Where `spec.replicas` is written, if it is.
    replicas_span: Option<Span>,
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
    /// Where the last object read stands: its document, then its place within a List.
    order: DocumentOrder,
}

impl Objects {
    /// Deployments read so far, for the early quota check.
    #[must_use]
    pub fn deployment_count(&self) -> usize {
        self.deployments.len()
    }

    /// Starts reading `document`, so deployments sort in document order.
    pub fn start_document(&mut self, document: DocumentOrder) {
        self.order = document;
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

fn next(objects: &mut Objects) -> DocumentOrder {
    objects.order = objects.order.next();
    objects.order
}

/// What every object's `metadata` gives i2kit.
pub struct Metadata {
    /// A DNS label (checked), or empty after an error.
    pub name: String,
    pub name_span: Span,
    /// A DNS label (checked); `default` when absent, as `kubectl apply` would place it.
    pub namespace: String,
    pub annotations: Vec<(String, String, Span)>,
}

/// What Kubernetes requires of an object's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// Names that become DNS names here: Deployments and Services.
    DnsLabel,
    /// Names only other objects refer to, such as ConfigMaps (`kube-root-ca.crt`).
    DnsSubdomain,
}

/// `metadata`: the name and namespace, each checked as a DNS label since both become DNS
/// names, and annotations with their spans.
fn read_metadata(object: &mut Object<'_>, sink: &mut Sink) -> Metadata {
    read_metadata_as(object, NameRule::DnsLabel, sink)
}

/// [`read_metadata`] for a kind whose names follow `rule`.
fn read_metadata_as(object: &mut Object<'_>, rule: NameRule, sink: &mut Sink) -> Metadata {
    let object_span = object.span();
    let Some(mut metadata) = object.object("metadata", sink) else {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(object_span),
            "the object has no `metadata.name`",
        ));
        return Metadata {
            name: String::new(),
            name_span: object_span,
            namespace: DEFAULT_NAMESPACE.to_string(),
            annotations: Vec::new(),
        };
    };
    let name_span = metadata_name_span(&metadata).unwrap_or(metadata.span());
    let mut name = metadata.string("name", sink).unwrap_or_default();
    if name.is_empty() {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(metadata.span()),
            "`metadata.name` is missing",
        ));
    } else if rule == NameRule::DnsLabel && !rules::is_dns_label(&name) {
        sink.push(rules::invalid_dns_label(&name, Some(name_span)));
        name.clear();
    } else if rule == NameRule::DnsSubdomain && !rules::is_dns_subdomain(&name) {
        sink.push(
            Diagnostic::error(
                Code::InvalidName,
                Some(name_span),
                format!("name `{name}` is not a DNS subdomain"),
            )
            .with_help("use lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit, at most 253 characters, as Kubernetes requires"),
        );
        name.clear();
    }
    let annotations = read_annotations(&mut metadata, sink);
    let namespace_span = metadata
        .entries()
        .into_iter()
        .find(|(key, _)| key.as_str() == Some("namespace"))
        .map(|(_, value)| value.span);
    let namespace = match metadata.string("namespace", sink) {
        Some(namespace) if rules::is_dns_label(&namespace) => namespace,
        Some(namespace) => {
            sink.push(rules::invalid_dns_label(&namespace, namespace_span));
            DEFAULT_NAMESPACE.to_string()
        }
        None => DEFAULT_NAMESPACE.to_string(),
    };
    metadata.accept(&[
        "labels",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "ownerReferences",
        "finalizers",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ]);
    metadata.finish(sink, |_| None);
    Metadata {
        name,
        name_span,
        namespace,
        annotations,
    }
}

/// `metadata.annotations`, each a string with the span of its value.
fn read_annotations(metadata: &mut Object<'_>, sink: &mut Sink) -> Vec<(String, String, Span)> {
    let mut annotations = Vec::new();
    if let Some(mut map) = metadata.object("annotations", sink) {
        for (key, value) in map.entries() {
            let key_text = key.scalar_text().unwrap_or_default();
            match &value.value {
                Value::String(text) => annotations.push((key_text, text.clone(), value.span)),
                _ => sink.push(
                    Diagnostic::error(
                        Code::WrongType,
                        Some(value.span),
                        format!("annotation `{key_text}` must be a string"),
                    )
                    .with_help(format!(
                        "quote it: \"{}\"",
                        value.scalar_text().unwrap_or_default()
                    )),
                ),
            }
        }
        map.accept_all();
    }
    annotations
}

fn metadata_name_span(metadata: &Object<'_>) -> Option<Span> {
    metadata
        .entries()
        .into_iter()
        .find(|(key, _)| key.as_str() == Some("name"))
        .map(|(_, value)| value.span)
}

fn read_deployment(
    mut object: Object<'_>,
    order: DocumentOrder,
    sink: &mut Sink,
) -> Option<PendingDeployment> {
    let errors_before = sink.error_count();
    let Metadata {
        name,
        name_span,
        namespace,
        annotations,
    } = read_metadata(&mut object, sink);
    object.accept(&["status"]);
    let Some(mut spec) = object.object("spec", sink) else {
        sink.push(missing_spec("Deployment", &name, object.span()));
        return None;
    };
    object.finish(sink, |_| None);
    let replicas_span = spec.key_span("replicas");
    let replicas = match spec.integer("replicas", sink) {
        None => 1,
        Some((value, span)) => rules::bounded_replicas(value).unwrap_or_else(|(message, help)| {
            sink.push(Diagnostic::error(Code::InvalidValue, Some(span), message).with_help(help));
            0
        }),
    };
    let selector = spec.object("selector", sink).map(|mut selector| {
        let labels = selector.string_map("matchLabels", sink);
        let span = selector.span();
        selector.finish(sink, |key| {
            (key == "matchExpressions").then_some("i2kit matches Services to Deployments by labels; matchExpressions are not evaluated")
        });
        (labels, span)
    });
    let mut labels = Vec::new();
    let mut pod = Pod::default();
    match spec.object("template", sink) {
        Some(mut template) => {
            if let Some(mut metadata) = template.object("metadata", sink) {
                labels = metadata.string_map("labels", sink);
                pod::check_confinement_annotations(&read_annotations(&mut metadata, sink), sink);
                metadata.accept(&["name", "creationTimestamp"]);
                metadata.finish(sink, |_| None);
            }
            match template.object("spec", sink) {
                Some(pod_spec) => {
                    let shared_pid = pod_spec.key_span("shareProcessNamespace");
                    pod = read_pod(pod_spec, sink);
                    if pod.share_process_namespace {
                        sink.push(shared_process_namespace_error(shared_pid));
                    }
                }
                None => sink.push(Diagnostic::error(
                    Code::MissingField,
                    Some(template.span()),
                    "`spec.template.spec` is missing",
                )),
            }
            template.finish(sink, |_| None);
        }
        None => sink.push(Diagnostic::error(
            Code::MissingField,
            Some(spec.span()),
            format!("Deployment `{name}` has no `spec.template`"),
        )),
    }
    if let Some((selected, span)) = &selector
        && let Some((key, value)) = selected.iter().find(|label| !labels.contains(label))
    {
        sink.push(
            Diagnostic::error(Code::ServiceSelection, Some(*span), format!("the selector's `{key}: {value}` is not among the pod template's labels"))
                .with_help("Kubernetes rejects a Deployment whose selector does not match its template; make them agree"),
        );
    }
    let strategy_span = spec.key_span("strategy");
    let (rollout, strategy) = read_strategy(&mut spec, replicas, sink);
    if let Some(problem) =
        rules::check_group_size(replicas, &rollout, strategy_span.or(replicas_span))
    {
        sink.push(problem);
    }
    spec.finish(sink, |key| match key {
        "revisionHistoryLimit" | "progressDeadlineSeconds" | "paused" => {
            Some("CloudFormation manages the rollout; roll back by deploying the previous template")
        }
        _ => None,
    });
    let instance_type = choose_instance_type(&annotations, &pod, name_span, sink);
    // The load balancer's verdict counts only once the pod could pass it: after boot and the
    // longer of the probes' initial delays.
    let start_delay = pod.liveness_delay.max(pod.readiness_delay).unwrap_or(0);
    Some(PendingDeployment {
        failed: sink.error_count() > errors_before,
        order,
        deployment: Deployment {
            name,
            namespace,
            replicas,
            instance_type,
            containers: pod.containers,
            init_containers: pod.init_containers,
            rollout,
            grace_period_seconds: BOOT_SECONDS.saturating_add(start_delay),
            replace_unhealthy: None,
            hostname: pod.hostname,
            files: Vec::new(),
            span: Some(name_span),
            autoscaling: None,
            role: None,
            disruption_budget: None,
            group: None,
        },
        labels,
        ports: pod.ports,
        readiness: pod.readiness,
        liveness_delay: pod.liveness_delay,
        span: name_span,
        config: pod.config,
        service_account: pod.service_account,
        cpu_request_millis: pod.container_cpu_request_millis,
        strategy,
        replicas_span,
    })
}

fn amount(object: &mut Object<'_>, key: &str, sink: &mut Sink) -> Option<Amount> {
    let node = object.take(key)?;
    let path = object.child(key);
    let written = int_or_string(node, &path, sink)?;
    let written = match &written {
        IntOrString::Int(count) => rules::WrittenAmount::Count(*count),
        IntOrString::Text(text) => rules::WrittenAmount::Text(text),
    };
    rules::parse_amount(written, &path)
        .map_err(|message| {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                Some(node.span),
                message,
            ));
        })
        .ok()
}

/// The rollout for `replicas`, and maxSurge and maxUnavailable as written (defaults included).
fn read_strategy(
    spec: &mut Object<'_>,
    replicas: u32,
    sink: &mut Sink,
) -> (crate::model::Rollout, (Amount, Amount)) {
    let min_ready = spec
        .integer("minReadySeconds", sink)
        .map_or(0, |(value, span)| {
            // PauseTime is DEFAULT_PAUSE_SECONDS + minReadySeconds, and CloudFormation
            // allows at most PT1H.
            let most = 3600 - rollout::DEFAULT_PAUSE_SECONDS;
            let (clamped, warning) = rules::clamp_reported(value, (0, most), span, |clamped| {
                format!("minReadySeconds {value} is outside 0–{most}; using {clamped}")
            });
            if let Some(warning) = warning {
                sink.push(warning);
            }
            clamped
        });
    let pause = rollout::DEFAULT_PAUSE_SECONDS + min_ready;
    let mut surge = rollout::DEFAULT_SURGE;
    let mut unavailable = rollout::DEFAULT_UNAVAILABLE;
    let mut recreate = false;
    if let Some(mut strategy) = spec.object("strategy", sink) {
        match strategy.string("type", sink).as_deref() {
            Some("Recreate") => recreate = true,
            None | Some("RollingUpdate") => {}
            Some(other) => sink.push(Diagnostic::error(
                Code::InvalidValue,
                strategy.key_span("type"),
                format!("strategy type `{other}` is not RollingUpdate or Recreate"),
            )),
        }
        if let Some(mut rolling) = strategy.object("rollingUpdate", sink) {
            surge = amount(&mut rolling, "maxSurge", sink).unwrap_or(surge);
            unavailable = amount(&mut rolling, "maxUnavailable", sink).unwrap_or(unavailable);
            if let Some(problem) =
                rules::check_surge_and_unavailable(surge, unavailable, Some(rolling.span()))
            {
                sink.push(problem);
            }
            rolling.finish(sink, |_| None);
        }
        strategy.finish(sink, |_| None);
    }
    let mut rollout = resolve_rollout(replicas, surge, unavailable, pause);
    rollout.recreate = recreate;
    (rollout, (surge, unavailable))
}

fn choose_instance_type(
    annotations: &[(String, String, Span)],
    pod: &Pod,
    span: Span,
    sink: &mut Sink,
) -> String {
    if let Some((_, value, value_span)) = annotations
        .iter()
        .find(|(key, _, _)| key == INSTANCE_TYPE_ANNOTATION)
    {
        let valid = value.split_once('.').is_some_and(|(family, size)| {
            !family.is_empty()
                && !size.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        });
        if valid {
            return value.clone();
        }
        sink.push(Diagnostic::error(
            Code::InvalidValue,
            Some(*value_span),
            format!("`{value}` is not an EC2 instance type such as m7i.large"),
        ));
    }
    if let Some((resource, resource_span)) = pod.extended_resources.first() {
        sink.push(
            Diagnostic::error(Code::InvalidValue, Some(*resource_span), format!("`{resource}` cannot be sized from i2kit's instance table"))
                .with_help(format!("choose the instance type yourself with the Deployment annotation `{INSTANCE_TYPE_ANNOTATION}: g5.xlarge` (or another type that has it)")),
        );
        return DEFAULT_INSTANCE_TYPE.to_string();
    }
    if pod.cpu_request_millis == 0 && pod.memory_request_bytes == 0 {
        return DEFAULT_INSTANCE_TYPE.to_string();
    }
    match smallest_fitting(pod.cpu_request_millis, pod.memory_request_bytes) {
        Some(instance_type) => instance_type.to_string(),
        None => {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(span),
                    "the pod requests more CPU or memory than any instance type in i2kit's table",
                )
                .with_help(format!(
                    "set the Deployment annotation `{INSTANCE_TYPE_ANNOTATION}`"
                )),
            );
            DEFAULT_INSTANCE_TYPE.to_string()
        }
    }
}

/// LinuxKit can put a container in a new PID namespace or in the VM's own; it cannot make one
/// for a group of containers. The VM's own would show every container init, containerd and
/// the other system services, which `shareProcessNamespace` never asked for.
fn shared_process_namespace_error(span: Option<Span>) -> Diagnostic {
    Diagnostic::error(
        Code::UnsupportedPodFeature,
        span,
        "`shareProcessNamespace: true` cannot be compiled: LinuxKit can share only the VM's own process namespace, which would expose its init and containerd to the pod",
    )
    .with_help("remove it; the pod's containers still share the VM's network, IPC and volumes. A sidecar that must see another container's processes belongs in the same image")
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
