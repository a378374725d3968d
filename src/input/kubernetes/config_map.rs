//! `ConfigMap` (v1) objects, collected in the first phase and read by pods' volumes and
//! variables in the resolve phase (`super::references`), so a ConfigMap may come after the
//! Deployment that uses it. Checked as the API server checks them
//! (k8s.io/kubernetes `ValidateConfigMap`): keys, the 1 MiB cap, no key in both maps.

use super::base64;
use super::metadata::{Metadata, NameRule, read_metadata_as};
use super::object_key::key_problem;
use super::preamble::Preamble;
use super::reader::{Object, Sink, text};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::credential;
use crate::source::Span;
use crate::yaml::Value;
use std::collections::BTreeMap;

/// Kubernetes' cap on a ConfigMap's values (`data` plus decoded `binaryData`), as on a Secret.
pub const MAX_CONFIG_MAP_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ConfigMap {
    pub name: String,
    pub namespace: String,
    /// `data` and `binaryData` together, by key: Kubernetes refuses a key in both.
    pub entries: BTreeMap<String, ConfigEntry>,
}

#[derive(Debug, Clone)]
pub struct ConfigEntry {
    pub value: ConfigValue,
    /// Where the key is written.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigValue {
    /// From `data`: files, and the only values variables can read (kubelet reads `Data`).
    Text(String),
    /// From `binaryData`, decoded: files only.
    Binary(Vec<u8>),
}

impl ConfigMap {
    /// The `data` value of `key`, as `configMapKeyRef` and `envFrom` read it.
    #[must_use]
    pub fn text(&self, key: &str) -> Option<&str> {
        match self.entries.get(key).map(|entry| &entry.value) {
            Some(ConfigValue::Text(text)) => Some(text),
            _ => None,
        }
    }
}

/// A warning when entry `key` of ConfigMap `name` looks like a credential: ConfigMap files and
/// variables are baked into the images of the VMs that read them.
fn warn_of_credential(name: &str, key: &str, text: &str, span: Span, sink: &mut Sink) {
    if let Some((what, setting)) = credential::in_file(key, text) {
        let subject = match setting {
            Some(setting) => format!("ConfigMap `{name}` key `{key}` (its setting `{setting}`)"),
            None => format!("ConfigMap `{name}` key `{key}`"),
        };
        sink.push(credential::credential_in_clear(&subject, what, Some(span)));
    }
}

/// Reads a ConfigMap whose `metadata` was read as `metadata`; `None` without a name. A
/// ConfigMap with errors is still returned, with its valid entries, so that what refers to it
/// is not also reported as referring to nothing.
/// Reads a `v1 ConfigMap`, and where its name is written (for a duplicate).
pub fn collect(
    mut object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<(ConfigMap, Span)> {
    if !preamble.accepts_api_version(&["v1"], sink) {
        return None;
    }
    let metadata = read_metadata_as(&mut object, NameRule::DnsSubdomain, sink);
    let name_span = metadata.name_span;
    read_config_map(object, metadata, sink).map(|config_map| (config_map, name_span))
}

fn read_config_map(
    mut object: Object<'_>,
    metadata: Metadata,
    sink: &mut Sink,
) -> Option<ConfigMap> {
    let mut entries: BTreeMap<String, ConfigEntry> = BTreeMap::new();
    let mut total_bytes: usize = 0;
    if let Some(mut data) = object.object("data", sink) {
        for (key_node, value_node) in data.entries() {
            let key = key_node.scalar_text().unwrap_or_default();
            let value = match &value_node.value {
                // `key:` with nothing after it is an empty value to kubectl too.
                Value::Null => String::new(),
                _ => match text(value_node, &data.child(&key), sink) {
                    Some(value) => value,
                    None => continue,
                },
            };
            total_bytes = total_bytes.saturating_add(value.len());
            warn_of_credential(&metadata.name, &key, &value, key_node.span, sink);
            if check_key(&key, key_node.span, sink) {
                entries.insert(
                    key,
                    ConfigEntry {
                        value: ConfigValue::Text(value),
                        span: key_node.span,
                    },
                );
            }
        }
        data.accept_all();
    }
    if let Some(mut binary) = object.object("binaryData", sink) {
        for (key_node, value_node) in binary.entries() {
            let key = key_node.scalar_text().unwrap_or_default();
            let Some(encoded) = text(value_node, &binary.child(&key), sink) else {
                continue;
            };
            let bytes = match base64::decode(&encoded) {
                Ok(bytes) => bytes,
                Err(why) => {
                    sink.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            Some(value_node.span),
                            format!("binaryData `{key}` is not base64: {why}"),
                        )
                        .with_help(
                            "encode the file with `base64 -w0 FILE`, or put text under `data`",
                        ),
                    );
                    continue;
                }
            };
            total_bytes = total_bytes.saturating_add(bytes.len());
            warn_of_credential(
                &metadata.name,
                &key,
                &String::from_utf8_lossy(&bytes),
                key_node.span,
                sink,
            );
            if !check_key(&key, key_node.span, sink) {
                continue;
            }
            if entries.contains_key(&key) {
                sink.push(
                    Diagnostic::error(
                        Code::DuplicateKey,
                        Some(key_node.span),
                        format!("key `{key}` is under both data and binaryData"),
                    )
                    .with_help("Kubernetes refuses a ConfigMap whose maps share a key; keep one"),
                );
                continue;
            }
            entries.insert(
                key,
                ConfigEntry {
                    value: ConfigValue::Binary(bytes),
                    span: key_node.span,
                },
            );
        }
        binary.accept_all();
    }
    if total_bytes > MAX_CONFIG_MAP_BYTES {
        sink.push(
            Diagnostic::error(
                Code::InputLimit,
                Some(metadata.name_span),
                format!(
                    "ConfigMap `{}` holds {total_bytes} bytes of data; Kubernetes accepts at most {MAX_CONFIG_MAP_BYTES} (1 MiB)",
                    metadata.name
                ),
            )
            .with_help("split it into several ConfigMaps, or build large files into the container image"),
        );
    }
    // Every image is immutable anyway: an immutable ConfigMap means the same here.
    let _ = object.boolean("immutable", sink);
    object.finish(sink, |_| None);
    (!metadata.name.is_empty()).then_some(ConfigMap {
        name: metadata.name,
        namespace: metadata.namespace.into(),
        entries,
    })
}

/// Reports an invalid key; `true` when the key is valid.
fn check_key(key: &str, span: Span, sink: &mut Sink) -> bool {
    match key_problem(key) {
        None => true,
        Some(rule) => {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(span),
                    format!("`{key}` is not a ConfigMap key: {rule}"),
                )
                .with_help("keys become file names and variable names, so Kubernetes restricts them; rename it"),
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::kubernetes::restriction::Waivers;
    use crate::input::read_application;
    use crate::source::SourceFile;

    fn config_map_of(bytes: usize) -> String {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata:\n  half: {}\nbinaryData:\n  rest: {}\n",
            "a".repeat(bytes / 2),
            "YWFh".repeat((bytes - bytes / 2) / 3),
        )
    }

    #[test]
    fn one_mebibyte_is_the_cap() {
        let limit_errors = |text: String| {
            read_application(&SourceFile::new("big.yaml", text), Waivers::default())
                .diagnostics
                .into_iter()
                .filter(|d| d.code == Code::InputLimit)
                .count()
        };
        // Values count after decoding: 3 bytes per 4 base64 characters.
        assert_eq!(limit_errors(config_map_of(MAX_CONFIG_MAP_BYTES - 1)), 0);
        assert_eq!(limit_errors(config_map_of(MAX_CONFIG_MAP_BYTES + 5)), 1);
    }
}
