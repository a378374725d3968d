//! A Kubernetes pod template → the model's containers, with everything the pod spec says that
//! has a meaning on a VM, and a warning for everything that has none.

use super::quantity::{parse_bytes, parse_cpu_millis};
use super::reader::{IntOrString, Object, Sink, int_or_string, integer, text};
use crate::diagnostic::{Code, Diagnostic};
use crate::infer::capabilities::{CapabilityName, effective, normalise, unknown_capability};
use crate::infer::load_balancer::HealthCheckRequest;
use crate::infer::probe::{INTERVAL_RANGE, THRESHOLD_RANGE, TIMEOUT_RANGE, clamp, fit_timeout};
use crate::input::rules;
use crate::model::{CPU_PERIOD_MICROS, Container, Mount, Protocol, Resources};
use crate::source::Span;
use crate::yaml::Node;

/// Where shared `emptyDir` volumes live on the VM: `/run` is a tmpfs in LinuxKit, so the
/// directory is memory-backed like an emptyDir and gone at reboot.
pub const SHARED_VOLUME_ROOT: &str = "/run/i2kit/volumes";

/// A port a container declares, for Services and probes to refer to by number or name.
#[derive(Debug, Clone)]
pub struct ContainerPort {
    pub container: String,
    pub name: Option<String>,
    pub number: u16,
    pub udp: bool,
    pub span: Span,
}

/// Everything a pod template contributes to a deployment.
#[derive(Debug, Default)]
pub struct Pod {
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub ports: Vec<ContainerPort>,
    pub readiness: Option<HealthCheckRequest>,
    /// `initialDelaySeconds` of the first liveness probe, when there is one.
    pub liveness_delay: Option<u32>,
    pub cpu_request_millis: u64,
    pub memory_request_bytes: u64,
    /// Extended resources such as `nvidia.com/gpu`, which no instance table can size.
    pub extended_resources: Vec<(String, Span)>,
    pub hostname: Option<String>,
    pub share_process_namespace: bool,
}

enum VolumeSource {
    EmptyDir { size_bytes: Option<u64>, span: Span },
    HostPath { path: String, create: bool },
}

struct Volume {
    name: String,
    /// `None` for a volume already reported as impossible to map.
    source: Option<VolumeSource>,
}

/// Pod-level security settings that containers inherit unless they override them.
#[derive(Default, Clone)]
struct PodSecurity {
    run_as_user: Option<u32>,
    run_as_group: Option<u32>,
    run_as_non_root: Option<(bool, Span)>,
    supplemental_groups: Vec<u32>,
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
        "serviceAccountName" | "serviceAccount" | "automountServiceAccountToken" => {
            "there is no Kubernetes API for a service account to talk to; give the VMs an instance profile instead"
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
        "os" | "readinessGates" | "ephemeralContainers" => "i2kit does not map this field",
        _ => return None,
    })
}

fn container_reason(key: &str) -> Option<&'static str> {
    Some(match key {
        "imagePullPolicy" => "the image is pulled once, when `linuxkit build` makes the VM image",
        "startupProbe" => {
            "the Auto Scaling group's grace period covers start-up; use livenessProbe.initialDelaySeconds"
        }
        "lifecycle" => "LinuxKit has no post-start or pre-stop hooks",
        "terminationMessagePath" | "terminationMessagePolicy" => {
            "there is no kubelet to read a termination message"
        }
        "stdin" | "stdinOnce" | "tty" => "services of a VM have no terminal",
        "resizePolicy" | "restartPolicy" => "LinuxKit restarts no container",
        "volumeDevices" => "raw block devices cannot be mapped",
        _ => return None,
    })
}

/// Reads `spec.template.spec`.
pub fn read_pod(spec: Object<'_>, sink: &mut Sink) -> Pod {
    let mut spec = spec;
    let mut pod = Pod::default();
    let security = spec
        .object("securityContext", sink)
        .map(|object| read_pod_security(object, sink))
        .unwrap_or_default();
    let volumes = read_volumes(&mut spec, sink);
    let container_nodes = spec.take("containers");
    let init_nodes = spec.take("initContainers");
    let path = spec.path().to_string();
    let mount_counts = count_mounts(container_nodes, init_nodes);
    let context = PodContext {
        volumes: &volumes,
        security: &security,
        mount_counts: &mount_counts,
    };
    match container_nodes.map(|node| &node.value) {
        Some(crate::yaml::Value::Sequence(items)) if !items.is_empty() => {
            for (index, node) in items.iter().enumerate() {
                let container_path = format!("{path}.containers[{index}]");
                if let Some(container) =
                    read_container(node, &container_path, &context, &mut pod, false, sink)
                {
                    pod.containers.push(container);
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
    if let Some(crate::yaml::Value::Sequence(items)) = init_nodes.map(|node| &node.value) {
        for (index, node) in items.iter().enumerate() {
            let container_path = format!("{path}.initContainers[{index}]");
            if let Some(container) =
                read_container(node, &container_path, &context, &mut pod, true, sink)
            {
                pod.init_containers.push(container);
            }
        }
    }
    pod.hostname = spec.string("hostname", sink);
    if let Some(hostname) = &pod.hostname
        && !rules::is_dns_label(hostname)
    {
        let span = spec.key_span("hostname");
        sink.push(Diagnostic::error(
            Code::InvalidName,
            span,
            format!("hostname `{hostname}` is not a DNS label"),
        ));
    }
    pod.share_process_namespace = spec.boolean("shareProcessNamespace", sink).unwrap_or(false);
    spec.finish(sink, scheduling_reason);
    pod
}

struct PodContext<'a> {
    volumes: &'a [Volume],
    security: &'a PodSecurity,
    mount_counts: &'a [(String, usize)],
}

fn read_pod_security(mut object: Object<'_>, sink: &mut Sink) -> PodSecurity {
    let mut security = PodSecurity {
        run_as_user: id(&mut object, "runAsUser", sink),
        run_as_group: id(&mut object, "runAsGroup", sink),
        run_as_non_root: object
            .boolean("runAsNonRoot", sink)
            .map(|flag| (flag, object.key_span("runAsNonRoot").unwrap_or_default())),
        supplemental_groups: Vec::new(),
    };
    for (index, node) in object.list("supplementalGroups", sink).iter().enumerate() {
        let path = format!("{}.supplementalGroups[{index}]", object.path());
        if let Some(value) = integer(node, &path, sink).and_then(|value| u32::try_from(value).ok())
        {
            security.supplemental_groups.push(value);
        }
    }
    object.finish(sink, |key| match key {
        "fsGroup" | "fsGroupChangePolicy" => {
            Some("volumes are not chowned on a VM; set runAsGroup or supplementalGroups")
        }
        "seccompProfile"
        | "seLinuxOptions"
        | "appArmorProfile"
        | "windowsOptions"
        | "seLinuxChangePolicy" => Some("LinuxKit applies its own confinement profile"),
        "sysctls" => Some("set kernel parameters through LinuxKit's sysctl onboot image"),
        _ => None,
    });
    security
}

fn id(object: &mut Object<'_>, key: &str, sink: &mut Sink) -> Option<u32> {
    let (value, span) = object.integer(key, sink)?;
    match u32::try_from(value) {
        Ok(value) => Some(value),
        Err(_) => {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                Some(span),
                format!("`{}` must be 0 or more", object.child(key)),
            ));
            None
        }
    }
}

fn read_volumes(spec: &mut Object<'_>, sink: &mut Sink) -> Vec<Volume> {
    let mut volumes = Vec::new();
    let path = spec.child("volumes");
    for (index, node) in spec.list("volumes", sink).iter().enumerate() {
        let Some(mut object) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let Some(name) = object.string("name", sink) else {
            continue;
        };
        let mut source = None;
        if let Some(mut empty_dir) = object.object("emptyDir", sink) {
            let size_bytes = empty_dir.string("sizeLimit", sink).and_then(|text| {
                parse_bytes(&text)
                    .map_err(|message| {
                        sink.push(Diagnostic::error(
                            Code::InvalidValue,
                            empty_dir.key_span("sizeLimit"),
                            message,
                        ))
                    })
                    .ok()
            });
            empty_dir.accept(&["medium"]);
            let span = empty_dir.span();
            empty_dir.finish(sink, |_| None);
            source = Some(VolumeSource::EmptyDir { size_bytes, span });
        } else if object.key_span("emptyDir").is_some() {
            source = Some(VolumeSource::EmptyDir {
                size_bytes: None,
                span: object.span(),
            });
        }
        if let Some(mut host_path) = object.object("hostPath", sink) {
            let kind = host_path.string("type", sink).unwrap_or_default();
            if let Some(path) = host_path.string("path", sink) {
                source = Some(VolumeSource::HostPath {
                    create: kind.is_empty() || kind == "DirectoryOrCreate",
                    path,
                });
            }
            host_path.finish(sink, |_| None);
        }
        for (key, what) in [
            ("configMap", "ConfigMap"),
            ("secret", "Secret"),
            ("persistentVolumeClaim", "PersistentVolumeClaim"),
        ] {
            if let Some(node) = object.take(key) {
                sink.push(
                    Diagnostic::error(
                        Code::ExternalReference,
                        object.key_span(key).or(Some(node.span)),
                        format!("volume `{name}` mounts a {what}, an object outside this file that a compiler cannot read"),
                    )
                    .with_help(match key {
                        "persistentVolumeClaim" => "VMs of an Auto Scaling group are replaceable and keep no disk; keep state in a managed store (RDS, EFS, S3)",
                        _ => "bake the files into the image, or pass values through `env`",
                    }),
                );
                source = None;
            }
        }
        let known = [
            "name",
            "emptyDir",
            "hostPath",
            "configMap",
            "secret",
            "persistentVolumeClaim",
        ];
        for (key_node, _) in object.entries() {
            let key = key_node.scalar_text().unwrap_or_default();
            if !known.contains(&key.as_str()) {
                object.accept(&[key.as_str()]);
                sink.push(
                    Diagnostic::error(
                        Code::UnsupportedVolume,
                        Some(key_node.span),
                        format!("volume `{name}` is of type `{key}`, which has no equivalent on an i2kit VM"),
                    )
                    .with_help("i2kit maps emptyDir (to memory) and hostPath (to the VM's directories)"),
                );
            }
        }
        object.finish(sink, |_| None);
        volumes.push(Volume { name, source });
    }
    volumes
}

/// How many containers mount each volume: an emptyDir mounted once can be a private tmpfs,
/// one mounted by several containers must be a directory they share.
fn count_mounts(containers: Option<&Node>, init_containers: Option<&Node>) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for list in [containers, init_containers].into_iter().flatten() {
        let crate::yaml::Value::Sequence(items) = &list.value else {
            continue;
        };
        for container in items {
            let Some(crate::yaml::Value::Sequence(mounts)) =
                container.get("volumeMounts").map(|node| &node.value)
            else {
                continue;
            };
            for mount in mounts {
                if let Some(name) = mount.get("name").and_then(Node::as_str) {
                    match counts.iter_mut().find(|(existing, _)| existing == name) {
                        Some((_, count)) => *count += 1,
                        None => counts.push((name.to_string(), 1)),
                    }
                }
            }
        }
    }
    counts
}

fn read_container(
    node: &Node,
    path: &str,
    context: &PodContext<'_>,
    pod: &mut Pod,
    init: bool,
    sink: &mut Sink,
) -> Option<Container> {
    let mut object = Object::new(node, path, sink)?;
    let errors_before = sink.error_count();
    let name = match object.string("name", sink) {
        Some(name) => name,
        None => {
            sink.push(Diagnostic::error(
                Code::MissingField,
                Some(object.span()),
                format!("`{path}` has no `name`"),
            ));
            String::new()
        }
    };
    if let Some(problem) = rules::check_container_name(&name, object.key_span("name")) {
        sink.push(problem);
    }
    let image = object.string("image", sink);
    if image.is_none() && object.key_span("image").is_none() {
        sink.push(
            Diagnostic::error(
                Code::MissingField,
                Some(object.span()),
                format!("container `{name}` has no `image`"),
            )
            .with_help("add `image: <repository>:<tag>`"),
        );
    }
    if let Some(image) = &image
        && let Some(warning) =
            rules::check_image_pinned(image, node.get("image").map(|image| image.span))
    {
        sink.push(warning);
    }
    let env = read_env(&mut object, sink);
    let command = read_command(&mut object, env.as_deref().unwrap_or_default(), sink);
    let working_dir = object.string("workingDir", sink);
    if !init {
        read_ports(&mut object, &name, pod, sink);
    } else {
        object.accept(&["ports"]);
    }
    let resources = read_resources(&mut object, pod, init, sink);
    let security = context.security.clone();
    let (capabilities, privileges) = read_container_security(&mut object, &security, sink);
    let mounts = read_mounts(&mut object, context, sink);
    for (key, readiness) in [("readinessProbe", true), ("livenessProbe", false)] {
        let Some(probe) = object.object(key, sink) else {
            continue;
        };
        if init {
            sink.ignored(
                probe.span(),
                probe.path(),
                "init containers run to completion before traffic arrives",
            );
            continue;
        }
        read_probe(probe, &name, readiness, pod, sink);
    }
    object.finish(sink, container_reason);
    if sink.error_count() > errors_before {
        return None;
    }
    Some(Container {
        name,
        image: image.unwrap_or_default(),
        command,
        env: env.map(rules::with_default_path),
        working_dir,
        capabilities,
        uid: privileges.uid,
        gid: privileges.gid,
        additional_gids: security.supplemental_groups,
        read_only_root: privileges.read_only_root,
        no_new_privileges: privileges.no_new_privileges,
        mounts,
        resources,
    })
}

/// `env` as pairs, with `$(VAR)` references to earlier entries expanded as the kubelet does.
fn read_env(object: &mut Object<'_>, sink: &mut Sink) -> Option<Vec<(String, String)>> {
    if let Some(node) = object.take("envFrom") {
        sink.push(
            Diagnostic::error(
                Code::ExternalReference,
                object.key_span("envFrom").or(Some(node.span)),
                "`envFrom` reads a ConfigMap or Secret, an object outside this file that a compiler cannot read",
            )
            .with_help("list the variables under `env` with literal `value`s"),
        );
    }
    let env_path = object.child("env");
    let items = object.list("env", sink);
    if items.is_empty() {
        return None;
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(mut entry) = Object::new(item, &format!("{env_path}[{index}]"), sink) else {
            continue;
        };
        let Some(name) = entry.string("name", sink) else {
            continue;
        };
        if let Some(node) = entry.take("valueFrom") {
            sink.push(
                Diagnostic::error(
                    Code::ExternalReference,
                    entry.key_span("valueFrom").or(Some(node.span)),
                    format!("environment variable `{name}` takes its value from another object (`valueFrom`), which a compiler cannot read"),
                )
                .with_help("write the value under `value`; for secrets, have the container fetch them at start (e.g. from AWS Secrets Manager)"),
            );
            continue;
        }
        let value = entry.string("value", sink).unwrap_or_default();
        let value = expand_references(&value, &pairs);
        entry.finish(sink, |_| None);
        pairs.retain(|(existing, _)| *existing != name);
        pairs.push((name, value));
    }
    Some(pairs)
}

/// Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` is a literal `$`, and
/// undefined references stay as written.
#[must_use]
pub fn expand_references(text: &str, variables: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(index) = rest.find('$') {
        out.push_str(&rest[..index]);
        let after = &rest[index + 1..];
        if let Some(remaining) = after.strip_prefix('$') {
            out.push('$');
            rest = remaining;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match variables.iter().rev().find(|(key, _)| key == name) {
                Some((_, value)) => out.push_str(value),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn string_list(object: &mut Object<'_>, key: &str, sink: &mut Sink) -> Option<Vec<String>> {
    let path = object.child(key);
    let node = object.take(key)?;
    let crate::yaml::Value::Sequence(items) = &node.value else {
        sink.wrong_type(node, &path, "a list of strings");
        return None;
    };
    Some(
        items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| text(item, &format!("{path}[{index}]"), sink))
            .collect(),
    )
}

fn read_command(
    object: &mut Object<'_>,
    env: &[(String, String)],
    sink: &mut Sink,
) -> Option<Vec<String>> {
    let args_span = object.key_span("args");
    let command = string_list(object, "command", sink);
    let args = string_list(object, "args", sink);
    let expand = |items: Vec<String>| {
        items
            .into_iter()
            .map(|item| expand_references(&item, env))
            .collect::<Vec<_>>()
    };
    match (command, args) {
        (Some(command), args) => {
            let mut argv = expand(command);
            argv.extend(expand(args.unwrap_or_default()));
            Some(argv)
        }
        (None, Some(_)) => {
            sink.push(rules::args_without_command(args_span));
            None
        }
        (None, None) => None,
    }
}

fn read_ports(object: &mut Object<'_>, container: &str, pod: &mut Pod, sink: &mut Sink) {
    let path = object.child("ports");
    for (index, node) in object.list("ports", sink).iter().enumerate() {
        let Some(mut port) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let name = port.string("name", sink);
        let number = port.integer("containerPort", sink);
        let protocol = port
            .string("protocol", sink)
            .unwrap_or_else(|| "TCP".to_string());
        for key in ["hostPort", "hostIP"] {
            if let Some(span) = port.key_span(key) {
                port.accept(&[key]);
                sink.ignored(
                    span,
                    &port.child(key),
                    "a container listens on its VM's own address; the load balancer maps ports",
                );
            }
        }
        port.finish(sink, |_| None);
        let udp = match protocol.as_str() {
            "TCP" => false,
            "UDP" => true,
            other => {
                sink.push(protocol_error(
                    other,
                    node.get("protocol").map_or(node.span, |n| n.span),
                ));
                continue;
            }
        };
        let Some((number, span)) = number else {
            continue;
        };
        match u16::try_from(number).ok().filter(|port| *port > 0) {
            Some(number) => pod.ports.push(ContainerPort {
                container: container.to_string(),
                name,
                number,
                udp,
                span,
            }),
            None => sink.push(Diagnostic::error(
                Code::PortSyntax,
                Some(span),
                format!("containerPort {number} is outside 1–65535"),
            )),
        }
    }
}

pub fn protocol_error(protocol: &str, span: Span) -> Diagnostic {
    if protocol == "SCTP" {
        Diagnostic::error(
            Code::ProtocolMismatch,
            Some(span),
            "SCTP cannot be load balanced on AWS",
        )
        .with_help("Elastic Load Balancing carries TCP and UDP; use one of them")
    } else {
        Diagnostic::error(
            Code::InvalidValue,
            Some(span),
            format!("protocol `{protocol}` is not TCP, UDP or SCTP"),
        )
    }
}

fn read_resources(
    object: &mut Object<'_>,
    pod: &mut Pod,
    init: bool,
    sink: &mut Sink,
) -> Resources {
    let mut resources = Resources::default();
    let Some(mut section) = object.object("resources", sink) else {
        return resources;
    };
    let mut requested = (0u64, 0u64);
    for key in ["limits", "requests"] {
        let Some(mut amounts) = section.object(key, sink) else {
            continue;
        };
        for (name_node, value_node) in amounts.entries() {
            let name = name_node.scalar_text().unwrap_or_default();
            let path = amounts.child(&name);
            let value = match &value_node.value {
                crate::yaml::Value::String(text) => text.clone(),
                other => crate::yaml::Node {
                    value: other.clone(),
                    span: value_node.span,
                }
                .scalar_text()
                .unwrap_or_default(),
            };
            let located = |message: String| {
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(value_node.span),
                    format!("`{path}`: {message}"),
                )
            };
            match name.as_str() {
                "cpu" => match parse_cpu_millis(&value) {
                    Ok(millis) if key == "limits" => {
                        resources.cpu_quota_micros = Some(millis * CPU_PERIOD_MICROS / 1000)
                    }
                    Ok(millis) => {
                        resources.cpu_shares = Some((millis * 1024 / 1000).max(2));
                        requested.0 = millis;
                    }
                    Err(message) => sink.push(located(message)),
                },
                "memory" => match parse_bytes(&value) {
                    Ok(bytes) if key == "limits" => resources.memory_limit_bytes = Some(bytes),
                    Ok(bytes) => requested.1 = bytes,
                    Err(message) => sink.push(located(message)),
                },
                "ephemeral-storage" | "hugepages-2Mi" | "hugepages-1Gi" => {
                    sink.ignored(
                        name_node.span,
                        &path,
                        "the VM's root filesystem is in memory and not metered per container",
                    );
                }
                _ => pod.extended_resources.push((name.clone(), name_node.span)),
            }
        }
        amounts.accept_all();
        amounts.finish(sink, |_| None);
    }
    section.finish(sink, |_| None);
    if init {
        pod.cpu_request_millis = pod.cpu_request_millis.max(requested.0);
        pod.memory_request_bytes = pod.memory_request_bytes.max(requested.1);
    } else {
        pod.cpu_request_millis += requested.0;
        pod.memory_request_bytes += requested.1;
    }
    resources
}

#[derive(Default)]
struct Privileges {
    uid: Option<u32>,
    gid: Option<u32>,
    read_only_root: bool,
    no_new_privileges: bool,
}

/// Container `securityContext`, over the pod's: the container's value wins where both set one.
fn read_container_security(
    object: &mut Object<'_>,
    pod: &PodSecurity,
    sink: &mut Sink,
) -> (crate::model::Capabilities, Privileges) {
    let mut privileges = Privileges {
        uid: pod.run_as_user,
        gid: pod.run_as_group,
        ..Privileges::default()
    };
    let mut run_as_non_root = pod.run_as_non_root;
    let mut privileged = false;
    let mut add = Vec::new();
    let mut drop = Vec::new();
    if let Some(mut security) = object.object("securityContext", sink) {
        privileges.uid = id(&mut security, "runAsUser", sink).or(privileges.uid);
        privileges.gid = id(&mut security, "runAsGroup", sink).or(privileges.gid);
        if let Some(flag) = security.boolean("runAsNonRoot", sink) {
            run_as_non_root = Some((flag, security.key_span("runAsNonRoot").unwrap_or_default()));
        }
        privileged = security.boolean("privileged", sink).unwrap_or(false);
        privileges.read_only_root = security
            .boolean("readOnlyRootFilesystem", sink)
            .unwrap_or(false);
        // Kubernetes: allowPrivilegeEscalation false sets no_new_privs; true (or unset) does not.
        privileges.no_new_privileges =
            security.boolean("allowPrivilegeEscalation", sink) == Some(false);
        if let Some(mut capabilities) = security.object("capabilities", sink) {
            add = capability_list(&mut capabilities, "add", sink);
            drop = capability_list(&mut capabilities, "drop", sink);
            capabilities.finish(sink, |_| None);
        }
        security.finish(sink, |key| match key {
            "seccompProfile" | "seLinuxOptions" | "appArmorProfile" | "windowsOptions"
            | "procMount" => Some("LinuxKit applies its own confinement profile"),
            _ => None,
        });
    }
    if let Some((true, span)) = run_as_non_root
        && privileges.uid.unwrap_or(0) == 0
    {
        sink.push(
            Diagnostic::error(Code::InvalidValue, Some(span), "runAsNonRoot is set, but the container would run as root")
                .with_help("LinuxKit ignores the image's USER; set `runAsUser` to the numeric uid the image expects"),
        );
    }
    (effective(privileged, &add, &drop), privileges)
}

fn capability_list(object: &mut Object<'_>, key: &str, sink: &mut Sink) -> Vec<CapabilityName> {
    let path = object.child(key);
    let mut names = Vec::new();
    for (index, node) in object.list(key, sink).iter().enumerate() {
        let Some(name) = text(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        match normalise(&name) {
            Ok(name) => names.push(name),
            Err(full) => {
                sink.push(unknown_capability(&name, &full, Some(node.span)));
            }
        }
    }
    names
}

fn read_mounts(object: &mut Object<'_>, context: &PodContext<'_>, sink: &mut Sink) -> Vec<Mount> {
    let mut mounts = Vec::new();
    let path = object.child("volumeMounts");
    for (index, node) in object.list("volumeMounts", sink).iter().enumerate() {
        let Some(mut mount) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let name = mount.string("name", sink).unwrap_or_default();
        let target = mount.string("mountPath", sink).unwrap_or_default();
        let read_only = mount.boolean("readOnly", sink).unwrap_or(false);
        if let Some(span) = mount.key_span("subPath").or(mount.key_span("subPathExpr")) {
            mount.accept(&["subPath", "subPathExpr"]);
            sink.push(
                Diagnostic::error(
                    Code::UnsupportedVolume,
                    Some(span),
                    "`subPath` mounts cannot be mapped",
                )
                .with_help(
                    "mount the whole volume and use the sub-directory's path inside the container",
                ),
            );
        }
        if let Some(span) = mount.key_span("mountPropagation") {
            mount.accept(&["mountPropagation"]);
            sink.ignored(
                span,
                &mount.child("mountPropagation"),
                "LinuxKit binds use private propagation",
            );
        }
        let span = mount.span();
        mount.finish(sink, |_| None);
        if let Some(problem) = rules::check_absolute_path(&target, Some(span)) {
            sink.push(problem);
            continue;
        }
        let Some(volume) = context.volumes.iter().find(|volume| volume.name == name) else {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(span),
                    format!("no volume named `{name}` in this pod"),
                )
                .with_help("declare it under the pod's `volumes`"),
            );
            continue;
        };
        // A volume that cannot be mapped was reported where it is declared.
        let Some(source) = &volume.source else {
            continue;
        };
        let shared = context
            .mount_counts
            .iter()
            .any(|(volume, count)| *volume == name && *count > 1);
        mounts.push(match source {
            VolumeSource::EmptyDir { size_bytes, span } if shared => {
                if size_bytes.is_some() {
                    sink.ignored(
                        *span,
                        &format!("volume `{name}` sizeLimit"),
                        "a directory shared between containers cannot carry a size limit",
                    );
                }
                Mount::Bind {
                    source: format!("{SHARED_VOLUME_ROOT}/{name}"),
                    target,
                    read_only,
                    create: true,
                }
            }
            VolumeSource::EmptyDir { size_bytes, .. } => Mount::Tmpfs {
                path: target,
                size_bytes: *size_bytes,
            },
            VolumeSource::HostPath { path, create } => Mount::Bind {
                source: path.clone(),
                target,
                read_only,
                create: *create,
            },
        });
    }
    mounts
}

fn probe_port(port: &Node, path: &str, container: &str, pod: &Pod, sink: &mut Sink) -> Option<u16> {
    match int_or_string(port, path, sink)? {
        IntOrString::Int(number) => u16::try_from(number).ok().filter(|n| *n > 0).or_else(|| {
            sink.push(Diagnostic::error(
                Code::PortSyntax,
                Some(port.span),
                format!("probe port {number} is outside 1–65535"),
            ));
            None
        }),
        IntOrString::Text(name) => {
            let found = pod
                .ports
                .iter()
                .find(|p| p.container == container && p.name.as_deref() == Some(name.as_str()));
            found.map(|p| p.number).or_else(|| {
                sink.push(Diagnostic::error(
                    Code::ServiceSelection,
                    Some(port.span),
                    format!("probe port `{name}` names no port of container `{container}`"),
                ));
                None
            })
        }
    }
}

fn read_probe(
    mut probe: Object<'_>,
    container: &str,
    readiness: bool,
    pod: &mut Pod,
    sink: &mut Sink,
) {
    let delay = probe
        .integer("initialDelaySeconds", sink)
        .map_or(0, |(value, _)| value.max(0));
    if !readiness {
        probe.accept(&[
            "httpGet",
            "tcpSocket",
            "exec",
            "grpc",
            "periodSeconds",
            "timeoutSeconds",
            "successThreshold",
            "failureThreshold",
            "terminationGracePeriodSeconds",
        ]);
        if pod.liveness_delay.is_none() {
            pod.liveness_delay = Some(u32::try_from(delay).unwrap_or(u32::MAX));
        }
        probe.finish(sink, |_| None);
        return;
    }
    let mut request = HealthCheckRequest {
        span: Some(probe.span()),
        ..HealthCheckRequest::default()
    };
    let mut usable = false;
    if let Some(mut http) = probe.object("httpGet", sink) {
        request.path = http.string("path", sink).or_else(|| Some("/".to_string()));
        request.protocol = Some(match http.string("scheme", sink).as_deref() {
            Some("HTTPS") => Protocol::Https,
            _ => Protocol::Http,
        });
        if let Some(port) = http.take("port") {
            request.port = probe_port(port, &http.child("port"), container, pod, sink);
        }
        if let Some(span) = http.key_span("httpHeaders") {
            http.accept(&["httpHeaders", "host"]);
            sink.ignored(
                span,
                &http.child("httpHeaders"),
                "load balancer health checks send no custom headers",
            );
        }
        http.finish(sink, |_| None);
        usable = true;
    } else if let Some(mut tcp) = probe.object("tcpSocket", sink) {
        request.protocol = Some(Protocol::Tcp);
        if let Some(port) = tcp.take("port") {
            request.port = probe_port(port, &tcp.child("port"), container, pod, sink);
        }
        tcp.finish(sink, |_| None);
        usable = true;
    }
    for kind in ["exec", "grpc"] {
        if let Some(span) = probe.key_span(kind) {
            probe.accept(&[kind]);
            sink.ignored(
                span,
                &probe.child(kind),
                "a load balancer can only check HTTP or TCP; the default health check is used",
            );
        }
    }
    let explicit = |value: Option<(i64, Span)>,
                    range: (u32, u32),
                    default: i64,
                    what: &str,
                    sink: &mut Sink|
     -> u32 {
        let (given, span) = value.map_or((default, None), |(value, span)| (value, Some(span)));
        let (clamped, moved) = clamp(given, range);
        if moved && let Some(span) = span {
            sink.push(Diagnostic::warning(
                Code::Clamped,
                Some(span),
                format!(
                    "{what} {given} is outside AWS's range {}–{}; using {clamped}",
                    range.0, range.1
                ),
            ));
        }
        clamped
    };
    // Kubernetes defaults: period 10, timeout 1, success 1, failure 3. Defaults outside AWS's
    // ranges are moved silently; values the manifest set are moved with a warning.
    let period = probe.integer("periodSeconds", sink);
    let timeout = probe.integer("timeoutSeconds", sink);
    let success = probe.integer("successThreshold", sink);
    let failure = probe.integer("failureThreshold", sink);
    let interval = explicit(period, INTERVAL_RANGE, 10, "periodSeconds", sink);
    // The timeout must also stay below the interval: one warning says both.
    let requested_timeout = timeout.map_or(1, |(value, _)| value);
    let (in_range, _) = clamp(requested_timeout, TIMEOUT_RANGE);
    let fitted = fit_timeout(in_range, interval);
    if let Some((given, span)) = timeout
        && i64::from(fitted) != given
    {
        sink.push(Diagnostic::warning(
            Code::Clamped,
            Some(span),
            format!(
                "timeoutSeconds {given} must be within AWS's range {}–{} and below the interval of {interval} s; using {fitted}",
                TIMEOUT_RANGE.0, TIMEOUT_RANGE.1
            ),
        ));
    }
    request.interval_seconds = Some(interval);
    request.timeout_seconds = Some(fitted);
    request.healthy_threshold = Some(explicit(
        success,
        THRESHOLD_RANGE,
        1,
        "successThreshold",
        sink,
    ));
    request.unhealthy_threshold = Some(explicit(
        failure,
        THRESHOLD_RANGE,
        3,
        "failureThreshold",
        sink,
    ));
    probe.accept(&["terminationGracePeriodSeconds"]);
    probe.finish(sink, |_| None);
    if !usable {
        return;
    }
    if pod.readiness.is_some() {
        sink.ignored(
            request.span.unwrap_or_default(),
            &format!("readinessProbe of container `{container}`"),
            "a target group has one health check; the first container's readiness probe is used",
        );
        return;
    }
    pod.readiness = Some(request);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_the_kubelet() {
        let vars = vec![
            ("HOST".to_string(), "db".to_string()),
            ("PORT".to_string(), "5432".to_string()),
        ];
        assert_eq!(expand_references("$(HOST):$(PORT)", &vars), "db:5432");
        assert_eq!(
            expand_references("$$(HOST) $(MISSING) $5", &vars),
            "$(HOST) $(MISSING) $5"
        );
        assert_eq!(expand_references("$(unterminated", &vars), "$(unterminated");
    }
}
