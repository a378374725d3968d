//! `configMap` and `secret` volumes: which keys become which files with which modes, checked
//! as the API server checks them (`validateKeyToPath`, `validateLocalDescendingPath`, modes
//! 0–0777) and laid out as the kubelet's `AtomicWriter` writes them (`path.Clean`d, names of
//! at most 255 bytes, paths of at most 4096). The files themselves are settled once every
//! ConfigMap is read (`super::super::references`).

use super::super::reader::{Object, Sink, integer};
use super::object_ref::{ObjectKind, ObjectRef, read_object_ref};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::yaml::Value;

/// Where a pod's ConfigMap volumes live in the VM image, one directory per volume, bound
/// read-only into the containers that mount it. Not under `/run`, which is a tmpfs at boot
/// and would hide files baked into the image.
pub const CONFIG_VOLUME_ROOT: &str = "/etc/i2kit/volumes";

/// Kubernetes' `defaultMode` when none is written (0644).
pub const DEFAULT_FILE_MODE: u32 = 0o644;

/// The largest mode Kubernetes accepts: permission bits only.
pub const MAX_FILE_MODE: u32 = 0o777;

/// The kubelet's limits on what it writes into a volume (`AtomicWriter`).
const MAX_PATH_BYTES: usize = 4096;
const MAX_NAME_BYTES: usize = 255;

/// A `configMap` (or `secret`) volume as written.
#[derive(Debug, Clone)]
pub struct ConfigVolume {
    pub source: ObjectRef,
    /// Keys to project; empty projects every key under its own name.
    pub items: Vec<KeyToPath>,
    pub default_mode: u32,
}

/// One of `items`: key → relative path, with its own mode.
#[derive(Debug, Clone)]
pub struct KeyToPath {
    pub key: String,
    /// Relative and normalised (see [`clean_volume_path`]).
    pub path: String,
    pub mode: Option<u32>,
    pub span: Span,
}

/// A pod's config volume, and whether any container mounts it (only those are built into
/// the image; every one is checked, as the kubelet sets up every volume of a pod).
#[derive(Debug, Clone)]
pub struct DeclaredConfigVolume {
    pub name: String,
    pub volume: ConfigVolume,
    pub mounted: bool,
}

/// A container mounts `path` (relative, normalised, never empty) of config volume `volume`.
#[derive(Debug, Clone)]
pub struct SubPathUse {
    pub volume: String,
    pub path: String,
    pub span: Span,
}

/// The VM directory of config volume `volume` (a DNS label, checked where declared).
#[must_use]
pub fn config_volume_dir(volume: &str) -> String {
    [CONFIG_VOLUME_ROOT, volume].join("/")
}

/// Reads the `configMap` or `secret` block of a volume.
pub fn read_config_volume(
    mut object: Object<'_>,
    kind: ObjectKind,
    sink: &mut Sink,
) -> Option<ConfigVolume> {
    let name_key = match kind {
        ObjectKind::ConfigMap => "name",
        ObjectKind::Secret => "secretName",
    };
    let source = read_object_ref(&mut object, kind, name_key, sink);
    let default_mode =
        read_file_mode(&mut object, "defaultMode", sink).unwrap_or(DEFAULT_FILE_MODE);
    let mut items = Vec::new();
    let items_path = object.child("items");
    for (index, node) in object.list("items", sink).iter().enumerate() {
        let Some(mut item) = Object::new(node, &format!("{items_path}[{index}]"), sink) else {
            continue;
        };
        let key = item.string("key", sink).unwrap_or_default();
        let path_span = item.value_span("path");
        let written_path = item.string("path", sink).unwrap_or_default();
        let mode = read_file_mode(&mut item, "mode", sink);
        let span = item.span();
        item.finish(sink, |_| None);
        if key.is_empty() {
            sink.push(Diagnostic::error(
                Code::MissingField,
                Some(span),
                format!("`{items_path}[{index}].key` is missing: it names the key to project"),
            ));
            continue;
        }
        match clean_volume_path(&written_path) {
            Ok(path) if !path.is_empty() => items.push(KeyToPath {
                key,
                path,
                mode,
                span,
            }),
            Ok(_) => sink.push(path_problem(
                &written_path,
                "names the volume itself, not a file in it",
                path_span.unwrap_or(span),
            )),
            Err(why) => sink.push(path_problem(&written_path, why, path_span.unwrap_or(span))),
        }
    }
    object.finish(sink, |_| None);
    Some(ConfigVolume {
        source: source?,
        items,
        default_mode,
    })
}

fn path_problem(written: &str, why: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidValue,
        Some(span),
        format!("path `{}` {why}", written.escape_debug()),
    )
    .with_help(
        "write a path relative to the volume, such as `app.properties` or `conf/app.properties`",
    )
}

/// A file mode (`defaultMode`, `items[].mode`): an integer in 0–0777, read as kubectl reads
/// it, so `0644` is octal.
pub fn read_file_mode(object: &mut Object<'_>, key: &str, sink: &mut Sink) -> Option<u32> {
    let path = object.child(key);
    let node = object.take(key)?;
    if let Value::String(text) = &node.value {
        sink.push(
            Diagnostic::error(
                Code::WrongType,
                Some(node.span),
                format!("`{path}` must be a number, found a string"),
            )
            .with_help(format!(
                "write it unquoted, e.g. `{key}: {text}`: a leading 0 makes it octal, as for kubectl"
            )),
        );
        return None;
    }
    let value = integer(node, &path, sink)?;
    if let Some(mode) = u32::try_from(value)
        .ok()
        .filter(|mode| *mode <= MAX_FILE_MODE)
    {
        return Some(mode);
    }
    let mut problem = Diagnostic::error(
        Code::InvalidValue,
        Some(node.span),
        format!("`{path}` is {value}, outside 0–0777 (octal; 0–511 in decimal)"),
    );
    // `644` where `0644` was meant: the digits are octal, the number was read as decimal.
    let digits = value.to_string();
    if node.yaml_1_1_int.is_none()
        && let Ok(octal) = u32::from_str_radix(&digits, 8)
        && octal <= MAX_FILE_MODE
    {
        problem = problem.with_help(format!(
            "file modes are octal: write `0{digits}` (or {octal} in decimal)"
        ));
    }
    sink.push(problem);
    None
}

/// A path inside a volume as the kubelet writes it: relative, without `..` (the API server's
/// rule), without control characters (they would reach the image's file names), then
/// `path.Clean`ed (no `.` or empty segments). Empty when it names the volume itself.
///
/// # Errors
/// What is wrong with the path, as the end of a sentence starting with it.
pub fn clean_volume_path(written: &str) -> Result<String, &'static str> {
    if written.is_empty() {
        return Err("is empty");
    }
    if written.starts_with('/') {
        return Err("is absolute; it must be relative to the volume");
    }
    if written.chars().any(char::is_control) {
        return Err("holds a control character");
    }
    if written.len() > MAX_PATH_BYTES {
        return Err("is longer than 4096 bytes");
    }
    if written.starts_with("..") {
        return Err("starts with `..`, which Kubernetes keeps for itself");
    }
    let segments: Vec<&str> = written
        .split('/')
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .collect();
    if segments.contains(&"..") {
        return Err("contains `..`; it must stay inside the volume");
    }
    if segments
        .iter()
        .any(|segment| segment.len() > MAX_NAME_BYTES)
    {
        return Err("has a name longer than 255 bytes");
    }
    Ok(segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_as_the_kubelet_does() {
        assert_eq!(clean_volume_path("app.conf"), Ok("app.conf".to_string()));
        assert_eq!(
            clean_volume_path("./conf//app.conf/"),
            Ok("conf/app.conf".to_string())
        );
        assert_eq!(clean_volume_path("."), Ok(String::new()));
        assert_eq!(clean_volume_path("a..b"), Ok("a..b".to_string()));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "..data",
            "a\nb",
            &"x".repeat(256),
            &"a/".repeat(2100),
        ] {
            assert!(clean_volume_path(bad).is_err(), "{bad:?}");
        }
    }
}
