//! One container of a pod template → the model's container, plus what it tells the pod:
//! its ports, its requests and its probes.

use super::super::reader::{Object, Sink, text};
use super::PodContext;
use super::config_volume::SubPathUse;
use super::environment::{EnvRecipe, read_env};
use super::ports::read_ports;
use super::probes::{read_liveness_delay, read_readiness};
use super::resources::{Requests, read_resources};
use super::security::read_container_security;
use super::volumes::read_mounts;
use crate::diagnostic::{Code, Diagnostic};
use crate::input::credential;
use crate::input::rules::{self, LinuxKitField};
use crate::model::intent::ContainerPort;
use crate::model::intent::requests::HealthCheckRequest;
use crate::model::{Container, ContainerSpans};
use crate::yaml::Node;

/// What one container contributes to its pod. Everything but `container` counts even when
/// the container had errors, so the pod's sizing and port checks report what the manifest
/// says rather than only what survived.
pub struct ContainerReading {
    pub name: String,
    pub container: Container,
    /// Reading found errors in it: it is not compiled, but the image pass still reports on it.
    pub failed: bool,
    pub ports: Vec<ContainerPort>,
    pub requests: Requests,
    /// The readiness probe, when it checks HTTP or TCP.
    pub readiness: Option<HealthCheckRequest>,
    pub readiness_delay: Option<u32>,
    pub liveness_delay: Option<u32>,
    /// The environment as written; the container's `env` is composed from it, and its
    /// `command` expanded, once every ConfigMap is read.
    pub env: EnvRecipe,
    pub sub_paths: Vec<SubPathUse>,
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

/// Reads the container at `path`; `None` when it is not a mapping. `earlier_ports` are the
/// ports of the containers read before it, which a probe of a container of the same name
/// may name.
pub fn read_container(
    node: &Node,
    path: &str,
    context: &PodContext<'_>,
    earlier_ports: &[ContainerPort],
    init: bool,
    sink: &mut Sink,
) -> Option<ContainerReading> {
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
        && let Some(problem) = rules::check_image(image, node.get("image").map(|image| image.span))
    {
        sink.push(problem);
    }
    let env = read_env(&mut object, &name, sink);
    let args_span = object.key_span("args");
    let command_span = object
        .value_span("command")
        .or_else(|| object.value_span("args"));
    let (command, args_after_entrypoint) = read_command(&mut object, sink);
    let working_dir = object.string("workingDir", sink);
    if let Some(directory) = &working_dir
        && let Some(problem) = rules::check_working_dir(directory, object.value_span("workingDir"))
    {
        sink.push(problem);
    }
    let ports = if init {
        object.accept(&["ports"]);
        Vec::new()
    } else {
        read_ports(&mut object, &name, sink)
    };
    let (resources, requests) = read_resources(&mut object, sink);
    let privileges = read_container_security(&mut object, context.security, sink);
    let mounts = read_mounts(&mut object, context.volumes, sink);
    let mut readiness = None;
    let mut readiness_delay = None;
    let mut liveness_delay = None;
    for (key, is_readiness) in [("readinessProbe", true), ("livenessProbe", false)] {
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
        if is_readiness {
            let named: Vec<&ContainerPort> = earlier_ports
                .iter()
                .chain(&ports)
                .filter(|port| port.container == name)
                .collect();
            let (request, delay) = read_readiness(probe, &name, &named, sink);
            readiness = request;
            readiness_delay = Some(delay);
        } else {
            liveness_delay = Some(read_liveness_delay(probe, sink));
        }
    }
    object.finish(sink, container_reason);
    let valid = sink.error_count() == errors_before;
    let container = Container {
        name: name.clone(),
        image: image.unwrap_or_default(),
        command,
        args_after_entrypoint,
        // Composed in the resolve phase (`references`), when the ConfigMaps are known.
        env: None,
        working_dir,
        capabilities: privileges.capabilities,
        uid: privileges.uid,
        gid: privileges.gid,
        additional_gids: context.security.supplemental_groups.clone(),
        read_only_root: privileges.read_only_root,
        no_new_privileges: privileges.no_new_privileges,
        mounts: mounts.mounts,
        resources,
        boot_env: Vec::new(),
        non_root_required: privileges.non_root_required,
        spans: ContainerSpans {
            image: node.get("image").map(|image| image.span),
            args: args_span,
            command: command_span,
            boot: None,
        },
    };
    // What the image pass judges of a container with errors only needs to know whether it
    // sets variables, not their values, which are never composed for it.
    let container = if valid {
        container
    } else {
        Container {
            env: (!env.is_empty()).then(Vec::new),
            ..container
        }
    };
    Some(ContainerReading {
        name,
        container,
        failed: !valid,
        ports,
        requests,
        readiness,
        readiness_delay,
        liveness_delay,
        env,
        sub_paths: mounts.sub_paths,
    })
}

/// The words of `command` or `args`, each refused where LinuxKit would rewrite it.
fn command_words(object: &mut Object<'_>, key: &str, sink: &mut Sink) -> Option<Vec<String>> {
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
            .filter_map(|(index, item)| {
                let item_path = format!("{path}[{index}]");
                let argument = text(item, &item_path, sink)?;
                if let Some(problem) = rules::check_linuxkit_scalar(
                    &argument,
                    LinuxKitField::CommandWord,
                    Some(item.span),
                ) {
                    sink.push(problem);
                    return None;
                }
                if let Some(what) = credential::in_argument(&argument) {
                    sink.push(credential::credential_in_clear(
                        &format!("`{item_path}`"),
                        what,
                        Some(item.span),
                    ));
                }
                Some(argument)
            })
            .collect(),
    )
}

/// The command line and, when `args` come without `command`, those args, as written: their
/// `$(VAR)` references expand from the container's environment once it is composed.
fn read_command(
    object: &mut Object<'_>,
    sink: &mut Sink,
) -> (Option<Vec<String>>, Option<Vec<String>>) {
    let command = command_words(object, "command", sink);
    let args = command_words(object, "args", sink);
    crate::container_process::join_command(command, args)
}
