//! `downwardAPI` volumes: files holding the pod's own fields. The API server allows only
//! metadata.name, namespace, uid, labels and annotations (and one label or annotation) in a
//! volume (`validVolumeDownwardAPIFieldPathExpressions`); each file is written at boot with
//! the others of the boot step (`crate::model::boot`), since a pod's name and uid differ per
//! VM.

use super::super::reader::{Object, Sink};
use super::config_volume::{DEFAULT_FILE_MODE, clean_volume_path, read_file_mode};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// One `items[]` entry as written.
#[derive(Debug, Clone)]
pub struct PodInfoItem {
    /// Relative and normalised.
    pub path: String,
    pub mode: u32,
    pub field_path: String,
    /// `fieldRef.fieldPath`, for diagnostics.
    pub span: Span,
}

/// A pod's `downwardAPI` volume, and whether any container mounts it.
#[derive(Debug, Clone)]
pub struct DeclaredPodInfoVolume {
    pub name: String,
    pub items: Vec<PodInfoItem>,
    pub mounted: bool,
}

/// Reads the `downwardAPI` block of a volume.
pub fn read_pod_info_volume(mut object: Object<'_>, sink: &mut Sink) -> Vec<PodInfoItem> {
    let default_mode =
        read_file_mode(&mut object, "defaultMode", sink).unwrap_or(DEFAULT_FILE_MODE);
    let mut items = Vec::new();
    let items_path = object.child("items");
    for (index, node) in object.list("items", sink).iter().enumerate() {
        let Some(mut item) = Object::new(node, &format!("{items_path}[{index}]"), sink) else {
            continue;
        };
        let span = item.span();
        let path_span = item.value_span("path").unwrap_or(span);
        let written_path = item.string("path", sink).unwrap_or_default();
        let mode = read_file_mode(&mut item, "mode", sink).unwrap_or(default_mode);
        let resource_span = item.key_span("resourceFieldRef");
        if let Some(resource) = resource_span {
            item.accept(&["resourceFieldRef"]);
            sink.push(
                Diagnostic::error(
                    Code::UnsupportedVolume,
                    Some(resource),
                    "a `downwardAPI` file of a `resourceFieldRef` is not compiled",
                )
                .with_help("set the value through an environment variable's `resourceFieldRef`, which i2kit compiles"),
            );
        }
        let field = item.object("fieldRef", sink).map(|mut field| {
            let field_path = field.string("fieldPath", sink).unwrap_or_default();
            let field_span = field.value_span("fieldPath").unwrap_or(field.span());
            field.accept(&["apiVersion"]);
            field.finish(sink, |_| None);
            (field_path, field_span)
        });
        item.finish(sink, |_| None);
        let Some((field_path, field_span)) = field else {
            if resource_span.is_none() {
                sink.push(Diagnostic::error(
                    Code::MissingField,
                    Some(span),
                    format!("`{items_path}[{index}]` names no `fieldRef`"),
                ));
            }
            continue;
        };
        match clean_volume_path(&written_path) {
            Ok(path) if !path.is_empty() && !path.contains(':') => items.push(PodInfoItem {
                path,
                mode,
                field_path,
                span: field_span,
            }),
            _ => sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(path_span),
                    format!(
                        "path `{}` is not a file of the volume",
                        written_path.escape_debug()
                    ),
                )
                .with_help(
                    "write a relative path without `..` or `:`, such as `labels` or `pod/name`",
                ),
            ),
        }
    }
    object.finish(sink, |_| None);
    items
}
