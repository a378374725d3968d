//! StatefulSet → a deployment whose VMs are ordinals, each with its own name and disks: the
//! pod template as a Deployment's, plus its volume claims, its ordinals, its update strategy
//! and what becomes of its volumes.

use super::deployment::{OwnFields, read_strategy, read_workload};
use super::pod::PodConfig;
use super::preamble::Preamble;
use super::quantity::parse_bytes;
use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::rules;
use crate::model::intent::Workload;
use crate::model::intent::requests::Amount;
use crate::model::stateful::{Claim, Retention, Stateful, VolumeType};
use crate::source::Span;

pub const API_VERSIONS: [&str; 1] = ["apps/v1"];

/// The storage class a claim without one gets: gp3, rather than CloudFormation's gp2 default
/// (AWS::EC2::Volume VolumeType "Default: gp2"), as the EBS CSI driver's default class does.
pub const DEFAULT_VOLUME_TYPE: VolumeType = VolumeType::Gp3;

/// What the StatefulSet says beside its pod template.
struct SetFields {
    start: u32,
    claims: Vec<Claim>,
    /// Every claim's name, read with errors or not, so mounts of it are not reported again.
    claim_names: Vec<String>,
    retention: Retention,
    service_name: Option<String>,
    ordered: bool,
}

/// Reads a StatefulSet of apps/v1.
pub fn collect(
    object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<(Workload, PodConfig)> {
    if !preamble.accepts_api_version(&API_VERSIONS, sink) {
        return None;
    }
    let (mut workload, config, set) =
        read_workload(object, preamble.order, "StatefulSet", sink, |spec, sink| {
            let set = read_set_fields(spec, sink);
            let mut rollout = read_strategy(spec, sink);
            // One ordinal at a time and never a surge: an ordinal's disk attaches to one VM.
            rollout.max_surge = Amount::Count(0);
            rollout.max_unavailable = Amount::Count(1);
            rollout.span = spec.key_span("updateStrategy");
            OwnFields {
                rollout,
                claims: set.claim_names.clone(),
                own: set,
            }
        })?;
    workload.deployment.stateful = Some(Stateful {
        start: set.start,
        claims: set.claims,
        retention: set.retention,
        service_name: set.service_name,
        ordered: set.ordered,
        headless: Vec::new(),
        ports: Vec::new(),
    });
    Some((workload, config))
}

fn read_set_fields(spec: &mut Object<'_>, sink: &mut Sink) -> SetFields {
    let service_name = spec.string("serviceName", sink);
    let start = spec
        .object("ordinals", sink)
        .and_then(|mut ordinals| {
            let start = ordinals.integer("start", sink);
            ordinals.finish(sink, |_| None);
            start
        })
        .map_or(0, |(value, span)| {
            rules::bounded_replicas(value).unwrap_or_else(|(message, help)| {
                sink.push(
                    Diagnostic::error(Code::InvalidValue, Some(span), message).with_help(help),
                );
                0
            })
        });
    let ordered = match spec.string("podManagementPolicy", sink).as_deref() {
        None | Some("OrderedReady") => true,
        Some("Parallel") => false,
        Some(other) => {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                spec.value_span("podManagementPolicy"),
                format!("podManagementPolicy `{other}` is not OrderedReady or Parallel"),
            ));
            true
        }
    };
    read_update_strategy(spec, sink);
    let retention = read_retention(spec, sink);
    let mut claims: Vec<Claim> = Vec::new();
    let mut claim_names: Vec<String> = Vec::new();
    let path = spec.child("volumeClaimTemplates");
    for (index, node) in spec.list("volumeClaimTemplates", sink).iter().enumerate() {
        let Some(template) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        if let Some((name, span, claim)) = read_claim(template, sink) {
            if claim_names.contains(&name) {
                sink.push(
                    Diagnostic::error(
                        Code::PodConflict,
                        Some(span),
                        format!("a volume claim named `{name}` is already declared"),
                    )
                    .with_help("Kubernetes refuses two claims of one name: rename one"),
                );
                continue;
            }
            claim_names.push(name);
            claims.extend(claim);
        }
    }
    SetFields {
        start,
        claims,
        claim_names,
        retention,
        service_name,
        ordered,
    }
}

/// `updateStrategy`: each ordinal's VM is replaced when its launch template changes, by
/// CloudFormation, in the order of the ordinals' dependencies. What waits for a person
/// (`OnDelete`) or keeps some ordinals at the old template (`partition`) cannot be carried out
/// by a stack update, so it is an error rather than a different rollout.
fn read_update_strategy(spec: &mut Object<'_>, sink: &mut Sink) {
    let Some(mut strategy) = spec.object("updateStrategy", sink) else {
        return;
    };
    match strategy.string("type", sink).as_deref() {
        None | Some("RollingUpdate") => {}
        Some("OnDelete") => sink.push(
            Diagnostic::error(
                Code::StatefulUpdate,
                strategy.value_span("type"),
                "updateStrategy `OnDelete` cannot be compiled: a stack update replaces each ordinal's VM as soon as its launch template changes, and nothing waits for you to delete it",
            )
            .with_help("remove `updateStrategy` (RollingUpdate: the stack update replaces the ordinals), and deploy the new template when you are ready to replace them"),
        ),
        Some(other) => sink.push(Diagnostic::error(
            Code::InvalidValue,
            strategy.value_span("type"),
            format!("updateStrategy type `{other}` is not RollingUpdate or OnDelete"),
        )),
    }
    if let Some(mut rolling) = strategy.object("rollingUpdate", sink) {
        if let Some((partition, span)) = rolling.integer("partition", sink)
            && partition != 0
        {
            sink.push(
                Diagnostic::error(
                    Code::StatefulUpdate,
                    Some(span),
                    format!("`partition: {partition}` cannot be compiled: one stack holds one launch template for every ordinal, so a stack update cannot keep the ordinals below the partition at the old one"),
                )
                .with_help("remove `partition`; to try a new template on a few VMs first, deploy it as a second stack"),
            );
        }
        rolling.finish(sink, |key| {
            (key == "maxUnavailable").then_some(
                "CloudFormation replaces the ordinals' VMs in the order of their dependencies",
            )
        });
    }
    strategy.finish(sink, |_| None);
}

/// `persistentVolumeClaimRetentionPolicy`: CloudFormation applies one DeletionPolicy both when
/// the stack is deleted and when an ordinal leaves the template (scaled down), so volumes are
/// deleted only when both say `Delete`; anything else keeps them, never the other way round.
fn read_retention(spec: &mut Object<'_>, sink: &mut Sink) -> Retention {
    let Some(mut policy) = spec.object("persistentVolumeClaimRetentionPolicy", sink) else {
        return Retention::Retain;
    };
    let mut read = |key: &str, sink: &mut Sink| match policy.string(key, sink).as_deref() {
        None | Some("Retain") => (Retention::Retain, None),
        Some("Delete") => (Retention::Delete, policy.value_span(key)),
        Some(other) => {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                policy.value_span(key),
                format!("`{key}: {other}` is not Retain or Delete"),
            ));
            (Retention::Retain, None)
        }
    };
    let (deleted, deleted_span) = read("whenDeleted", sink);
    let (scaled, scaled_span) = read("whenScaled", sink);
    policy.finish(sink, |_| None);
    if deleted == scaled {
        return deleted;
    }
    let (path, span) = match (deleted_span, scaled_span) {
        (Some(span), _) => ("persistentVolumeClaimRetentionPolicy.whenDeleted", span),
        (_, Some(span)) => ("persistentVolumeClaimRetentionPolicy.whenScaled", span),
        (None, None) => return Retention::Retain,
    };
    sink.ignored(
        span,
        path,
        "CloudFormation has one DeletionPolicy for a deleted stack and a removed ordinal, and the other field keeps the volumes, so they are kept in both cases",
    );
    Retention::Retain
}

/// One `volumeClaimTemplates` entry's name and where it is written, and the claim when it
/// reads without errors.
fn read_claim(mut template: Object<'_>, sink: &mut Sink) -> Option<(String, Span, Option<Claim>)> {
    let mut metadata = template.object("metadata", sink)?;
    let name_span = metadata.value_span("name");
    let name = metadata.string("name", sink);
    metadata.accept(&["labels", "annotations"]);
    metadata.finish(sink, |_| None);
    let name = name?;
    let span = name_span.unwrap_or(template.span());
    if let Some(problem) = rules::check_volume_name(&name, Some(span)) {
        sink.push(problem);
        return None;
    }
    let Some(spec) = template.object("spec", sink) else {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(span),
            format!("volume claim `{name}` has no `spec`"),
        ));
        return Some((name, span, None));
    };
    template.finish(sink, |_| None);
    let claim = read_claim_spec(spec, name.clone(), span, sink);
    Some((name, span, claim))
}

/// A claim's spec → an EBS volume: the size asked for, in whole GiB, of the type its storage
/// class names. Shared with PersistentVolumeClaim objects.
pub(super) fn read_claim_spec(
    mut spec: Object<'_>,
    name: String,
    name_span: Span,
    sink: &mut Sink,
) -> Option<Claim> {
    let errors_before = sink.error_count();
    let modes_span = spec.key_span("accessModes");
    let modes: Vec<String> = spec
        .list("accessModes", sink)
        .iter()
        .filter_map(|node| node.as_str().map(ToString::to_string))
        .collect();
    if !modes.is_empty()
        && !modes
            .iter()
            .any(|mode| mode == "ReadWriteOnce" || mode == "ReadWriteOncePod")
    {
        sink.push(
            Diagnostic::error(
                Code::VolumeClaim,
                modes_span,
                format!("volume claim `{name}` asks for {}, and an EBS volume attaches to one VM at a time (ReadWriteOnce)", modes.join(", ")),
            )
            .with_help("use `accessModes: [ReadWriteOnce]`; data several VMs share belongs in a shared store (EFS, S3)"),
        );
    }
    if let Some(mode) = spec.string("volumeMode", sink)
        && mode != "Filesystem"
    {
        sink.push(
            Diagnostic::error(
                Code::VolumeClaim,
                spec.value_span("volumeMode"),
                format!("volume claim `{name}` asks for volumeMode `{mode}`: i2kit formats and mounts each volume as a filesystem"),
            )
            .with_help("remove `volumeMode` (Filesystem)"),
        );
    }
    let volume_type = match spec.string("storageClassName", sink) {
        None => Some(DEFAULT_VOLUME_TYPE),
        Some(class) => volume_type_of(&class, spec.value_span("storageClassName"), sink),
    };
    let storage = spec.object("resources", sink).and_then(|mut resources| {
        let storage = resources.object("requests", sink).and_then(|mut requests| {
            let span = requests.value_span("storage");
            let storage = requests.string("storage", sink).zip(span);
            requests.finish(sink, |_| None);
            storage
        });
        resources.finish(sink, |key| {
            (key == "limits").then_some("an EBS volume has the size it was created with")
        });
        storage
    });
    spec.finish(sink, |key| match key {
        "selector" | "volumeName" => {
            Some("each ordinal's volume is created by the stack, not bound to an existing one")
        }
        "dataSource" | "dataSourceRef" => {
            Some("volumes are created empty; restore a snapshot into the volume outside i2kit")
        }
        _ => None,
    });
    let Some((storage, storage_span)) = storage else {
        sink.push(
            Diagnostic::error(
                Code::VolumeClaim,
                Some(name_span),
                format!("volume claim `{name}` has no `resources.requests.storage`"),
            )
            .with_help("say how large each ordinal's volume is, e.g. `storage: 10Gi`"),
        );
        return None;
    };
    let size_gib = match size_in_gib(&storage) {
        Ok(size) => size,
        Err(message) => {
            sink.push(Diagnostic::error(
                Code::VolumeClaim,
                Some(storage_span),
                message,
            ));
            return None;
        }
    };
    let volume_type = volume_type?;
    let (least, most) = volume_type.size_range();
    if !(least..=most).contains(&size_gib) {
        sink.push(
            Diagnostic::error(
                Code::VolumeClaim,
                Some(storage_span),
                format!(
                    "volume claim `{name}` asks for {size_gib} GiB, and a {} volume holds {least}–{most} GiB",
                    volume_type.as_str()
                ),
            )
            .with_help(format!("ask for {least}Gi to {most}Gi")),
        );
        return None;
    }
    (sink.error_count() == errors_before).then_some(Claim {
        name,
        size_gib,
        volume_type,
    })
}

/// The EBS volume type a storage class names: the EBS type names themselves. Another class
/// name is an error rather than a guess: a class can promise IOPS, throughput, a KMS key or a
/// zone that a default volume would silently not have.
fn volume_type_of(class: &str, span: Option<Span>, sink: &mut Sink) -> Option<VolumeType> {
    match VolumeType::named(class) {
        Some(kind) if kind.needs_iops() => {
            sink.push(
                Diagnostic::error(
                    Code::VolumeClaim,
                    span,
                    format!("storage class `{class}` needs provisioned IOPS, which a claim cannot say"),
                )
                .with_help("use `storageClassName: gp3` (3,000 IOPS and 125 MiB/s included), or create the volume outside i2kit"),
            );
            None
        }
        Some(kind) => Some(kind),
        None => {
            let names: Vec<&str> = VolumeType::ALL
                .iter()
                .filter(|kind| !kind.needs_iops())
                .map(|kind| kind.as_str())
                .collect();
            sink.push(
                Diagnostic::error(
                    Code::VolumeClaim,
                    span,
                    format!("storage class `{class}` is not an EBS volume type i2kit knows"),
                )
                .with_help(format!(
                    "name the EBS volume type as the class ({}), or leave `storageClassName` out for gp3",
                    names.join(", ")
                )),
            );
            None
        }
    }
}

const GIB: u64 = 1 << 30;

/// `1Gi` → 1, `10G` → 10 (10^10 bytes, rounded up to whole GiB).
///
/// # Errors
/// A message when the text is not a quantity, or larger than any EBS volume.
pub fn size_in_gib(text: &str) -> Result<u32, String> {
    let bytes =
        parse_bytes(text).map_err(|_| format!("`{text}` is not a storage size such as 10Gi"))?;
    let gib = bytes.div_ceil(GIB);
    u32::try_from(gib)
        .ok()
        .filter(|gib| *gib <= crate::model::stateful::MAX_VOLUME_GIB)
        .ok_or_else(|| format!("`{text}` is more than an EBS volume holds (16,384 GiB)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_up_to_whole_gib_and_stop_at_the_largest_volume() {
        assert_eq!(size_in_gib("1Gi"), Ok(1));
        assert_eq!(size_in_gib("1G"), Ok(1));
        assert_eq!(size_in_gib("1025Mi"), Ok(2));
        assert_eq!(size_in_gib("10G"), Ok(10));
        assert_eq!(size_in_gib("16Ti"), Ok(16_384));
        assert!(size_in_gib("16385Gi").is_err());
        assert!(size_in_gib("1Ei").is_err());
        assert!(size_in_gib("lots").is_err());
        assert_eq!(size_in_gib("0"), Ok(0));
    }
}
