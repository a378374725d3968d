//! Deployment → a VM group waiting for its Services: replicas, the rollout strategy, the pod
//! template, and the instance type sized from the pod's requests or named by annotation.

use super::external_secrets::SecretSettings;
use super::metadata::{Metadata, read_annotations, read_metadata};
use super::pod::{self, Pod, PodConfig, read_pod_with_claims};
use super::preamble::Preamble;
use super::reader::{Object, Sink, int_or_string, missing_spec};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::rules;
use crate::model::document_order::DocumentOrder;
use crate::model::intent::requests::{
    self, Amount, DEFAULT_INSTANCE_TYPE, InstanceRequest, IntOrString, RolloutRequest,
};
use crate::model::intent::{Identity, ReadName, Workload};
use crate::model::{Deployment, DeploymentName};
use crate::source::Span;

/// The API versions of Deployment that i2kit reads: today's and the older ones the paper
/// (Fig. 2 is apps/v1beta2) and old repositories use. The fields i2kit maps are the same.
pub const DEPLOYMENT_API_VERSIONS: [&str; 4] = [
    "apps/v1",
    "apps/v1beta2",
    "apps/v1beta1",
    "extensions/v1beta1",
];

pub use crate::model::intent::requests::INSTANCE_TYPE_ANNOTATION;

/// Time a VM needs to boot before its pod can answer. The grace period is this plus the
/// longer of the pod's liveness and readiness `initialDelaySeconds` (not their sum).
pub const BOOT_SECONDS: u32 = 60;

/// Reads a Deployment of one of [`DEPLOYMENT_API_VERSIONS`].
pub fn collect(
    object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<(Workload, PodConfig)> {
    if !preamble.accepts_api_version(&DEPLOYMENT_API_VERSIONS, sink) {
        return None;
    }
    let (workload, config, ()) =
        read_workload(object, preamble.order, "Deployment", sink, |spec, sink| {
            let strategy_span = spec.key_span("strategy");
            let replicas_span = spec.key_span("replicas");
            let mut rollout = read_strategy(spec, sink);
            rollout.span = strategy_span.or(replicas_span);
            OwnFields {
                rollout,
                claims: Vec::new(),
                own: (),
            }
        })?;
    Some((workload, config))
}

/// What a workload kind reads of its own spec, beside what every pod-template workload has.
pub(super) struct OwnFields<T> {
    pub rollout: RolloutRequest,
    /// Volume claims its containers may mount beside the pod's volumes.
    pub claims: Vec<String>,
    pub own: T,
}

/// Reads a workload with a pod template (a Deployment, a StatefulSet): metadata, replicas,
/// selector and template, with `read_own` reading what only its kind has before the template,
/// whose containers may mount the claims it returns.
pub(super) fn read_workload<T>(
    mut object: Object<'_>,
    order: DocumentOrder,
    kind: &str,
    sink: &mut Sink,
    read_own: impl FnOnce(&mut Object<'_>, &mut Sink) -> OwnFields<T>,
) -> Option<(Workload, PodConfig, T)> {
    let errors_before = sink.error_count();
    let Metadata {
        name,
        name_span,
        namespace,
        annotations,
    } = read_metadata(&mut object, sink);
    object.accept(&["status"]);
    let Some(mut spec) = object.object("spec", sink) else {
        sink.push(missing_spec(kind, &name, object.span()));
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
    let OwnFields {
        rollout,
        claims,
        own,
    } = read_own(&mut spec, sink);
    let mut labels = Vec::new();
    let mut template_annotations = Vec::new();
    let mut pod = Pod::default();
    let template = spec.object("template", sink);
    let has_template = template.is_some();
    match template {
        Some(mut template) => {
            if let Some(mut metadata) = template.object("metadata", sink) {
                labels = metadata.string_map("labels", sink);
                template_annotations = read_annotations(&mut metadata, sink);
                pod::check_confinement_annotations(&template_annotations, sink);
                metadata.accept(&["name", "creationTimestamp"]);
                metadata.finish(sink, |_| None);
            }
            match template.object("spec", sink) {
                Some(pod_spec) => {
                    let shared_pid = pod_spec.key_span("shareProcessNamespace");
                    pod = read_pod_with_claims(pod_spec, &claims, sink);
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
            format!("{kind} `{name}` has no `spec.template`"),
        )),
    }
    // Without a template there are no labels to compare, and its absence is the error.
    if has_template
        && let Some((selected, span)) = &selector
        && let Some((key, value)) = selected.iter().find(|label| !labels.contains(label))
    {
        sink.push(
            Diagnostic::error(Code::ServiceSelection, Some(*span), format!("the selector's `{key}: {value}` is not among the pod template's labels"))
                .with_help(format!("Kubernetes rejects a {kind} whose selector does not match its template; make them agree")),
        );
    }
    pod.config.secrets = SecretSettings::read(&template_annotations, sink);
    pod.config.labels.clone_from(&labels);
    pod.config.annotations = template_annotations
        .into_iter()
        .map(|(key, value, _)| (key, value))
        .collect();
    spec.finish(sink, |key| match key {
        "revisionHistoryLimit" | "progressDeadlineSeconds" | "paused" => {
            Some("CloudFormation manages the rollout; roll back by deploying the previous template")
        }
        _ => None,
    });
    let instance = choose_instance_type(&annotations, &pod, name_span, sink);
    // The load balancer's verdict counts only once the pod could pass it: after boot and the
    // longer of the probes' initial delays.
    let start_delay = pod.liveness_delay.max(pod.readiness_delay).unwrap_or(0);
    let workload = Workload {
        failed: sink.error_count() > errors_before,
        order,
        deployment: Deployment {
            replicas,
            init_containers: pod.init_containers,
            grace_period_seconds: BOOT_SECONDS.saturating_add(start_delay),
            hostname: pod.hostname,
            span: Some(name_span),
            // `read_metadata` has reported a name that is not a label, and left it empty.
            ..Deployment::as_read(
                ReadName::from_checked(DeploymentName::new(&name)),
                namespace,
                pod.containers,
            )
        },
        labels,
        ports: pod.ports,
        readiness: pod.readiness,
        liveness_delay: pod.liveness_delay,
        span: name_span,
        failed_containers: pod.failed_containers,
        identity: Identity::Account(pod.service_account),
        cpu_request_millis: pod.container_cpu_request_millis,
        rollout,
        instance,
        autoscaler: None,
        replicas_span,
    };
    Some((workload, pod.config, own))
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

/// The rolling update as written, defaults included; `span` is left for the caller.
pub(super) fn read_strategy(spec: &mut Object<'_>, sink: &mut Sink) -> RolloutRequest {
    let min_ready = spec
        .integer("minReadySeconds", sink)
        .map_or(0, |(value, span)| {
            // PauseTime is DEFAULT_PAUSE_SECONDS + minReadySeconds, and CloudFormation
            // allows at most PT1H.
            let most = 3600 - requests::DEFAULT_PAUSE_SECONDS;
            let (clamped, warning) = rules::clamp_reported(value, (0, most), span, |clamped| {
                format!("minReadySeconds {value} is outside 0–{most}; using {clamped}")
            });
            if let Some(warning) = warning {
                sink.push(warning);
            }
            clamped
        });
    let pause = requests::DEFAULT_PAUSE_SECONDS + min_ready;
    let mut surge = requests::DEFAULT_SURGE;
    let mut unavailable = requests::DEFAULT_UNAVAILABLE;
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
    RolloutRequest {
        max_surge: surge,
        max_unavailable: unavailable,
        pause_seconds: pause,
        recreate,
        span: None,
    }
}

fn choose_instance_type(
    annotations: &[(String, String, Span)],
    pod: &Pod,
    span: Span,
    sink: &mut Sink,
) -> InstanceRequest {
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
            return InstanceRequest::Named(value.clone());
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
        return InstanceRequest::Named(DEFAULT_INSTANCE_TYPE.to_string());
    }
    if pod.cpu_request_millis == 0 && pod.memory_request_bytes == 0 {
        return InstanceRequest::Named(DEFAULT_INSTANCE_TYPE.to_string());
    }
    InstanceRequest::Fitting {
        cpu_millis: pod.cpu_request_millis,
        memory_bytes: pod.memory_request_bytes,
        span,
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
