//! Pod `volumes` and container `volumeMounts` → tmpfs mounts and binds of the VM's
//! directories; volumes that need objects outside the file are errors.

use super::super::quantity::parse_bytes;
use super::super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::rules;
use crate::model::Mount;
use crate::source::Span;
use crate::yaml::{Node, Value};

/// Where shared `emptyDir` volumes live on the VM: `/run` is a tmpfs in LinuxKit, so the
/// directory is memory-backed like an emptyDir and gone at reboot.
pub const SHARED_VOLUME_ROOT: &str = "/run/i2kit/volumes";

enum VolumeSource {
    EmptyDir { size_bytes: Option<u64>, span: Span },
    HostPath { path: String, create: bool },
}

struct Volume {
    name: String,
    /// `None` for a volume already reported as impossible to map.
    source: Option<VolumeSource>,
}

/// The pod's volumes, and how many containers mount each: an emptyDir mounted once can be a
/// private tmpfs, one mounted by several containers must be a directory they share.
pub struct PodVolumes {
    declared: Vec<Volume>,
    mount_counts: Vec<(String, usize)>,
}

/// Reads `volumes` of the pod spec; the container lists are only counted, not read.
pub fn read_volumes(
    spec: &mut Object<'_>,
    containers: Option<&Node>,
    init_containers: Option<&Node>,
    sink: &mut Sink,
) -> PodVolumes {
    PodVolumes {
        declared: read_declared(spec, sink),
        mount_counts: count_mounts(containers, init_containers),
    }
}

fn read_declared(spec: &mut Object<'_>, sink: &mut Sink) -> Vec<Volume> {
    let mut volumes = Vec::new();
    let path = spec.child("volumes");
    for (index, node) in spec.list("volumes", sink).iter().enumerate() {
        let Some(mut object) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let name_span = object.value_span("name");
        let Some(name) = object.string("name", sink) else {
            continue;
        };
        if let Some(problem) = rules::check_volume_name(&name, name_span) {
            sink.push(problem);
        }
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
            let path_span = host_path.value_span("path");
            if let Some(path) = host_path.string("path", sink) {
                if let Some(problem) = rules::check_host_path(&path, path_span) {
                    sink.push(problem);
                }
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

fn count_mounts(containers: Option<&Node>, init_containers: Option<&Node>) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for list in [containers, init_containers].into_iter().flatten() {
        let Value::Sequence(items) = &list.value else {
            continue;
        };
        for container in items {
            let Some(Value::Sequence(mounts)) =
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

/// A container's `volumeMounts`, each resolved against the pod's volumes.
pub fn read_mounts(object: &mut Object<'_>, volumes: &PodVolumes, sink: &mut Sink) -> Vec<Mount> {
    let mut mounts = Vec::new();
    let path = object.child("volumeMounts");
    for (index, node) in object.list("volumeMounts", sink).iter().enumerate() {
        let Some(mut mount) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let name = mount.string("name", sink).unwrap_or_default();
        let target_span = mount.value_span("mountPath");
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
        let span = mount.span();
        mount.finish(sink, |key| {
            (key == "mountPropagation").then_some("LinuxKit binds use private propagation")
        });
        if let Some(problem) = rules::check_absolute_path(&target, target_span.or(Some(span))) {
            sink.push(problem);
            continue;
        }
        let Some(volume) = volumes.declared.iter().find(|volume| volume.name == name) else {
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
        let shared = volumes
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
