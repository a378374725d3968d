//! Kubernetes manifests → the model: Deployments become VM groups, the Services that select
//! them become their load balancers. Fields with no meaning on a VM are reported, at their
//! line, and fields that would be wrong to guess are errors.

pub mod pod;
pub mod quantity;
pub mod reader;
pub mod service;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::infer::instance_type::smallest_fitting;
use crate::infer::load_balancer::{HealthCheckRequest, PortRequest, plan_load_balancer};
use crate::infer::rollout::{self, Amount, resolve_rollout};
use crate::input::manifest::DEFAULT_INSTANCE_TYPE;
use crate::input::rules;
use crate::model::{Deployment, Protocol, ReplaceUnhealthy};
use crate::source::Span;
use crate::yaml::{Node, Value};
use pod::{ContainerPort, Pod, read_pod};
use reader::{IntOrString, Object, Sink, int_or_string};
use service::{Service, read_service};

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

/// Time a VM needs to boot before its pod can answer: added to liveness and readiness delays.
pub const BOOT_SECONDS: u32 = 60;

#[must_use]
pub fn is_kubernetes(root: &Node) -> bool {
    root.get("apiVersion").is_some() || root.get("kind").is_some()
}

/// A Deployment read, waiting for the Services that select it.
struct PendingDeployment {
    order: usize,
    deployment: Deployment,
    labels: Vec<(String, String)>,
    ports: Vec<ContainerPort>,
    readiness: Option<HealthCheckRequest>,
    liveness_delay: Option<u32>,
    span: Span,
    /// Reading it found errors: it still counts for Service selection, so a Service is not
    /// reported as selecting nothing, but it is not compiled.
    failed: bool,
}

/// Everything Kubernetes in one file, in document order.
#[derive(Default)]
pub struct Objects {
    deployments: Vec<PendingDeployment>,
    services: Vec<Service>,
    /// Position of the next object: its document's index, then its place within a List.
    document: usize,
    count: usize,
}

impl Objects {
    /// Starts reading the document at `index`, so deployments sort in document order.
    pub fn start_document(&mut self, index: usize) {
        self.document = index;
        self.count = 0;
    }
}

/// Reads one document (a Deployment, a Service, or a List of them) into `objects`.
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
    let kind_span = root.get("kind").map_or(root.span, |node| node.span);
    match kind.as_str() {
        "List" => {
            for item in object.list("items", sink) {
                collect(item, objects, sink);
            }
            object.accept(&["metadata"]);
            object.finish(sink, |_| None);
        }
        "Deployment" => {
            if let Some(version) = &api_version
                && !DEPLOYMENT_API_VERSIONS.contains(&version.as_str())
            {
                let span = root.get("apiVersion").map(|node| node.span);
                sink.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        span,
                        format!("Deployment apiVersion `{version}` is not one i2kit reads"),
                    )
                    .with_help(format!("use one of {}", DEPLOYMENT_API_VERSIONS.join(", "))),
                );
                return;
            }
            let order = next(objects);
            if let Some(deployment) = read_deployment(object, order, sink) {
                objects.deployments.push(deployment);
            }
        }
        "Service" => {
            if api_version
                .as_deref()
                .is_some_and(|version| version != "v1")
            {
                let span = root.get("apiVersion").map(|node| node.span);
                sink.push(Diagnostic::error(
                    Code::InvalidValue,
                    span,
                    "a Service's apiVersion is `v1`",
                ));
                return;
            }
            let (name, name_span, annotations) = read_metadata(&mut object, sink);
            let spec = object.object("spec", sink);
            object.accept(&["status"]);
            object.finish(sink, |_| None);
            if let Some(service) = read_service(name, name_span, &annotations, spec, sink) {
                objects.services.push(service);
            }
        }
        other => {
            let mut problem = Diagnostic::error(
                Code::UnknownKind,
                Some(kind_span),
                format!(
                    "kind `{other}` cannot be compiled: i2kit reads Deployment, Service and List"
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

fn next(objects: &mut Objects) -> usize {
    objects.count += 1;
    objects.document * 1_000_000 + objects.count
}

/// `metadata`: the name (and its span), and annotations with their spans.
fn read_metadata(
    object: &mut Object<'_>,
    sink: &mut Sink,
) -> (String, Span, Vec<(String, String, Span)>) {
    let object_span = object.span();
    let Some(mut metadata) = object.object("metadata", sink) else {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(object_span),
            "the object has no `metadata.name`",
        ));
        return (String::new(), object_span, Vec::new());
    };
    let name_span = metadata_name_span(&metadata).unwrap_or(metadata.span());
    let name = metadata.string("name", sink).unwrap_or_default();
    if name.is_empty() {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(metadata.span()),
            "`metadata.name` is missing",
        ));
    }
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
    if let Some(span) = metadata.key_span("namespace") {
        metadata.accept(&["namespace"]);
        sink.ignored(
            span,
            "metadata.namespace",
            "every deployment is named <name>.<hosted zone>, whatever its namespace",
        );
    }
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
    (name, name_span, annotations)
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
    order: usize,
    sink: &mut Sink,
) -> Option<PendingDeployment> {
    let errors_before = sink.error_count();
    let (name, name_span, annotations) = read_metadata(&mut object, sink);
    if !name.is_empty() && !rules::is_dns_label(&name) {
        sink.push(crate::schema::invalid_dns_label(&name, Some(name_span)));
    }
    object.accept(&["status"]);
    let Some(mut spec) = object.object("spec", sink) else {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(object.span()),
            format!("Deployment `{name}` has no `spec`"),
        ));
        return None;
    };
    object.finish(sink, |_| None);
    let replicas = match spec.integer("replicas", sink) {
        None => 1,
        Some((value, span)) => match u32::try_from(value) {
            Ok(value) => value,
            Err(_) => {
                sink.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        Some(span),
                        format!("replicas cannot be {value}"),
                    )
                    .with_help("use 0 or more; 0 keeps the group but runs no VM"),
                );
                0
            }
        },
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
                metadata.accept(&["annotations", "name", "creationTimestamp"]);
                metadata.finish(sink, |_| None);
            }
            match template.object("spec", sink) {
                Some(pod_spec) => pod = read_pod(pod_spec, sink),
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
    let rollout = read_strategy(&mut spec, replicas, sink);
    spec.finish(sink, |key| match key {
        "revisionHistoryLimit" | "progressDeadlineSeconds" | "paused" => {
            Some("CloudFormation manages the rollout; roll back by deploying the previous template")
        }
        _ => None,
    });
    let instance_type = choose_instance_type(&annotations, &pod, name_span, sink);
    Some(PendingDeployment {
        failed: sink.error_count() > errors_before,
        order,
        deployment: Deployment {
            name,
            replicas,
            instance_type,
            containers: pod.containers,
            init_containers: pod.init_containers,
            load_balancer: None,
            rollout,
            replace_unhealthy: None,
            hostname: pod.hostname,
            share_process_namespace: pod.share_process_namespace,
        },
        labels,
        ports: pod.ports,
        readiness: pod.readiness,
        liveness_delay: pod.liveness_delay,
        span: name_span,
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

fn read_strategy(spec: &mut Object<'_>, replicas: u32, sink: &mut Sink) -> crate::model::Rollout {
    let min_ready = spec
        .integer("minReadySeconds", sink)
        .map_or(0, |(value, span)| {
            let most = 3600 - BOOT_SECONDS;
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
    rollout
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

/// Matches Services to Deployments by label and plans each load balancer; returns the
/// deployments with their document order.
pub fn resolve(objects: Objects, sink: &mut Sink) -> Vec<(usize, Deployment, Span)> {
    let Objects {
        deployments,
        services,
        ..
    } = objects;
    for service in &services {
        if service.selector.is_empty() {
            sink.push(Diagnostic::warning(
                Code::ServiceSelection,
                Some(service.span),
                format!(
                    "Service `{}` has no selector, so no VMs serve it; it is ignored",
                    service.name
                ),
            ));
        } else if !deployments.iter().any(|pending| selects(service, pending)) {
            sink.push(Diagnostic::warning(
                Code::ServiceSelection,
                Some(service.span),
                format!(
                    "Service `{}` selects no Deployment in this file; it is ignored",
                    service.name
                ),
            ));
        }
    }
    deployments
        .into_iter()
        .filter(|pending| !pending.failed)
        .map(|mut pending| {
            let selecting: Vec<&Service> = services
                .iter()
                .filter(|service| selects(service, &pending))
                .collect();
            plan(&mut pending, &selecting, sink);
            (pending.order, pending.deployment, pending.span)
        })
        .collect()
}

fn selects(service: &Service, pending: &PendingDeployment) -> bool {
    !service.selector.is_empty()
        && service
            .selector
            .iter()
            .all(|label| pending.labels.contains(label))
}

fn plan(pending: &mut PendingDeployment, services: &[&Service], sink: &mut Sink) {
    let name = pending.deployment.name.clone();
    let mut requests = Vec::new();
    let (public, kind) = if services.is_empty() {
        // No Service: the declared container ports stay reachable inside the VPC, as pod IPs
        // are inside a cluster, through an internal load balancer and a Route 53 name.
        for port in &pending.ports {
            requests.push(PortRequest {
                container: port.container.clone(),
                listener_port: port.number,
                container_port: port.number,
                listener_protocol: port.udp.then_some(Protocol::Udp),
                target_protocol: port.udp.then_some(Protocol::Udp),
                certificate: None,
                span: Some(port.span),
            });
        }
        (false, None)
    } else {
        let first = services[0];
        for other in &services[1..] {
            if other.public != first.public
                || (other.kind.is_some() && first.kind.is_some() && other.kind != first.kind)
            {
                sink.push(
                    Diagnostic::error(
                        Code::ServiceSelection,
                        Some(other.span),
                        format!("Services `{}` and `{}` both select Deployment `{name}` but ask for different load balancers", first.name, other.name),
                    )
                    .with_help("a deployment's VMs sit behind one load balancer; give both Services the same type and scheme"),
                );
            }
        }
        for service in services {
            for port in &service.ports {
                if let Some(request) = port_request(service, port, pending, sink) {
                    requests.push(request);
                }
            }
        }
        (
            first.public,
            services.iter().find_map(|service| service.kind),
        )
    };
    let mut health = pending.readiness.clone().unwrap_or_default();
    if let Some(service) = services.first() {
        overlay(&mut health, &service.health);
    }
    let errors_before = sink.error_count();
    match plan_load_balancer(&requests, kind, public, &health) {
        Ok(load_balancer) => pending.deployment.load_balancer = load_balancer,
        Err(problems) => problems.into_iter().for_each(|problem| sink.push(problem)),
    }
    if sink.error_count() > errors_before {
        return;
    }
    if pending.deployment.load_balancer.is_some() {
        pending.deployment.replace_unhealthy = Some(ReplaceUnhealthy {
            grace_period_seconds: BOOT_SECONDS.saturating_add(pending.liveness_delay.unwrap_or(0)),
        });
    } else if pending.liveness_delay.is_some() {
        sink.ignored(
            pending.span,
            &format!("livenessProbe of Deployment `{name}`"),
            "with no port exposed, no load balancer can check the VMs",
        );
    }
}

/// Annotation settings win over the readiness probe's: they configure the load balancer itself.
fn overlay(health: &mut HealthCheckRequest, annotations: &HealthCheckRequest) {
    health.protocol = annotations.protocol.or(health.protocol);
    health.port = annotations.port.or(health.port);
    health.path = annotations.path.clone().or(health.path.take());
    health.interval_seconds = annotations.interval_seconds.or(health.interval_seconds);
    health.timeout_seconds = annotations.timeout_seconds.or(health.timeout_seconds);
    health.healthy_threshold = annotations.healthy_threshold.or(health.healthy_threshold);
    health.unhealthy_threshold = annotations
        .unhealthy_threshold
        .or(health.unhealthy_threshold);
    if health.span.is_none() {
        health.span = annotations.span;
    }
}

fn port_request(
    service: &Service,
    port: &service::ServicePort,
    pending: &PendingDeployment,
    sink: &mut Sink,
) -> Option<PortRequest> {
    let declared = |number: u16| {
        pending
            .ports
            .iter()
            .find(|declared| declared.number == number)
    };
    let first_container = pending
        .deployment
        .containers
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let (container_port, container) = match &port.target {
        None => (
            port.port,
            declared(port.port).map_or(first_container, |p| p.container.clone()),
        ),
        Some(IntOrString::Int(number)) => match u16::try_from(*number).ok().filter(|n| *n > 0) {
            Some(number) => (
                number,
                declared(number).map_or(first_container, |p| p.container.clone()),
            ),
            None => {
                sink.push(Diagnostic::error(
                    Code::PortSyntax,
                    Some(port.target_span),
                    format!("targetPort {number} is outside 1–65535"),
                ));
                return None;
            }
        },
        Some(IntOrString::Text(name)) => match pending
            .ports
            .iter()
            .find(|declared| declared.name.as_deref() == Some(name.as_str()))
        {
            Some(declared) => (declared.number, declared.container.clone()),
            None => {
                let names: Vec<&str> = pending
                    .ports
                    .iter()
                    .filter_map(|p| p.name.as_deref())
                    .collect();
                let mut problem = Diagnostic::error(
                    Code::ServiceSelection,
                    Some(port.target_span),
                    format!(
                        "targetPort `{name}` names no container port of Deployment `{}`",
                        pending.deployment.name
                    ),
                );
                problem = match did_you_mean(name, names.iter().copied()) {
                    Some(suggestion) => problem.with_help(format!("did you mean `{suggestion}`?")),
                    None if names.is_empty() => problem.with_help("name a container port (`ports: [{name: http, containerPort: 8080}]`) or use its number"),
                    None => problem.with_help(format!("the named ports are: {}", names.join(", "))),
                };
                sink.push(problem);
                return None;
            }
        },
    };
    let tls = service.terminates_tls(port.port, port.name.as_deref());
    let (listener_protocol, target_protocol) = if port.udp {
        (Some(Protocol::Udp), Some(Protocol::Udp))
    } else if tls {
        match service.backend {
            Some(Protocol::Tls) => (Some(Protocol::Tls), Some(Protocol::Tls)),
            Some(Protocol::Tcp) => (Some(Protocol::Tls), Some(Protocol::Tcp)),
            Some(Protocol::Https) => (Some(Protocol::Https), Some(Protocol::Https)),
            _ => (Some(Protocol::Https), Some(Protocol::Http)),
        }
    } else {
        match service.backend {
            Some(Protocol::Http) => (Some(Protocol::Http), Some(Protocol::Http)),
            Some(Protocol::Tcp) => (Some(Protocol::Tcp), Some(Protocol::Tcp)),
            backend => (port.app_protocol, backend),
        }
    };
    Some(PortRequest {
        container,
        listener_port: port.port,
        container_port,
        listener_protocol,
        target_protocol,
        certificate: if tls {
            service.certificate.clone()
        } else {
            None
        },
        span: Some(port.span),
    })
}
