//! Every key of an object i2kit reads is a field Kubernetes defines for its kind and
//! apiVersion, or an error at its line, as kubectl's strict decoding refuses it: a misspelt
//! `spec.replica` must not compile into one VM. The fields come from Kubernetes' own OpenAPI
//! spec, in the generated [`table`] (see its header for the release and how to regenerate it).
//!
//! The check only tells Kubernetes fields from other keys. Which Kubernetes fields i2kit maps is
//! each reader's business: the keys a reader leaves unread are reported by
//! [`super::reader::Object::finish`], which skips the keys reported here.

#[rustfmt::skip]
mod table;

use super::list;
use super::reader::Sink;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::yaml::{Node, Value};

/// A kind and apiVersion, with the Kubernetes release its fields come from and its type.
#[derive(Debug)]
pub struct Kind {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub kubernetes: &'static str,
    /// Index of its type in [`table::TYPES`].
    pub root: usize,
}

/// A field of a type, and what its value holds.
#[derive(Debug)]
pub struct Field(pub &'static str, pub Shape);

/// What a field's value holds, as far as field names go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A scalar, or a map or list whose keys are data (labels, annotations, ConfigMap data,
    /// resource amounts): no field names inside.
    Leaf,
    /// An object of the type at this index.
    Object(usize),
    /// A list of objects of the type at this index.
    List(usize),
}

/// Unknown fields reported as errors per document; the rest are counted in one more error.
const MAX_REPORTED: usize = 20;

/// The table's entry for an object of `kind` at `api_version`: a list's envelope for every list
/// kind, and the kind's current version when `apiVersion` is absent. `None` for a kind or version
/// i2kit does not read (its reader reports it).
#[must_use]
fn kind_entry(kind: &str, api_version: Option<&str>, root: &Node) -> Option<&'static Kind> {
    if list::is_list(kind, root) {
        return entry("List", None);
    }
    entry(kind, api_version)
}

/// The table's entry for `kind` at `api_version`, or at its current version when `None`.
#[must_use]
pub fn entry(kind: &str, api_version: Option<&str>) -> Option<&'static Kind> {
    table::KINDS.iter().find(|entry| {
        entry.kind == kind && api_version.is_none_or(|version| entry.api_version == version)
    })
}

/// Reports every key of the document `root` that is not a Kubernetes field where it is written,
/// and remembers each in `sink` so it is not reported again as ignored.
pub fn check(root: &Node, kind: &str, api_version: Option<&str>, sink: &mut Sink) {
    let Some(entry) = kind_entry(kind, api_version, root) else {
        return;
    };
    let mut walk = Walk {
        entry,
        found: 0,
        sink,
    };
    walk.object(root, entry.root, "", &[]);
    if walk.found > MAX_REPORTED {
        let found = walk.found;
        sink.push(
            Diagnostic::error(
                Code::UnknownField,
                Some(root.span),
                format!(
                    "{found} unknown fields in {} {}; the first {MAX_REPORTED} are listed",
                    entry.kind, entry.api_version
                ),
            )
            .with_help("check that the file is a Kubernetes manifest of this kind"),
        );
    }
}

struct Walk<'s> {
    entry: &'static Kind,
    found: usize,
    sink: &'s mut Sink,
}

impl Walk<'_> {
    /// The table is acyclic and a few levels deep, so recursion follows the table, never the
    /// depth of the input.
    /// `outer` holds the fields of the object around this one, to tell a field indented one
    /// level too deep from a misspelt one.
    fn object(&mut self, node: &Node, type_index: usize, path: &str, outer: &[Field]) {
        let (Value::Mapping(entries), Some(fields)) = (&node.value, table::TYPES.get(type_index))
        else {
            return;
        };
        for (key, value) in entries {
            let Some(name) = key.scalar_text() else {
                continue;
            };
            let field_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            match fields.iter().find(|Field(field, _)| *field == name) {
                Some(Field(_, Shape::Object(inner))) => {
                    self.object(value, *inner, &field_path, fields);
                }
                Some(Field(_, Shape::List(inner))) => {
                    if let Value::Sequence(items) = &value.value {
                        for (index, item) in items.iter().enumerate() {
                            self.object(item, *inner, &format!("{field_path}[{index}]"), fields);
                        }
                    }
                }
                Some(Field(_, Shape::Leaf)) => {}
                None => self.unknown(key, &name, &field_path, path, fields, outer),
            }
        }
    }

    fn unknown(
        &mut self,
        key: &Node,
        name: &str,
        field_path: &str,
        parent: &str,
        fields: &[Field],
        outer: &[Field],
    ) {
        self.sink.remember_unknown_field(key.span);
        self.found += 1;
        if self.found > MAX_REPORTED {
            return;
        }
        let Kind {
            kind,
            api_version,
            kubernetes,
            ..
        } = self.entry;
        let problem = Diagnostic::error(
            Code::UnknownField,
            Some(key.span),
            format!("unknown field \"{field_path}\" in {kind} {api_version}"),
        );
        let names = fields.iter().map(|Field(field, _)| *field);
        let help = match did_you_mean(name, names) {
            // kubectl's YAML reader expands merge keys; dropping the merged fields would
            // compile less than the author wrote.
            _ if name == "<<" => {
                "i2kit does not expand YAML merge keys (`<<`): write the merged fields out"
                    .to_string()
            }
            // An older apiVersion lacks the fields added since (one Kubernetes no longer
            // defines is checked against the last release that did): say which version has it.
            _ if let Some(current) = newer_version_with(self.entry, parent, name) => format!(
                "`{name}` is a field of {kind} {} (Kubernetes {}), not of {api_version} (Kubernetes {kubernetes}): write the object as {}",
                current.api_version, current.kubernetes, current.api_version
            ),
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            // A field of the enclosing object, one level too deep: an indentation slip, which
            // kubectl reports as an unknown field too.
            None if outer.iter().any(|Field(field, _)| *field == name) => {
                let (enclosing, last) = match parent.rsplit_once('.') {
                    Some((enclosing, last)) => (enclosing, last),
                    None => ("the object's top level", parent),
                };
                let last = last.split('[').next().unwrap_or(last);
                format!(
                    "`{name}` is a field of `{enclosing}`, not of `{last}`: it is indented one level too deep; line it up with `{last}`"
                )
            }
            None => format!(
                "Kubernetes {kubernetes} defines no such field here, and kubectl refuses it too: remove it, or see `kubectl explain {}` for the fields there are",
                explain_path(kind, parent)
            ),
        };
        self.sink.push(problem.with_help(help));
    }
}

/// The kind's current version, when `entry` is another one and `name` is a field of the
/// current version at `parent`.
fn newer_version_with(entry: &Kind, parent: &str, name: &str) -> Option<&'static Kind> {
    let current = self::entry(entry.kind, None).filter(|current| current.root != entry.root)?;
    let mut fields = *table::TYPES.get(current.root)?;
    for part in parent.split('.').filter(|part| !part.is_empty()) {
        let field = part.split('[').next().unwrap_or(part);
        fields = match fields.iter().find(|Field(known, _)| *known == field)?.1 {
            Shape::Object(inner) | Shape::List(inner) => table::TYPES.get(inner)?,
            Shape::Leaf => return None,
        };
    }
    fields
        .iter()
        .any(|Field(known, _)| *known == name)
        .then_some(current)
}

/// What to give `kubectl explain` for the fields at `parent`: the lower-case kind, then the
/// path without list indices.
fn explain_path(kind: &str, parent: &str) -> String {
    let mut path = kind.to_ascii_lowercase();
    for part in parent.split('.').filter(|part| !part.is_empty()) {
        path.push('.');
        path.push_str(part.split('[').next().unwrap_or(part));
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn errors(text: &str) -> Vec<Diagnostic> {
        let root = parse_documents(text).expect("valid").remove(0).root;
        let kind = root
            .get("kind")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let version = root.get("apiVersion").and_then(Node::scalar_text);
        let mut sink = Sink::default();
        check(&root, &kind, version.as_deref(), &mut sink);
        sink.diagnostics
    }

    #[test]
    fn the_table_is_consistent() {
        for (index, fields) in table::TYPES.iter().enumerate() {
            assert!(
                fields.windows(2).all(|pair| pair[0].0 < pair[1].0),
                "type {index} has unsorted or repeated fields"
            );
            for Field(name, shape) in *fields {
                if let Shape::Object(inner) | Shape::List(inner) = shape {
                    assert!(
                        *inner < table::TYPES.len(),
                        "{name} of type {index} points nowhere"
                    );
                }
            }
        }
        for entry in &table::KINDS {
            assert!(entry.root < table::TYPES.len(), "{entry:?}");
        }
    }

    #[test]
    fn a_misspelt_field_is_an_error_with_the_right_spelling() {
        let found = errors(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replica: 2\n  template:\n    spec:\n      containers:\n      - name: web\n        imagePullPolcy: Always\n",
        );
        let messages: Vec<_> = found
            .iter()
            .map(|d| (d.message.clone(), d.help.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "unknown field \"spec.replica\" in Deployment apps/v1".to_string(),
                    "did you mean `replicas`?".to_string()
                ),
                (
                    "unknown field \"spec.template.spec.containers[0].imagePullPolcy\" in Deployment apps/v1".to_string(),
                    "did you mean `imagePullPolicy`?".to_string()
                ),
            ]
        );
        assert!(
            found
                .iter()
                .all(|d| d.code == Code::UnknownField && d.is_error())
        );
    }

    #[test]
    fn free_form_maps_hold_no_fields() {
        assert!(
            errors(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {anything: x}\n  annotations: {what.ever/key: y}\ndata: {replica: '2'}\n",
            )
            .is_empty()
        );
    }

    #[test]
    fn each_version_has_its_own_fields() {
        // `rollbackTo` is a field of extensions/v1beta1 Deployments only.
        let old =
            "apiVersion: extensions/v1beta1\nkind: Deployment\nspec: {rollbackTo: {revision: 1}}\n";
        assert!(errors(old).is_empty());
        assert_eq!(
            errors(&old.replace("extensions/v1beta1", "apps/v1")).len(),
            1
        );
        // A field of the current version only says which version has it.
        let newer = errors(
            "apiVersion: apps/v1beta2\nkind: Deployment\nspec: {template: {spec: {securityContext: {seccompProfile: {type: RuntimeDefault}}}}}\n",
        );
        assert_eq!(newer.len(), 1);
        assert!(
            newer[0].help.as_deref()
                == Some(
                    "`seccompProfile` is a field of Deployment apps/v1 (Kubernetes 1.37.0), not of apps/v1beta2 (Kubernetes 1.17.0): write the object as apps/v1"
                ),
            "{newer:?}"
        );
        let v1 = errors(
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nspec: {maxReplicas: 2, metrics: []}\n",
        );
        assert!(
            v1[0]
                .help
                .as_deref()
                .is_some_and(|help| help.ends_with("write the object as autoscaling/v2")),
            "{v1:?}"
        );
        // A kind or version i2kit does not read is its reader's to report.
        assert!(errors("apiVersion: apps/v9\nkind: Deployment\nspec: {replica: 1}\n").is_empty());
        assert!(errors("apiVersion: apps/v1\nkind: DaemonSet\nspec: {replica: 1}\n").is_empty());
    }

    #[test]
    fn a_list_is_checked_as_an_envelope() {
        assert!(
            errors("apiVersion: v1\nkind: List\nitems: [{kind: Anything, zz: 1}]\n").is_empty()
        );
        assert_eq!(errors("apiVersion: v1\nkind: List\nitem: []\n").len(), 1);
    }

    #[test]
    fn a_merge_key_is_refused_with_what_to_do() {
        let found = errors("apiVersion: v1\nkind: Service\nspec:\n  <<: {type: ClusterIP}\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .help
                .as_deref()
                .is_some_and(|help| help.contains("merge keys"))
        );
    }

    #[test]
    fn many_unknown_fields_are_counted_not_all_listed() {
        let mut text = String::from("apiVersion: v1\nkind: Service\nspec:\n");
        for index in 0..100 {
            text.push_str(&format!("  junk{index}: 1\n"));
        }
        let found = errors(&text);
        assert_eq!(found.len(), MAX_REPORTED + 1);
        assert!(
            found[MAX_REPORTED]
                .message
                .starts_with("100 unknown fields")
        );
    }

    /// For every kind and version, a document misspelling one field of each type it holds, at
    /// its nesting level (first path found), and the path kubectl would name.
    fn misspellings() -> Vec<(String, String, &'static str)> {
        let mut cases = Vec::new();
        for entry in &table::KINDS {
            let mut seen = vec![false; table::TYPES.len()];
            // (type, path, document text with `@` where the type's mapping goes)
            let mut queue =
                std::collections::VecDeque::from([(entry.root, String::new(), "@".to_string())]);
            while let Some((type_index, path, frame)) = queue.pop_front() {
                if std::mem::replace(&mut seen[type_index], true) {
                    continue;
                }
                let fields = table::TYPES[type_index];
                let names: Vec<&str> = fields.iter().map(|Field(name, _)| *name).collect();
                let Some(field) = names
                    .iter()
                    .copied()
                    .find(|name| name.len() > 4 && !names.contains(&&name[..name.len() - 1]))
                else {
                    continue;
                };
                let typo = &field[..field.len() - 1];
                let mut text = frame.replace('@', &format!("{{{typo}: null}}"));
                if path.is_empty() {
                    text = format!(
                        "{{apiVersion: {}, kind: {}, {typo}: null}}",
                        entry.api_version, entry.kind
                    );
                }
                let dotted = if path.is_empty() {
                    typo.to_string()
                } else {
                    format!("{path}.{typo}")
                };
                cases.push((text, dotted, field));
                for Field(name, shape) in fields {
                    let child_path = if path.is_empty() {
                        (*name).to_string()
                    } else {
                        format!("{path}.{name}")
                    };
                    let wrap = |inner: &str| {
                        if path.is_empty() {
                            format!(
                                "{{apiVersion: {}, kind: {}, {name}: {inner}}}",
                                entry.api_version, entry.kind
                            )
                        } else {
                            frame.replace('@', &format!("{{{name}: {inner}}}"))
                        }
                    };
                    match shape {
                        Shape::Object(inner) => queue.push_back((*inner, child_path, wrap("@"))),
                        Shape::List(inner) => {
                            queue.push_back((*inner, format!("{child_path}[0]"), wrap("[@]")))
                        }
                        Shape::Leaf => {}
                    }
                }
            }
        }
        cases
    }

    #[test]
    fn a_misspelt_field_at_every_level_of_every_kind_is_found() {
        let cases = misspellings();
        assert!(cases.len() > 300, "only {} cases", cases.len());
        for (text, path, field) in cases {
            let found = errors(&text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert!(
                found[0]
                    .message
                    .starts_with(&format!("unknown field \"{path}\" in ")),
                "{text}: {}",
                found[0].message
            );
            assert!(
                found[0]
                    .help
                    .as_deref()
                    .is_some_and(|help| help.starts_with("did you mean")),
                "{text}: no suggestion of `{field}`"
            );
        }
    }

    #[test]
    fn explain_paths_drop_list_indices() {
        assert_eq!(
            explain_path("Deployment", "spec.template.spec.containers[0]"),
            "deployment.spec.template.spec.containers"
        );
        assert_eq!(explain_path("Service", ""), "service");
    }
}
