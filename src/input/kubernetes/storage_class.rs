//! StorageClass → the EBS volume a claim of the class gets: its type, IOPS and throughput, and
//! whether the volume outlives the claim. Classes of the EBS CSI driver (`ebs.csi.aws.com`,
//! parameters per aws-ebs-csi-driver docs/parameters.md) and of the in-tree provisioner
//! (`kubernetes.io/aws-ebs`) are read; a claim of another provisioner's class is an error,
//! since its volumes would be something else (EFS, a local disk).
//!
//! A claim names its class; a class not in the input is read as an EBS type name (gp3, gp2,
//! st1, sc1, standard); anything else is an error rather than a guess, since a class can
//! promise IOPS, throughput or a key that a default volume would silently lack. A claim that
//! names none takes the input's default class (`storageclass.kubernetes.io/is-default-class`),
//! else gp3 (the CSI driver's default type; CloudFormation's would be gp2).

use super::metadata::read_annotations;
use super::preamble::Preamble;
use super::reader::{Object, Sink};
use super::volume_claim::{ClaimRequest, DEFAULT_VOLUME_TYPE};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::stateful::{Claim, VolumeType};
use crate::source::Span;

pub const API_VERSION: &str = "storage.k8s.io/v1";
const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";
const CSI_PROVISIONER: &str = "ebs.csi.aws.com";
const IN_TREE_PROVISIONER: &str = "kubernetes.io/aws-ebs";

/// What a class gives an EBS volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EbsClass {
    pub volume_type: VolumeType,
    pub iops: Option<u32>,
    pub throughput: Option<u32>,
    pub keep: bool,
}

#[derive(Debug)]
pub struct StorageClass {
    pub name: String,
    pub span: Span,
    /// `Err(provisioner)` for a class whose volumes are not EBS volumes.
    pub ebs: Result<EbsClass, String>,
    pub default: bool,
    /// Reading it found errors, reported at its lines: its claims are not reported again.
    pub failed: bool,
}

/// Reads a `storage.k8s.io/v1 StorageClass`.
pub fn collect(
    mut object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<StorageClass> {
    if !preamble.accepts_api_version(&[API_VERSION], sink) {
        return None;
    }
    let errors_before = sink.error_count();
    let mut default = false;
    let mut name = String::new();
    let mut span = preamble.kind_span;
    if let Some(mut metadata) = object.object("metadata", sink) {
        span = metadata.value_span("name").unwrap_or(span);
        name = metadata.string("name", sink).unwrap_or_default();
        default = read_annotations(&mut metadata, sink)
            .iter()
            .any(|(key, value, _)| key == DEFAULT_CLASS_ANNOTATION && value == "true");
        metadata.accept_all();
    }
    let provisioner = object.string("provisioner", sink).unwrap_or_default();
    let keep = object.string("reclaimPolicy", sink).as_deref() == Some("Retain");
    let parameters = object.object("parameters", sink);
    let ebs = if provisioner == CSI_PROVISIONER || provisioner == IN_TREE_PROVISIONER {
        // The in-tree provisioner's default type is gp2, the CSI driver's gp3.
        let default_type = if provisioner == IN_TREE_PROVISIONER {
            VolumeType::Gp2
        } else {
            DEFAULT_VOLUME_TYPE
        };
        Ok(read_parameters(parameters, default_type, keep, sink))
    } else {
        if let Some(mut parameters) = parameters {
            parameters.accept_all();
        }
        Err(provisioner)
    };
    object.finish(sink, |key| match key {
        "volumeBindingMode" | "allowedTopologies" => {
            Some("each volume is created in its instance's Availability Zone")
        }
        "allowVolumeExpansion" => Some("grow a volume by raising its claim's size in the template"),
        "mountOptions" => Some("linuxkit/mount mounts with the filesystem's defaults"),
        _ => None,
    });
    Some(StorageClass {
        name,
        span,
        ebs,
        default,
        failed: sink.error_count() > errors_before,
    })
}

/// `parameters` of an EBS class (keys are case-insensitive, as the CSI driver reads them).
fn read_parameters(
    parameters: Option<Object<'_>>,
    default_type: VolumeType,
    keep: bool,
    sink: &mut Sink,
) -> EbsClass {
    let mut class = EbsClass {
        volume_type: default_type,
        iops: None,
        throughput: None,
        keep,
    };
    let Some(mut parameters) = parameters else {
        return class;
    };
    let mut spans = PerformanceSpans {
        iops: None,
        throughput: None,
        parameters: parameters.span(),
    };
    for (key_node, value_node) in parameters.entries() {
        let key = key_node.scalar_text().unwrap_or_default();
        let value = value_node.scalar_text().unwrap_or_default();
        let value_span = Some(value_node.span);
        match key.to_ascii_lowercase().as_str() {
            "type" => match VolumeType::named(&value) {
                Some(kind) => {
                    class.volume_type = kind;
                    spans.parameters = value_node.span;
                }
                None => sink.push(
                    Diagnostic::error(
                        Code::VolumeClaim,
                        value_span,
                        format!("EBS volume type `{value}` is not one i2kit creates"),
                    )
                    .with_help("use gp3, gp2, io1, io2, st1, sc1 or standard"),
                ),
            },
            "iops" => {
                spans.iops = value_span;
                class.iops = number(&value, value_span, sink);
            }
            "throughput" => {
                spans.throughput = value_span;
                class.throughput = number(&value, value_span, sink);
            }
            "iopspergb" => sink.push(
                Diagnostic::error(
                    Code::VolumeClaim,
                    value_span,
                    "`iopsPerGB` cannot be compiled: the IOPS would depend on each claim's size",
                )
                .with_help("write the volume's `iops` instead"),
            ),
            "kmskeyid" => sink.push(
                Diagnostic::error(
                    Code::VolumeClaim,
                    value_span,
                    "`kmsKeyId` cannot be compiled yet: the VMs attach their own volumes, and i2kit does not grant them the key",
                )
                .with_help("leave it out to encrypt with the account's default EBS key, or create the volumes outside i2kit"),
            ),
            "encrypted" if value != "true" => sink.ignored(
                key_node.span,
                "parameters.encrypted",
                "every volume i2kit creates is encrypted",
            ),
            "encrypted" => {}
            "csi.storage.k8s.io/fstype" | "fstype" if value != "ext4" => sink.ignored(
                key_node.span,
                &format!("parameters.{key}"),
                "linuxkit/format makes ext4",
            ),
            "csi.storage.k8s.io/fstype" | "fstype" => {}
            _ => sink.ignored(
                key_node.span,
                &format!("parameters.{key}"),
                "i2kit sets an EBS volume's type, IOPS and throughput from a class",
            ),
        }
    }
    parameters.accept_all();
    check_performance(&class, &spans, sink);
    class
}

/// Where a class's performance is written: `iops`, `throughput`, and its type (else the
/// `parameters` block), for what is missing.
struct PerformanceSpans {
    iops: Option<Span>,
    throughput: Option<Span>,
    parameters: Span,
}

fn number(text: &str, span: Option<Span>, sink: &mut Sink) -> Option<u32> {
    let parsed = text.parse().ok();
    if parsed.is_none() {
        sink.push(Diagnostic::error(
            Code::VolumeClaim,
            span,
            format!("`{text}` is not a whole number"),
        ));
    }
    parsed
}

/// IOPS and throughput within what the type allows (AWS::EC2::Volume, Iops and Throughput;
/// the CSI driver's table of IOPS per type).
fn check_performance(class: &EbsClass, spans: &PerformanceSpans, sink: &mut Sink) {
    let kind = class.volume_type;
    let iops_range = match kind {
        VolumeType::Gp3 => Some((3000, 16_000)),
        VolumeType::Io1 | VolumeType::Io2 => Some((100, 64_000)),
        _ => None,
    };
    let iops_span = spans.iops.or(Some(spans.parameters));
    match (class.iops, iops_range) {
        (None, _) if kind.needs_iops() => sink.push(
            Diagnostic::error(
                Code::VolumeClaim,
                Some(spans.parameters),
                format!("the class's `{}` volumes need `iops`", kind.as_str()),
            )
            .with_help("add `iops` to the class's parameters"),
        ),
        (Some(iops), Some((least, most))) if !(least..=most).contains(&iops) => {
            sink.push(Diagnostic::error(
                Code::VolumeClaim,
                iops_span,
                format!(
                    "{iops} IOPS is outside {least}–{most}, what a `{}` volume takes",
                    kind.as_str()
                ),
            ));
        }
        (Some(_), None) => sink.push(Diagnostic::error(
            Code::VolumeClaim,
            iops_span,
            format!("a `{}` volume takes no `iops`", kind.as_str()),
        )),
        _ => {}
    }
    if let Some(throughput) = class.throughput
        && (kind != VolumeType::Gp3 || !(125..=1000).contains(&throughput))
    {
        sink.push(Diagnostic::error(
            Code::VolumeClaim,
            spans.throughput.or(Some(spans.parameters)),
            format!("throughput {throughput} MiB/s: only gp3 volumes take it, 125–1000 MiB/s"),
        ));
    }
}

/// The volume `request` gets with the input's `classes`, or an error at its class (or, for
/// the default class, at its name).
pub fn resolve_claim(
    request: &ClaimRequest,
    classes: &[StorageClass],
    sink: &mut Sink,
) -> Option<Claim> {
    let ebs = match &request.class {
        Some((name, span)) => match classes.iter().find(|class| class.name == *name) {
            Some(class) => class_volume(class, request, *span, sink)?,
            None => type_named(name, *span, sink)?,
        },
        None => match classes.iter().find(|class| class.default) {
            Some(class) => class_volume(class, request, request.name_span, sink)?,
            None => EbsClass {
                volume_type: DEFAULT_VOLUME_TYPE,
                iops: None,
                throughput: None,
                keep: false,
            },
        },
    };
    let (least, most) = ebs.volume_type.size_range();
    if !(least..=most).contains(&request.size_gib) {
        sink.push(
            Diagnostic::error(
                Code::VolumeClaim,
                Some(request.size_span),
                format!(
                    "volume claim `{}` asks for {} GiB, and a {} volume holds {least}–{most} GiB",
                    request.name,
                    request.size_gib,
                    ebs.volume_type.as_str()
                ),
            )
            .with_help(format!("ask for {least}Gi to {most}Gi")),
        );
        return None;
    }
    Some(Claim {
        name: request.name.clone(),
        size_gib: request.size_gib,
        volume_type: ebs.volume_type,
        iops: ebs.iops,
        throughput: ebs.throughput,
        keep: ebs.keep,
    })
}

/// What a StorageClass of the input gives: an error for another provisioner's class, nothing
/// (already reported) for a class read with errors.
fn class_volume(
    class: &StorageClass,
    request: &ClaimRequest,
    span: Span,
    sink: &mut Sink,
) -> Option<EbsClass> {
    if class.failed {
        return None;
    }
    match &class.ebs {
        Ok(ebs) => Some(*ebs),
        Err(provisioner) => {
            sink.push(
                Diagnostic::error(
                    Code::VolumeClaim,
                    Some(span),
                    format!(
                        "volume claim `{}` is of StorageClass `{}`, whose provisioner `{provisioner}` makes no EBS volume",
                        request.name, class.name
                    ),
                )
                .with_help(format!("use a class of `{CSI_PROVISIONER}`: i2kit gives each VM EBS volumes of its own")),
            );
            None
        }
    }
}

/// A class name the input does not define, read as an EBS volume type name.
fn type_named(name: &str, span: Span, sink: &mut Sink) -> Option<EbsClass> {
    match VolumeType::named(name) {
        Some(kind) if kind.needs_iops() => {
            sink.push(
                Diagnostic::error(
                    Code::VolumeClaim,
                    Some(span),
                    format!("storage class `{name}` needs provisioned IOPS, which a claim cannot say"),
                )
                .with_help(format!("use `storageClassName: gp3` (3,000 IOPS and 125 MiB/s included), or a StorageClass of `{CSI_PROVISIONER}` with `type: {name}` and `iops`")),
            );
            None
        }
        Some(kind) => Some(EbsClass {
            volume_type: kind,
            iops: None,
            throughput: None,
            keep: false,
        }),
        None => {
            let names: Vec<&str> = VolumeType::ALL
                .iter()
                .filter(|kind| !kind.needs_iops())
                .map(|kind| kind.as_str())
                .collect();
            sink.push(
                Diagnostic::error(
                    Code::VolumeClaim,
                    Some(span),
                    format!("storage class `{name}` is neither a StorageClass of the input nor an EBS volume type"),
                )
                .with_help(format!(
                    "add the StorageClass (provisioner `{CSI_PROVISIONER}`), name an EBS volume type as the class ({}), or leave `storageClassName` out for the default",
                    names.join(", ")
                )),
            );
            None
        }
    }
}
