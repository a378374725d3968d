//! The preamble every kind repeats: `metadata`, its name checked by the kind's rule, its
//! namespace defaulted as `kubectl apply` would, and its annotations with their spans.

use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::rules;
use crate::model::Namespace;
use crate::source::Span;
use crate::yaml::Value;

/// What every object's `metadata` gives i2kit.
pub struct Metadata {
    /// A DNS label (checked), or empty after an error.
    pub name: String,
    pub name_span: Span,
    /// A DNS label (checked); `default` when absent, as `kubectl apply` would place it.
    pub namespace: crate::model::Namespace,
    pub annotations: Vec<(String, String, Span)>,
}

/// What Kubernetes requires of an object's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// Names that become DNS names here: Deployments and Services.
    DnsLabel,
    /// Names only other objects refer to, such as ConfigMaps (`kube-root-ca.crt`).
    DnsSubdomain,
}

/// `metadata`: the name and namespace, each checked as a DNS label since both become DNS
/// names, and annotations with their spans.
pub fn read_metadata(object: &mut Object<'_>, sink: &mut Sink) -> Metadata {
    read_metadata_as(object, NameRule::DnsLabel, sink)
}

/// [`read_metadata`] for a kind whose names follow `rule`.
pub fn read_metadata_as(object: &mut Object<'_>, rule: NameRule, sink: &mut Sink) -> Metadata {
    let object_span = object.span();
    let Some(mut metadata) = object.object("metadata", sink) else {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(object_span),
            "the object has no `metadata.name`",
        ));
        return Metadata {
            name: String::new(),
            name_span: object_span,
            namespace: Namespace::default(),
            annotations: Vec::new(),
        };
    };
    let name_span = metadata_name_span(&metadata).unwrap_or(metadata.span());
    let mut name = metadata.string("name", sink).unwrap_or_default();
    if name.is_empty() {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(metadata.span()),
            "`metadata.name` is missing",
        ));
    } else if rule == NameRule::DnsLabel && !rules::is_dns_label(&name) {
        sink.push(rules::invalid_dns_label(&name, Some(name_span)));
        name.clear();
    } else if rule == NameRule::DnsSubdomain && !rules::is_dns_subdomain(&name) {
        sink.push(
            Diagnostic::error(
                Code::InvalidName,
                Some(name_span),
                format!("name `{name}` is not a DNS subdomain"),
            )
            .with_help("use lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit, at most 253 characters, as Kubernetes requires"),
        );
        name.clear();
    }
    let annotations = read_annotations(&mut metadata, sink);
    let namespace_span = metadata
        .entries()
        .into_iter()
        .find(|(key, _)| key.as_str() == Some("namespace"))
        .map(|(_, value)| value.span);
    let namespace = match metadata.string("namespace", sink) {
        Some(written) => Namespace::new(&written).unwrap_or_else(|| {
            sink.push(rules::invalid_dns_label(&written, namespace_span));
            Namespace::default()
        }),
        None => Namespace::default(),
    };
    metadata.accept(&[
        "labels",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "ownerReferences",
        "finalizers",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ]);
    metadata.finish(sink, |_| None);
    Metadata {
        name,
        name_span,
        namespace,
        annotations,
    }
}

/// The preamble of a kind whose reader takes its metadata and spec apart from the object:
/// `metadata`, then `spec` (absent is the reader's to report), and nothing else but `status`.
pub fn split_metadata_and_spec<'a>(
    mut object: Object<'a>,
    sink: &mut Sink,
) -> (Metadata, Option<Object<'a>>) {
    let metadata = read_metadata(&mut object, sink);
    let spec = object.object("spec", sink);
    object.accept(&["status"]);
    object.finish(sink, |_| None);
    (metadata, spec)
}

/// `metadata.annotations`, each a string with the span of its value.
pub fn read_annotations(metadata: &mut Object<'_>, sink: &mut Sink) -> Vec<(String, String, Span)> {
    let mut annotations = Vec::new();
    if let Some(mut map) = metadata.object("annotations", sink) {
        for (key, value) in map.entries() {
            let key_text = key.scalar_text().unwrap_or_default();
            match &value.value {
                Value::String(text) => annotations.push((key_text, text.clone(), value.span)),
                _ => sink.push(
                    Diagnostic::error(
                        Code::WrongType,
                        Some(value.span),
                        format!("annotation `{key_text}` must be a string"),
                    )
                    .with_help(format!(
                        "quote it: \"{}\"",
                        value.scalar_text().unwrap_or_default()
                    )),
                ),
            }
        }
        map.accept_all();
    }
    annotations
}

fn metadata_name_span(metadata: &Object<'_>) -> Option<Span> {
    metadata
        .entries()
        .into_iter()
        .find(|(key, _)| key.as_str() == Some("name"))
        .map(|(_, value)| value.span)
}
