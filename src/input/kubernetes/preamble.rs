//! What every Kubernetes object says before its own fields: its `kind`, its `apiVersion`, and
//! its place in the input. Each kind's reader is handed this and checks the versions it reads.

use super::reader::Sink;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::document_order::DocumentOrder;
use crate::source::Span;
use crate::yaml::Node;

/// One object's kind and version, read once for every kind.
pub struct Preamble<'a> {
    /// The whole object, for the spans of its top-level keys.
    pub root: &'a Node,
    pub kind: String,
    pub api_version: Option<String>,
    /// Where `kind` is written: what a diagnostic about the object as a whole points at.
    pub kind_span: Span,
    /// The object's place in the input, for document order.
    pub order: DocumentOrder,
}

impl Preamble<'_> {
    /// Whether the object's `apiVersion` is one of `known` (absent passes: `kubectl` would
    /// refuse it, and every field read is checked anyway); an error at it otherwise.
    pub fn accepts_api_version(&self, known: &[&str], sink: &mut Sink) -> bool {
        match self.api_version.as_deref() {
            Some(version) if !known.contains(&version) => {
                sink.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        self.api_version_span(),
                        format!(
                            "{} apiVersion `{version}` is not one i2kit reads",
                            self.kind
                        ),
                    )
                    .with_help(format!("use {}", known.join(" or "))),
                );
                false
            }
            _ => true,
        }
    }

    /// The object's `apiVersion` when it is one of `known`, for kinds whose fields differ
    /// between versions; an error otherwise, absent included: such an object cannot be read
    /// without its version, and dropping it unread would drop what it asks for (an autoscaler's
    /// bounds, a disruption budget's floor).
    pub fn required_api_version(&self, known: &[&str], sink: &mut Sink) -> Option<&str> {
        let Some(version) = self.api_version.as_deref() else {
            sink.push(
                Diagnostic::error(
                    Code::MissingField,
                    Some(self.kind_span),
                    format!("a {} needs `apiVersion`", self.kind),
                )
                .with_help(format!(
                    "add `apiVersion: {}`",
                    known.join("` or `apiVersion: ")
                )),
            );
            return None;
        };
        self.accepts_api_version(known, sink).then_some(version)
    }

    /// Where `apiVersion` is written, if it is.
    #[must_use]
    pub fn api_version_span(&self) -> Option<Span> {
        self.root.get("apiVersion").map(|node| node.span)
    }
}
