//! A volume claim as read, whether a StatefulSet's `volumeClaimTemplates` entry or a
//! PersistentVolumeClaim: its size and storage class, kept until every StorageClass of the input
//! is known (`super::storage_class::resolve_claim`).

use super::quantity::parse_bytes;
use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::stateful::VolumeType;
use crate::source::Span;

/// The storage class a claim without one gets: gp3, rather than CloudFormation's gp2 default
/// (AWS::EC2::Volume VolumeType "Default: gp2"), as the EBS CSI driver's default class does.
pub const DEFAULT_VOLUME_TYPE: VolumeType = VolumeType::Gp3;

/// A claim as read: `None` when its spec had errors (reported), so its users are not
/// reported again.
#[derive(Debug)]
pub struct PersistentClaim {
    pub name: String,
    pub namespace: crate::model::Namespace,
    pub request: Option<ClaimRequest>,
    pub span: Span,
}

/// A claim as read, before its storage class is looked up among the input's StorageClasses
/// (`super::storage_class::resolve_claim`), which may come later in the input.
#[derive(Debug, Clone)]
pub struct ClaimRequest {
    pub name: String,
    pub name_span: Span,
    pub size_gib: u32,
    pub size_span: Span,
    /// `storageClassName` and where it is written; `None`: the input's default class, or gp3.
    pub class: Option<(String, Span)>,
}

/// A claim's spec: the size asked for, in whole GiB, and its storage class. Shared with
/// PersistentVolumeClaim objects.
pub(super) fn read_claim_spec(
    mut spec: Object<'_>,
    name: String,
    name_span: Span,
    sink: &mut Sink,
) -> Option<ClaimRequest> {
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
    let class_span = spec.value_span("storageClassName");
    let class = spec
        .string("storageClassName", sink)
        .map(|class| (class, class_span.unwrap_or(name_span)));
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
    let Some((storage, size_span)) = storage else {
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
                Some(size_span),
                message,
            ));
            return None;
        }
    };
    (sink.error_count() == errors_before).then_some(ClaimRequest {
        name,
        name_span,
        size_gib,
        size_span,
        class,
    })
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
