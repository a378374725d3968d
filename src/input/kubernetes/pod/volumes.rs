//! Pod `volumes` and container `volumeMounts` → tmpfs mounts and binds of the VM's
//! directories, ConfigMap volumes included (`config_volume`); volume claims are disks of the
//! VM's own (`crate::model::stateful`), a PersistentVolumeClaim's resolved once every object is
//! read (`super::super::persistent_volume_claim`).

use super::super::quantity::parse_bytes;
use super::super::reader::{Object, Sink};
use super::config_volume::{
    ConfigVolume, DeclaredConfigVolume, SubPathUse, clean_volume_path, config_volume_dir,
    read_config_volume,
};
use super::object_ref::ObjectKind;
use super::pod_info_volume::{DeclaredPodInfoVolume, PodInfoItem, read_pod_info_volume};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::mount_target::{MountTargets, is_i2kit_owned};
use crate::input::rules;
use crate::model::Mount;
use crate::model::boot::boot_volume_dir;
use crate::model::stateful::claim_source;
use crate::source::Span;
use crate::yaml::{Node, Value};

/// Where shared `emptyDir` volumes live on the VM: `/run` is a tmpfs in LinuxKit, so the
/// directory is memory-backed like an emptyDir and gone at reboot.
pub const SHARED_VOLUME_ROOT: &str = "/run/i2kit/volumes";

enum VolumeSource {
    EmptyDir {
        size_bytes: Option<u64>,
        span: Span,
    },
    HostPath {
        path: String,
        create: bool,
    },
    /// A ConfigMap's files, built into the image, or a Secret's, fetched at boot.
    Config(ConfigVolume),
    /// A volume claim of the workload (a StatefulSet's `volumeClaimTemplates` entry): a disk
    /// of the VM's own, mounted under `crate::model::stateful::CLAIM_MOUNT_ROOT`.
    Claim,
    /// The pod's own fields, written at boot.
    PodInfo(Vec<PodInfoItem>),
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
    /// The pod's `persistentVolumeClaim` volumes, resolved once every object is read.
    claim_uses: Vec<ClaimUse>,
}

/// A pod volume that mounts a PersistentVolumeClaim by name.
#[derive(Debug, Clone)]
pub struct ClaimUse {
    /// The pod's volume: names the claim's directory on the VM.
    pub volume: String,
    pub claim: String,
    /// Where `claimName` is written.
    pub span: Span,
}

impl PodVolumes {
    /// Whether some container mounts the volume `name`.
    fn is_mounted(&self, name: &str) -> bool {
        self.mount_counts
            .iter()
            .any(|(mounted, count)| mounted == name && *count > 0)
    }

    /// The `persistentVolumeClaim` volumes, for the resolve phase.
    #[must_use]
    pub fn claim_uses(&self) -> Vec<ClaimUse> {
        self.claim_uses.clone()
    }

    /// The `downwardAPI` volumes, for the resolve phase.
    #[must_use]
    pub fn pod_info_volumes(&self) -> Vec<DeclaredPodInfoVolume> {
        self.declared
            .iter()
            .filter_map(|volume| match &volume.source {
                Some(VolumeSource::PodInfo(items)) => Some(DeclaredPodInfoVolume {
                    name: volume.name.clone(),
                    items: items.clone(),
                    mounted: self.is_mounted(&volume.name),
                }),
                _ => None,
            })
            .collect()
    }

    /// The `configMap` and `secret` volumes, for the resolve phase.
    #[must_use]
    pub fn config_volumes(&self) -> Vec<DeclaredConfigVolume> {
        self.declared
            .iter()
            .filter_map(|volume| match &volume.source {
                Some(VolumeSource::Config(config)) => Some(DeclaredConfigVolume {
                    name: volume.name.clone(),
                    volume: config.clone(),
                    mounted: self.is_mounted(&volume.name),
                }),
                _ => None,
            })
            .collect()
    }
}

/// A container's mounts, and the sub-paths of config volumes it mounts (checked once the
/// volume's files are known).
#[derive(Default)]
pub struct ContainerMounts {
    pub mounts: Vec<Mount>,
    pub sub_paths: Vec<SubPathUse>,
}

/// Reads `volumes` of the pod spec, then adds the workload's volume `claims`, which take the
/// place of a pod volume of the same name as in Kubernetes; the container lists are only
/// counted, not read.
pub fn read_volumes(
    spec: &mut Object<'_>,
    containers: Option<&Node>,
    init_containers: Option<&Node>,
    claims: &[String],
    sink: &mut Sink,
) -> PodVolumes {
    let mut claim_uses = Vec::new();
    let mut declared = read_declared(spec, &mut claim_uses, sink);
    declared.retain(|volume| !claims.contains(&volume.name));
    claim_uses.retain(|used| !claims.contains(&used.volume));
    declared.extend(claims.iter().map(|claim| Volume {
        name: claim.clone(),
        source: Some(VolumeSource::Claim),
    }));
    PodVolumes {
        declared,
        mount_counts: count_mounts(containers, init_containers),
        claim_uses,
    }
}

fn read_declared(
    spec: &mut Object<'_>,
    claims: &mut Vec<ClaimUse>,
    sink: &mut Sink,
) -> Vec<Volume> {
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
        if volumes.iter().any(|volume: &Volume| volume.name == name) {
            sink.push(
                Diagnostic::error(
                    Code::PodConflict,
                    name_span,
                    format!("a volume named `{name}` is already declared in this pod"),
                )
                .with_help("Kubernetes refuses two volumes of one name, and a mount could only reach the first: rename one"),
            );
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
                } else if is_i2kit_owned(&path) {
                    sink.push(
                        Diagnostic::error(
                            Code::PodConflict,
                            path_span,
                            format!("hostPath `{path}` is inside a directory i2kit fills itself (ConfigMap files, shared emptyDirs, the resolver file), whose layout is no contract"),
                        )
                        .with_help("mount a configMap or emptyDir volume of the pod instead of reaching for i2kit's copy of it"),
                    );
                }
                source = Some(VolumeSource::HostPath {
                    create: kind.is_empty() || kind == "DirectoryOrCreate",
                    path,
                });
            }
            host_path.finish(sink, |_| None);
        }
        for (key, kind) in [
            ("configMap", ObjectKind::ConfigMap),
            ("secret", ObjectKind::Secret),
        ] {
            if let Some(block) = object.object(key, sink) {
                source = read_config_volume(block, kind, sink).map(VolumeSource::Config);
            }
        }
        if let Some(block) = object.object("downwardAPI", sink) {
            source = Some(VolumeSource::PodInfo(read_pod_info_volume(block, sink)));
        }
        if let Some(mut claim) = object.object("persistentVolumeClaim", sink) {
            let span = claim.value_span("claimName").unwrap_or(claim.span());
            match claim.string("claimName", sink) {
                Some(claim_name) => {
                    claims.push(ClaimUse {
                        volume: name.clone(),
                        claim: claim_name,
                        span,
                    });
                    source = Some(VolumeSource::Claim);
                }
                None => {
                    sink.push(Diagnostic::error(
                        Code::MissingField,
                        Some(span),
                        format!("volume `{name}` names no `claimName`"),
                    ));
                    source = None;
                }
            }
            claim.accept(&["readOnly"]);
            claim.finish(sink, |_| None);
        }
        let known = [
            "name",
            "emptyDir",
            "hostPath",
            "configMap",
            "secret",
            "downwardAPI",
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
                    .with_help("i2kit maps emptyDir (to memory), hostPath (to the VM's directories), configMap (to files in the image), secret and downwardAPI (to files written at boot)"),
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
pub fn read_mounts(
    object: &mut Object<'_>,
    volumes: &PodVolumes,
    sink: &mut Sink,
) -> ContainerMounts {
    let mut read = ContainerMounts::default();
    let mut targets = MountTargets::default();
    let path = object.child("volumeMounts");
    for (index, node) in object.list("volumeMounts", sink).iter().enumerate() {
        let Some(mut mount) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let name = mount.string("name", sink).unwrap_or_default();
        let target_span = mount.value_span("mountPath");
        let target = mount.string("mountPath", sink).unwrap_or_default();
        let read_only = mount.boolean("readOnly", sink).unwrap_or(false);
        let declared = volumes.declared.iter().find(|volume| volume.name == name);
        let config = matches!(
            declared.and_then(|volume| volume.source.as_ref()),
            Some(VolumeSource::Config(_))
        );
        let sub_path_span = mount.value_span("subPath");
        let sub_path = if config {
            mount.string("subPath", sink)
        } else {
            None
        };
        let unsupported = if config {
            mount.key_span("subPathExpr")
        } else {
            mount.key_span("subPath").or(mount.key_span("subPathExpr"))
        };
        if let Some(span) = unsupported {
            mount.accept(&["subPath", "subPathExpr"]);
            sink.push(
                Diagnostic::error(
                    Code::UnsupportedVolume,
                    Some(span),
                    if config {
                        "`subPathExpr` mounts cannot be mapped"
                    } else {
                        "`subPath` mounts cannot be mapped"
                    },
                )
                .with_help(if config {
                    "it expands the pod's variables when the container starts; write the path under `subPath`"
                } else {
                    "mount the whole volume and use the sub-directory's path inside the container"
                }),
            );
        }
        let span = mount.span();
        mount.finish(sink, |key| {
            (key == "mountPropagation").then_some("LinuxKit binds use private propagation")
        });
        if let Some(problem) = targets.add(&target, target_span.or(Some(span))) {
            sink.push(problem);
            continue;
        }
        let Some(volume) = declared else {
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
        let mounted = match source {
            // A tmpfs of its own cannot be read-only, so a read-only emptyDir is a directory
            // bound read-only, as a shared one is.
            VolumeSource::EmptyDir { size_bytes, span } if shared || read_only => {
                if size_bytes.is_some() {
                    sink.ignored(
                        *span,
                        &format!("volume `{name}` sizeLimit"),
                        "a directory shared between containers, or mounted read-only, cannot carry a size limit",
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
            // The directory exists only once the claim's disk is mounted: binding it must not
            // create it on the VM's own disk.
            VolumeSource::Claim => Mount::Bind {
                source: claim_source(&name),
                target,
                read_only,
                create: false,
            },
            VolumeSource::HostPath { path, create } => Mount::Bind {
                source: path.clone(),
                target,
                read_only,
                create: *create,
            },
            VolumeSource::PodInfo(_) => Mount::Bind {
                source: boot_volume_dir(&name),
                target,
                read_only: true,
                create: false,
            },
            VolumeSource::Config(config) => {
                // A Secret is never in the image: its files are fetched at boot.
                let directory = match config.source.kind {
                    ObjectKind::ConfigMap => config_volume_dir(&name),
                    ObjectKind::Secret => boot_volume_dir(&name),
                };
                let Some(source) = config_source(
                    directory,
                    &name,
                    sub_path.as_deref(),
                    sub_path_span.unwrap_or(span),
                    &mut read,
                    sink,
                ) else {
                    continue;
                };
                // Kubernetes mounts ConfigMap and Secret volumes read-only, whatever `readOnly`.
                Mount::Bind {
                    source,
                    target,
                    read_only: true,
                    create: false,
                }
            }
        };
        read.mounts.push(mounted);
    }
    read
}

/// The VM path a mount of config volume `volume` binds: the volume's `directory`, or the file
/// or directory `sub_path` names in it (a single-file bind for a key).
fn config_source(
    directory: String,
    volume: &str,
    sub_path: Option<&str>,
    span: Span,
    read: &mut ContainerMounts,
    sink: &mut Sink,
) -> Option<String> {
    let Some(written) = sub_path else {
        return Some(directory);
    };
    let cleaned = match clean_volume_path(written) {
        // LinuxKit splits a bind at `:` (source:target:options).
        Ok(cleaned) if cleaned.contains(':') => Err("holds `:`, which LinuxKit binds cannot carry"),
        other => other,
    };
    match cleaned {
        Ok(cleaned) if cleaned.is_empty() => Some(directory),
        Ok(cleaned) => {
            let source = [directory.as_str(), cleaned.as_str()].join("/");
            read.sub_paths.push(SubPathUse {
                volume: volume.to_string(),
                path: cleaned,
                span,
            });
            Some(source)
        }
        Err(why) => {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(span),
                    format!("subPath `{}` {why}", written.escape_debug()),
                )
                .with_help("name a key of the volume, or a directory of its `items` paths"),
            );
            None
        }
    }
}
