//! A pod's reference to a ConfigMap or Secret: by name, within the pod's namespace, and
//! resolved only once every object of the input is read (`super::super::references`).

use super::super::reader::{Object, Sink, text};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    ConfigMap,
    Secret,
}

impl ObjectKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::ConfigMap => "ConfigMap",
            ObjectKind::Secret => "Secret",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub name: String,
    /// `optional: true`: when the object (or the key) is absent, the volume is empty or the
    /// variable unset, as the kubelet does, instead of the pod failing to start.
    pub optional: bool,
    /// Where the reference names the object.
    pub span: Span,
}

/// Reads `name_key` (`name`, or `secretName` in a secret volume) and `optional` of a
/// reference; the caller reads the rest. `None` after reporting a missing name.
pub fn read_object_ref(
    object: &mut Object<'_>,
    kind: ObjectKind,
    name_key: &str,
    sink: &mut Sink,
) -> Option<ObjectRef> {
    let span = object.value_span(name_key).unwrap_or(object.span());
    let path = object.child(name_key);
    let node = object.take(name_key);
    let name = node.and_then(|node| text(node, &path, sink));
    let optional = object.boolean("optional", sink).unwrap_or(false);
    match name {
        Some(name) if !name.is_empty() => Some(ObjectRef {
            kind,
            name,
            optional,
            span,
        }),
        // A value of another type was reported by `text`.
        None if node.is_some() => None,
        _ => {
            sink.push(
                Diagnostic::error(
                    Code::MissingField,
                    Some(span),
                    format!("`{path}` is missing: it names the {}", kind.as_str()),
                )
                .with_help(format!("add `{name_key}: <{} name>`", kind.as_str())),
            );
            None
        }
    }
}
