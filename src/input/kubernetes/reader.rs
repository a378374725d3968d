//! Reading Kubernetes objects off the YAML tree: typed getters that report wrong types at
//! their line, and mappings that remember which keys were read, so every key nobody read is
//! reported as ignored, at its own line.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::intent::requests::IntOrString;
use crate::source::Span;
use crate::yaml::{Node, Value};

/// Collects diagnostics while a file's objects are read.
#[derive(Debug, Default)]
pub struct Sink {
    pub diagnostics: Vec<Diagnostic>,
    /// The kinds of access restriction the author accepts to compile without.
    pub waivers: super::restriction::Waivers,
    /// Where keys that are no Kubernetes field are written, in order: each is an error of its
    /// own (see `fields`), not a field to report as ignored.
    pub unknown_fields: Vec<Span>,
}

impl Sink {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    #[must_use]
    pub fn error_count(&self) -> usize {
        self.diagnostics.error_count()
    }

    pub fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        self.push(Diagnostic::error(
            Code::WrongType,
            Some(node.span),
            format!("`{path}` must be {expected}, found {}", node.type_name()),
        ));
    }

    /// Remembers that the key at `span` is no Kubernetes field (see `fields::check`).
    pub fn remember_unknown_field(&mut self, span: Span) {
        // Documents are checked in order, so this nearly always appends.
        let at = self.unknown_fields.partition_point(|known| *known < span);
        if self.unknown_fields.get(at) != Some(&span) {
            self.unknown_fields.insert(at, span);
        }
    }

    /// Pushes a reader's own diagnostic about keys that are no Kubernetes field (such as the
    /// removed fields of an older apiVersion, with how to migrate) in place of the generic
    /// unknown-field errors at `keys`.
    pub fn supersede_unknown_fields(&mut self, keys: &[Span], diagnostic: Diagnostic) {
        self.diagnostics.retain(|reported| {
            reported.code != Code::UnknownField
                || reported.span.is_none_or(|at| !keys.contains(&at))
        });
        self.push(diagnostic);
    }

    #[must_use]
    pub fn is_unknown_field(&self, span: Span) -> bool {
        self.unknown_fields.binary_search(&span).is_ok()
    }

    /// A field that has no meaning once each pod is its own VM.
    pub fn ignored(&mut self, span: Span, path: &str, why: &str) {
        self.diagnostics.ignored(span, path, why);
    }
}

/// Why a key nobody read is ignored, when its reader gives no reason of its own: the key is a
/// Kubernetes field (every other key is an error, see `fields`).
pub const UNMAPPED: &str = "it is a Kubernetes field that i2kit gives no meaning on a VM";

/// A mapping under a dotted path such as `spec.template.spec`.
pub struct Object<'a> {
    node: &'a Node,
    path: String,
    taken: Vec<String>,
}

impl<'a> Object<'a> {
    /// `None` (after reporting) when `node` is not a mapping.
    pub fn new(node: &'a Node, path: &str, sink: &mut Sink) -> Option<Object<'a>> {
        match node.value {
            Value::Mapping(_) => Some(Object {
                node,
                path: path.to_string(),
                taken: Vec::new(),
            }),
            Value::Null => None,
            _ => {
                sink.wrong_type(node, path, "a mapping");
                None
            }
        }
    }

    #[must_use]
    pub fn span(&self) -> Span {
        self.node.span
    }

    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The dotted path of a child field.
    #[must_use]
    pub fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`, marked as read; `None` when absent or null.
    pub fn take(&mut self, key: &str) -> Option<&'a Node> {
        let (_, value) = self.node.entry(key)?;
        self.taken.push(key.to_string());
        (value.value != Value::Null).then_some(value)
    }

    /// The key's own span (for "ignored" warnings), if present.
    #[must_use]
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.node.entry(key).map(|(key_node, _)| key_node.span)
    }

    /// Where the value of `key` is written, for errors about the value rather than the key.
    pub fn value_span(&self, key: &str) -> Option<Span> {
        self.node.entry(key).map(|(_, value)| value.span)
    }

    /// Marks keys as read without using them: bookkeeping fields such as `status`.
    pub fn accept(&mut self, keys: &[&str]) {
        self.taken.extend(keys.iter().map(|key| (*key).to_string()));
    }

    pub fn string(&mut self, key: &str, sink: &mut Sink) -> Option<String> {
        let node = self.take(key)?;
        text(node, &self.child(key), sink)
    }

    pub fn integer(&mut self, key: &str, sink: &mut Sink) -> Option<(i64, Span)> {
        let node = self.take(key)?;
        integer(node, &self.child(key), sink).map(|value| (value, node.span))
    }

    pub fn boolean(&mut self, key: &str, sink: &mut Sink) -> Option<bool> {
        let node = self.take(key)?;
        match node.value {
            Value::Bool(flag) => Some(flag),
            _ => {
                sink.wrong_type(node, &self.child(key), "true or false");
                None
            }
        }
    }

    /// The items of a list field; empty when absent or mistyped (after reporting).
    pub fn list(&mut self, key: &str, sink: &mut Sink) -> &'a [Node] {
        let Some(node) = self.take(key) else {
            return &[];
        };
        match &node.value {
            Value::Sequence(items) => items,
            _ => {
                sink.wrong_type(node, &self.child(key), "a list");
                &[]
            }
        }
    }

    pub fn object(&mut self, key: &str, sink: &mut Sink) -> Option<Object<'a>> {
        let node = self.take(key)?;
        let path = self.child(key);
        Object::new(node, &path, sink)
    }

    /// String → string entries of a map field such as `labels`.
    pub fn string_map(&mut self, key: &str, sink: &mut Sink) -> Vec<(String, String)> {
        let Some(mut map) = self.object(key, sink) else {
            return Vec::new();
        };
        let mut entries = Vec::new();
        for (key_node, value) in map.entries() {
            let key_text = key_node.scalar_text().unwrap_or_default();
            if let Some(value) = text(value, &map.child(&key_text), sink) {
                entries.push((key_text, value));
            }
        }
        map.accept_all();
        entries
    }

    /// All entries, for maps whose keys are data rather than field names.
    #[must_use]
    pub fn entries(&self) -> Vec<(&'a Node, &'a Node)> {
        match &self.node.value {
            Value::Mapping(entries) => entries.iter().map(|(key, value)| (key, value)).collect(),
            _ => Vec::new(),
        }
    }

    pub fn accept_all(&mut self) {
        let keys: Vec<String> = self
            .entries()
            .iter()
            .filter_map(|(key, _)| key.scalar_text())
            .collect();
        self.taken.extend(keys);
    }

    /// Reports every key that was not read: `why` names the reason for known keys, and the
    /// rest get a generic one.
    pub fn finish(self, sink: &mut Sink, why: impl Fn(&str) -> Option<&'static str>) {
        // A few warnings per object are enough to act on: an object of half a million
        // unknown keys would otherwise hold half a million diagnostics.
        const MAX_REPORTED: usize = 20;
        let mut reported = 0;
        for (key_node, _) in self.entries() {
            let key = key_node.scalar_text().unwrap_or_default();
            if self.taken.contains(&key) || sink.is_unknown_field(key_node.span) {
                continue;
            }
            reported += 1;
            if reported > MAX_REPORTED {
                continue;
            }
            let reason = why(&key).unwrap_or(UNMAPPED);
            sink.ignored(key_node.span, &self.child(&key), reason);
        }
        if reported > MAX_REPORTED {
            sink.push(Diagnostic::warning(
                Code::IgnoredField,
                Some(self.node.span),
                format!(
                    "`{}` has {reported} Kubernetes fields that i2kit gives no meaning on a VM; the first {MAX_REPORTED} are listed",
                    if self.path.is_empty() { "the object" } else { &self.path }
                ),
            ));
        }
    }
}

pub fn text(node: &Node, path: &str, sink: &mut Sink) -> Option<String> {
    match &node.value {
        Value::String(text) => Some(text.clone()),
        _ => {
            let mut diagnostic = Diagnostic::error(
                Code::WrongType,
                Some(node.span),
                format!("`{path}` must be a string, found {}", node.type_name()),
            );
            if let Some(scalar) = node.scalar_text() {
                diagnostic = diagnostic.with_help(format!("quote it: \"{scalar}\""));
            }
            sink.push(diagnostic);
            None
        }
    }
}

/// An integer as kubectl reads it: YAML 1.1, where `0644` is octal (see
/// [`Node::yaml_1_1_int`]), so a file mode means what it means to the cluster.
pub fn integer(node: &Node, path: &str, sink: &mut Sink) -> Option<i64> {
    if let Some(value) = node.yaml_1_1_int {
        return Some(value);
    }
    match node.value {
        Value::Int(value) => Some(value),
        _ => {
            sink.wrong_type(node, path, "an integer");
            None
        }
    }
}

pub fn int_or_string(node: &Node, path: &str, sink: &mut Sink) -> Option<IntOrString> {
    if let Some(value) = node.yaml_1_1_int {
        return Some(IntOrString::Int(value));
    }
    match &node.value {
        Value::Int(value) => Some(IntOrString::Int(*value)),
        Value::String(text) => Some(IntOrString::Text(text.clone())),
        _ => {
            sink.wrong_type(node, path, "a number or a string");
            None
        }
    }
}

/// The error for an object of `kind` named `name` that has no `spec`, at `span`.
#[must_use]
pub fn missing_spec(kind: &str, name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::MissingField,
        Some(span),
        format!("{kind} `{name}` has no `spec`"),
    )
}
