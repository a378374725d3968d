//! A Kubernetes pod template → the model's containers, with everything the pod spec says that
//! has a meaning on a VM, and a warning for everything that has none.

mod config_volume;
mod confinement;
mod container;
mod environment;
mod object_ref;
mod pod_info_volume;
mod ports;
mod probes;
mod resource_field;
mod resources;
mod security;
mod volumes;

use super::external_secrets::SecretSettings;
use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::intent::ContainerPort;
use crate::model::intent::requests::HealthCheckRequest;
use crate::model::{Container, DnsLabel};
use crate::source::Span;
use crate::yaml::{Node, Value};
pub use config_volume::{
    CONFIG_VOLUME_ROOT, DeclaredConfigVolume, KeyToPath, SubPathUse, config_volume_dir,
};
pub use confinement::check_confinement_annotations;
use container::{ContainerReading, read_container};
pub use environment::{
    EnvFrom, EnvRecipe, EnvSources, EnvValue, ExpansionError, KnownField, Resolved, ResolvedFrom,
    boot_reference, compose_env, expand_references, pod_field,
};
pub use object_ref::{ObjectKind, ObjectRef};
pub use pod_info_volume::{DeclaredPodInfoVolume, PodInfoItem};
pub use ports::protocol_error;
pub use resource_field::{ResourceAmounts, resource_value};
use security::{PodSecurity, read_pod_security};
pub use volumes::{ClaimUse, SHARED_VOLUME_ROOT};
use volumes::{PodVolumes, read_volumes};

/// Everything a pod template contributes to a deployment.
#[derive(Debug, Default)]
pub struct Pod {
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    /// Containers read with errors, init or not: never compiled, but reported on by the
    /// image pass.
    pub failed_containers: Vec<Container>,
    pub ports: Vec<ContainerPort>,
    pub readiness: Option<HealthCheckRequest>,
    /// `initialDelaySeconds` of the first liveness probe, when there is one.
    pub liveness_delay: Option<u32>,
    /// The longest `initialDelaySeconds` of the readiness probes: no VM is ready before.
    pub readiness_delay: Option<u32>,
    pub cpu_request_millis: u64,
    /// The running containers' CPU requests summed, in millicores: what a
    /// HorizontalPodAutoscaler's utilisation is a percentage of (init containers have
    /// finished by then).
    pub container_cpu_request_millis: u64,
    pub memory_request_bytes: u64,
    /// Extended resources such as `nvidia.com/gpu`, which no instance table can size.
    pub extended_resources: Vec<(String, Span)>,
    pub hostname: Option<DnsLabel>,
    pub share_process_namespace: bool,
    /// `serviceAccountName` (or the deprecated `serviceAccount`) and where it is written;
    /// `None` runs as the namespace's `default` account.
    pub service_account: Option<(String, Span)>,
    pub config: PodConfig,
}

/// What a pod reads from ConfigMaps and Secrets, settled once every object is read.
#[derive(Debug, Default)]
pub struct PodConfig {
    pub volumes: Vec<DeclaredConfigVolume>,
    pub sub_paths: Vec<SubPathUse>,
    /// The environment of each of [`Pod::containers`], in the same order.
    pub containers: Vec<EnvRecipe>,
    /// The environment of each of [`Pod::init_containers`], in the same order.
    pub init_containers: Vec<EnvRecipe>,
    /// The PersistentVolumeClaims the pod mounts.
    pub claims: Vec<ClaimUse>,
    /// The template's labels and annotations, for the Downward API.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// The account the pod runs as (`spec.serviceAccountName`), or `default`.
    pub service_account: String,
    /// Where Secrets absent from the input are fetched at boot.
    pub secrets: SecretSettings,
    /// The `downwardAPI` volumes.
    pub pod_info_volumes: Vec<DeclaredPodInfoVolume>,
    /// Each container's (init containers' too) resources, by name, for `resourceFieldRef`.
    pub amounts: Vec<(String, ResourceAmounts)>,
    /// A StatefulSet's `volumeClaimTemplates`, whose volumes are made once the StorageClasses
    /// are known.
    pub claim_templates: Vec<super::volume_claim::ClaimRequest>,
    /// `fsGroup` of a pod with volume claims: the group their directories are given.
    pub fs_group: Option<u32>,
}

/// What every container of the pod reads against.
struct PodContext<'a> {
    volumes: &'a PodVolumes,
    security: &'a PodSecurity,
}

fn scheduling_reason(key: &str) -> Option<&'static str> {
    Some(match key {
        "nodeSelector"
        | "affinity"
        | "tolerations"
        | "topologySpreadConstraints"
        | "nodeName"
        | "schedulerName"
        | "priorityClassName"
        | "priority"
        | "preemptionPolicy"
        | "runtimeClassName"
        | "overhead"
        | "schedulingGates"
        | "resourceClaims" => "scheduling has no meaning when each pod is its own VM",
        "automountServiceAccountToken" => {
            "there is no Kubernetes API for a token to talk to; the VMs' AWS credentials come from the instance profile of their ServiceAccount's eks.amazonaws.com/role-arn"
        }
        "imagePullSecrets" => {
            "images are pulled once, by `linuxkit build`; give that step the registry credentials"
        }
        "restartPolicy" => {
            "LinuxKit restarts no container; a failing VM is replaced through its health check instead"
        }
        "terminationGracePeriodSeconds" | "activeDeadlineSeconds" => {
            "VMs are stopped by the Auto Scaling group, not by a kubelet"
        }
        "dnsPolicy" | "dnsConfig" | "hostAliases" | "enableServiceLinks" | "setHostnameAsFQDN"
        | "subdomain" => {
            "the VM uses the VPC's DNS resolver; deployments find each other as <name>.<zone>"
        }
        "hostNetwork" | "hostPID" | "hostIPC" | "hostUsers" => {
            "a pod already owns its VM's namespaces"
        }
        "os" | "readinessGates" | "ephemeralContainers" => super::reader::UNMAPPED,
        _ => return None,
    })
}

/// Reads `spec.template.spec`.
pub fn read_pod(spec: Object<'_>, sink: &mut Sink) -> Pod {
    read_pod_with_claims(spec, &[], sink)
}

/// Reads `spec.template.spec` of a workload whose volume `claims` its containers may mount.
pub fn read_pod_with_claims(spec: Object<'_>, claims: &[String], sink: &mut Sink) -> Pod {
    let mut spec = spec;
    let mut pod = Pod::default();
    let mut security = spec
        .object("securityContext", sink)
        .map(|object| read_pod_security(object, sink))
        .unwrap_or_default();
    let security_path = spec.child("securityContext");
    let container_nodes = spec.take("containers");
    let init_nodes = spec.take("initContainers");
    check_container_names_unique(container_nodes, init_nodes, sink);
    let volumes = read_volumes(&mut spec, container_nodes, init_nodes, claims, sink);
    // Kubernetes gives a pod's volumes the fsGroup and adds it to every container's groups; on
    // a VM only a volume claim's disk is the pod's own to give it.
    if let Some((group, span)) = security.fs_group {
        if claims.is_empty() && volumes.claim_uses().is_empty() {
            sink.ignored(
                span,
                &format!("{security_path}.fsGroup"),
                "volumes are not chowned on a VM; set runAsGroup or supplementalGroups",
            );
        } else {
            pod.config.fs_group = Some(group);
            if !security.supplemental_groups.contains(&group) {
                security.supplemental_groups.push(group);
            }
        }
    }
    let path = spec.path().to_string();
    let context = PodContext {
        volumes: &volumes,
        security: &security,
    };
    match container_nodes.map(|node| &node.value) {
        Some(Value::Sequence(items)) if !items.is_empty() => {
            for (index, node) in items.iter().enumerate() {
                let container_path = format!("{path}.containers[{index}]");
                if let Some(reading) =
                    read_container(node, &container_path, &context, &pod.ports, false, sink)
                {
                    pod.add(reading, false, sink);
                }
            }
        }
        _ => sink.push(
            Diagnostic::error(
                Code::EmptyContainers,
                Some(container_nodes.map_or(spec.span(), |node| node.span)),
                format!("`{path}.containers` must list at least one container"),
            )
            .with_help("add a container with `name` and `image`"),
        ),
    }
    if let Some(Value::Sequence(items)) = init_nodes.map(|node| &node.value) {
        for (index, node) in items.iter().enumerate() {
            let container_path = format!("{path}.initContainers[{index}]");
            if let Some(reading) =
                read_container(node, &container_path, &context, &pod.ports, true, sink)
            {
                pod.add(reading, true, sink);
            }
        }
    }
    pod.hostname = spec.string("hostname", sink).and_then(|hostname| {
        DnsLabel::new(&hostname).or_else(|| {
            sink.push(Diagnostic::error(
                Code::InvalidName,
                spec.key_span("hostname"),
                format!("hostname `{hostname}` is not a DNS label"),
            ));
            None
        })
    });
    pod.share_process_namespace = spec.boolean("shareProcessNamespace", sink).unwrap_or(false);
    pod.config.volumes = volumes.config_volumes();
    pod.config.claims = volumes.claim_uses();
    pod.config.pod_info_volumes = volumes.pod_info_volumes();
    // `serviceAccountName` wins over its deprecated alias, as the API server has it.
    let mut account = |key: &str| {
        let name = spec.string(key, sink)?;
        Some((name, spec.value_span(key)?))
    };
    let deprecated = account("serviceAccount");
    pod.service_account = account("serviceAccountName").or(deprecated);
    pod.config.service_account = pod
        .service_account
        .as_ref()
        .map_or_else(|| "default".to_string(), |(name, _)| name.clone());
    spec.finish(sink, scheduling_reason);
    pod
}

/// Kubernetes refuses a pod whose containers and init containers share a name
/// (`validateInitContainers` checks them against the containers' names); every container is a
/// LinuxKit service, named after it, and services must be unique.
fn check_container_names_unique(
    containers: Option<&Node>,
    init_containers: Option<&Node>,
    sink: &mut Sink,
) {
    let mut names: Vec<(&str, Span)> = [containers, init_containers]
        .into_iter()
        .flatten()
        .filter_map(|list| match &list.value {
            Value::Sequence(items) => Some(items),
            _ => None,
        })
        .flatten()
        .filter_map(|item| {
            let name = item.get("name")?;
            Some((name.as_str()?, name.span))
        })
        .collect();
    // Reported at the one written last, whichever list it is in.
    names.sort_by_key(|(_, span)| (span.start.line, span.start.column));
    for (index, (name, span)) in names.iter().enumerate() {
        if names[..index].iter().any(|(earlier, _)| earlier == name) {
            sink.push(
                Diagnostic::error(
                    Code::PodConflict,
                    Some(*span),
                    format!("another container of this pod is already named `{name}`"),
                )
                .with_help("Kubernetes refuses two containers (init containers included) of one name, and each becomes a VM service of that name: rename one"),
            );
        }
    }
}

impl Pod {
    /// Folds one container into the pod. Init containers run one at a time before the others,
    /// so the VM needs the largest of their requests; the others run together, so theirs add up.
    fn add(&mut self, reading: ContainerReading, init: bool, sink: &mut Sink) {
        self.ports.extend(reading.ports);
        let requests = reading.requests;
        if init {
            self.cpu_request_millis = self.cpu_request_millis.max(requests.cpu_millis);
            self.memory_request_bytes = self.memory_request_bytes.max(requests.memory_bytes);
        } else {
            // Each request is bounded, not their sum: too much only fails to fit any type.
            self.cpu_request_millis = self.cpu_request_millis.saturating_add(requests.cpu_millis);
            self.container_cpu_request_millis = self
                .container_cpu_request_millis
                .saturating_add(requests.cpu_millis);
            self.memory_request_bytes = self
                .memory_request_bytes
                .saturating_add(requests.memory_bytes);
        }
        self.extended_resources.extend(requests.extended);
        if let Some(request) = reading.readiness {
            probes::keep_first_readiness(&mut self.readiness, request, &reading.name, sink);
        }
        self.liveness_delay = self.liveness_delay.or(reading.liveness_delay);
        self.readiness_delay = self.readiness_delay.max(reading.readiness_delay);
        self.config.sub_paths.extend(reading.sub_paths);
        self.config.amounts.push((
            reading.container.name.clone(),
            resource_field::amounts_of(
                &reading.container.resources,
                requests.cpu_millis,
                requests.memory_bytes,
            ),
        ));
        if reading.failed {
            self.failed_containers.push(reading.container);
        } else {
            let container = reading.container;
            if init {
                self.init_containers.push(container);
                self.config.init_containers.push(reading.env);
            } else {
                self.containers.push(container);
                self.config.containers.push(reading.env);
            }
        }
    }
}
