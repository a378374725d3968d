//! Container `env` and `envFrom`, composed as the kubelet composes them
//! (`makeEnvironmentVariables`, pkg/kubelet/kubelet_pods.go): every `envFrom` source in
//! order, then `env` in order, a later definition replacing an earlier one; `$(VAR)` in a
//! `value` expands from what is defined so far (`envFrom` included), and `command` and `args`
//! expand from the result. ConfigMaps and Secrets are looked up only once every object is
//! read, through [`EnvSources`].
//!
//! Every key becomes a variable, whatever its characters: the kubelet skipped keys that were
//! not C-like names until Kubernetes 1.32 made `RelaxedEnvironmentVariableValidation` the
//! default (GA in 1.34), and a ConfigMap key (`[-._a-zA-Z0-9]+`) is always a valid name under
//! the relaxed rule.

use super::super::reader::{Object, Sink};
use super::super::resolved_bytes::ResolvedBytes;
use super::object_ref::{ObjectKind, ObjectRef, read_object_ref};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::credential;
use crate::input::rules;
use crate::source::Span;
use crate::yaml::Value;
use std::collections::HashMap;

/// A container's environment as written, before the objects it reads are known.
#[derive(Debug, Clone, Default)]
pub struct EnvRecipe {
    pub from: Vec<EnvFrom>,
    pub variables: Vec<EnvVar>,
}

impl EnvRecipe {
    /// Whether the container writes no variable at all, so it keeps the image's environment.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.from.is_empty() && self.variables.is_empty()
    }
}

/// One `envFrom` entry: every `data` key of the object, after `prefix`.
#[derive(Debug, Clone)]
pub struct EnvFrom {
    pub source: ObjectRef,
    pub prefix: String,
}

#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    /// The `env` entry.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum EnvValue {
    /// `value`, whose `$(VAR)` references expand when the environment is composed.
    Literal(String),
    /// `valueFrom.configMapKeyRef` or `secretKeyRef`: used as is, never expanded.
    Key {
        source: ObjectRef,
        key: String,
        key_span: Span,
    },
    /// `valueFrom.fieldRef` of `metadata.namespace`: the one pod field that is the same on
    /// every VM of the Deployment, so it is known when compiling.
    PodNamespace,
}

/// The `fieldRef` path i2kit resolves when compiling (the Downward API's pod namespace).
const NAMESPACE_FIELD: &str = "metadata.namespace";

/// What the resolve phase answers while an environment is composed.
pub trait EnvSources {
    /// The `(key, value)` pairs an `envFrom` source defines, in key order; none when the
    /// object is absent (reported by the implementation).
    fn variables(&mut self, from: &EnvFrom) -> Vec<(String, String)>;
    /// The value of `key` (written at `key_span`) for variable `variable`; `None` leaves it
    /// unset (reported by the implementation).
    fn value(
        &mut self,
        variable: &str,
        source: &ObjectRef,
        key: &str,
        key_span: Span,
    ) -> Option<String>;
    /// The namespace the pod runs in.
    fn namespace(&self) -> &str;
}

/// `envFrom` and `env` as written.
pub fn read_env(object: &mut Object<'_>, sink: &mut Sink) -> EnvRecipe {
    let mut recipe = EnvRecipe::default();
    let from_path = object.child("envFrom");
    for (index, item) in object.list("envFrom", sink).iter().enumerate() {
        let Some(mut entry) = Object::new(item, &format!("{from_path}[{index}]"), sink) else {
            continue;
        };
        if let Some(from) = read_env_from(&mut entry, sink) {
            recipe.from.push(from);
        }
        entry.finish(sink, |_| None);
    }
    let env_path = object.child("env");
    let env = object.list("env", sink);
    // Exactly: doubling the capacity of a list of tens of thousands held two copies at once.
    recipe.variables.reserve_exact(env.len());
    for (index, item) in env.iter().enumerate() {
        let Some(mut entry) = Object::new(item, &format!("{env_path}[{index}]"), sink) else {
            continue;
        };
        let name_span = entry.value_span("name").unwrap_or(entry.span());
        let name = entry.string("name", sink);
        let value_span = entry.value_span("value");
        let value = entry.string("value", sink).unwrap_or_default();
        if let Some(name) = &name
            && let Some(what) = credential::in_variable(name, &value)
        {
            sink.push(credential::credential_in_clear(
                &format!("environment variable `{name}`"),
                what,
                value_span.or(Some(name_span)),
            ));
        }
        let from = entry.object("valueFrom", sink);
        let read = match from {
            Some(_) if !value.is_empty() => {
                sink.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        entry.key_span("valueFrom"),
                        "`value` and `valueFrom` cannot both be set",
                    )
                    .with_help("Kubernetes refuses such a variable; keep one of them"),
                );
                None
            }
            Some(mut from) => {
                let read = read_value_from(&mut from, name.as_deref().unwrap_or_default(), sink);
                from.finish(sink, |_| None);
                read
            }
            None => Some(EnvValue::Literal(value)),
        };
        entry.finish(sink, |_| None);
        let Some(name) = name else {
            // A name of another type was reported by `string`.
            if item
                .get("name")
                .is_none_or(|node| node.value == Value::Null)
            {
                sink.push(Diagnostic::error(
                    Code::MissingField,
                    Some(item.span),
                    format!("`{env_path}[{index}].name` is missing"),
                ));
            }
            continue;
        };
        if let Some(problem) = rules::check_env_name(&name, Some(name_span)) {
            sink.push(problem);
            continue;
        }
        if let Some(value) = read {
            recipe.variables.push(EnvVar {
                name,
                value,
                span: item.span,
            });
        }
    }
    recipe
}

/// One `envFrom` entry: `configMapRef` or `secretRef`, and `prefix`.
fn read_env_from(entry: &mut Object<'_>, sink: &mut Sink) -> Option<EnvFrom> {
    let prefix_span = entry.value_span("prefix");
    let prefix = entry.string("prefix", sink).unwrap_or_default();
    if !prefix.is_empty()
        && let Some(problem) = rules::check_env_name(&prefix, prefix_span)
    {
        sink.push(problem);
    }
    let mut sources = Vec::new();
    for (key, kind) in [
        ("configMapRef", ObjectKind::ConfigMap),
        ("secretRef", ObjectKind::Secret),
    ] {
        if let Some(mut reference) = entry.object(key, sink) {
            sources.push(read_object_ref(&mut reference, kind, "name", sink));
            reference.finish(sink, |_| None);
        }
    }
    if sources.len() != 1 {
        sink.push(
            Diagnostic::error(
                Code::InvalidValue,
                Some(entry.span()),
                "an `envFrom` entry names exactly one of `configMapRef` and `secretRef`",
            )
            .with_help("write one entry per object"),
        );
        return None;
    }
    Some(EnvFrom {
        source: sources.pop().flatten()?,
        prefix,
    })
}

/// `valueFrom` of variable `name`: a key of a ConfigMap or Secret, or the pod's namespace; the
/// pod's other fields and its resources come from a kubelet, which a VM does not have.
fn read_value_from(from: &mut Object<'_>, name: &str, sink: &mut Sink) -> Option<EnvValue> {
    for (key, kind) in [
        ("configMapKeyRef", ObjectKind::ConfigMap),
        ("secretKeyRef", ObjectKind::Secret),
    ] {
        if let Some(mut reference) = from.object(key, sink) {
            let source = read_object_ref(&mut reference, kind, "name", sink);
            let key_span = reference.value_span("key").unwrap_or(reference.span());
            let selected = reference.string("key", sink).unwrap_or_default();
            reference.finish(sink, |_| None);
            if selected.is_empty() {
                sink.push(Diagnostic::error(
                    Code::MissingField,
                    Some(key_span),
                    format!(
                        "`{}.key` is missing: it names the {} key",
                        from.child(key),
                        kind.as_str()
                    ),
                ));
                return None;
            }
            return Some(EnvValue::Key {
                source: source?,
                key: selected,
                key_span,
            });
        }
    }
    if let Some(mut field) = from.object("fieldRef", sink) {
        let path = field.string("fieldPath", sink);
        let path_span = field.value_span("fieldPath").unwrap_or(field.span());
        field.accept(&["apiVersion"]);
        field.finish(sink, |_| None);
        if path.as_deref() == Some(NAMESPACE_FIELD) {
            return Some(EnvValue::PodNamespace);
        }
        sink.push(
            Diagnostic::error(
                Code::ExternalReference,
                Some(path_span),
                format!("environment variable `{name}` takes its value from the kubelet (`valueFrom.fieldRef` of `{}`), which a VM does not have", path.unwrap_or_default()),
            )
            .with_help(format!("only `{NAMESPACE_FIELD}` is the same on every VM and known when compiling; a pod's name or IP differs per VM: have the container read it when it starts (e.g. `hostname`, `hostname -i`)")),
        );
        return None;
    }
    for key in ["resourceFieldRef", "fileKeyRef"] {
        if let Some(span) = from.key_span(key) {
            from.accept(&[key]);
            sink.push(
                Diagnostic::error(
                    Code::ExternalReference,
                    Some(span),
                    format!("environment variable `{name}` takes its value from the kubelet (`valueFrom.{key}`), which a VM does not have"),
                )
                .with_help("write the value under `value`, or have the container find it when it starts"),
            );
            return None;
        }
    }
    sink.push(
        Diagnostic::error(
            Code::MissingField,
            Some(from.span()),
            format!("`valueFrom` of environment variable `{name}` names no source"),
        )
        .with_help("use `configMapKeyRef: {name, key}`"),
    );
    None
}

/// A container's variables in the kubelet's order: a later definition of a name replaces the
/// earlier one and takes its place at the end. Names are looked up through an index, so
/// composing n variables that each refer to others is O(n), not the O(n²) of scanning all
/// defined so far (7.6 MB of `env` took 48 s that way).
#[derive(Debug, Default)]
pub struct Environment {
    /// Definitions in order; `None` where a later definition replaced one.
    slots: Vec<Option<(String, String)>>,
    /// Each defined name's slot.
    index: HashMap<String, usize>,
}

impl Environment {
    fn define(&mut self, name: String, value: String) {
        if let Some(replaced) = self.index.insert(name.clone(), self.slots.len())
            && let Some(slot) = self.slots.get_mut(replaced)
        {
            *slot = None;
        }
        self.slots.push(Some((name, value)));
    }

    /// The value of variable `name`, if defined.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        let (_, value) = self.slots.get(*self.index.get(name)?)?.as_ref()?;
        Some(value)
    }

    /// The variables, in order.
    #[must_use]
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.slots.into_iter().flatten().collect()
    }
}

/// The environment of `recipe` in the kubelet's order: `envFrom` sources, then `env`. Every
/// variable is counted against `budget` before it is made.
///
/// # Errors
/// I2K007 at the variable or `envFrom` entry that would go past the budget.
pub fn compose_env(
    recipe: &EnvRecipe,
    sources: &mut impl EnvSources,
    budget: &mut ResolvedBytes,
) -> Result<Environment, Diagnostic> {
    let mut env = Environment::default();
    for from in &recipe.from {
        for (key, value) in sources.variables(from) {
            let name = [from.prefix.as_str(), key.as_str()].concat();
            budget.take(
                name.len().saturating_add(value.len()),
                &format!(
                    "`envFrom` of {} `{}`",
                    from.source.kind.as_str(),
                    from.source.name
                ),
                Some(from.source.span),
            )?;
            env.define(name, value);
        }
    }
    for variable in &recipe.variables {
        let what = || format!("environment variable `{}`", variable.name);
        let value = match &variable.value {
            EnvValue::Literal(text) => expand_references(text, &env, budget.remaining())
                .ok_or_else(|| budget.exceeded(&what(), Some(variable.span)))?,
            EnvValue::Key {
                source,
                key,
                key_span,
            } => match sources.value(&variable.name, source, key, *key_span) {
                Some(value) => value,
                None => continue,
            },
            EnvValue::PodNamespace => sources.namespace().to_string(),
        };
        budget.take(
            variable.name.len().saturating_add(value.len()),
            &what(),
            Some(variable.span),
        )?;
        env.define(variable.name.clone(), value);
    }
    Ok(env)
}

/// Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` is a literal `$`, and
/// undefined references stay as written. `None` when the result would be longer than `limit`
/// bytes, found before it is built.
#[must_use]
pub fn expand_references(text: &str, variables: &Environment, limit: usize) -> Option<String> {
    let mut out = String::with_capacity(text.len().min(limit));
    let push = |out: &mut String, piece: &str| {
        (out.len().saturating_add(piece.len()) <= limit).then(|| out.push_str(piece))
    };
    let mut rest = text;
    while let Some(index) = rest.find('$') {
        push(&mut out, &rest[..index])?;
        let after = &rest[index + 1..];
        if let Some(remaining) = after.strip_prefix('$') {
            push(&mut out, "$")?;
            rest = remaining;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match variables.get(name) {
                Some(value) => push(&mut out, value)?,
                None => push(&mut out, &rest[index..index + end + 3])?,
            }
            rest = &inner[end + 1..];
        } else {
            push(&mut out, "$")?;
            rest = after;
        }
    }
    push(&mut out, rest)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One ConfigMap `settings` holding LEVEL=debug and HOST=db; nothing else exists.
    struct Settings;

    impl EnvSources for Settings {
        fn variables(&mut self, from: &EnvFrom) -> Vec<(String, String)> {
            if from.source.name == "settings" {
                vec![
                    ("HOST".to_string(), "db".to_string()),
                    ("LEVEL".to_string(), "debug".to_string()),
                ]
            } else {
                Vec::new()
            }
        }
        fn value(&mut self, _: &str, source: &ObjectRef, key: &str, _: Span) -> Option<String> {
            (source.name == "settings" && key == "LEVEL").then(|| "debug".to_string())
        }
        fn namespace(&self) -> &str {
            "shop"
        }
    }

    fn reference(name: &str) -> ObjectRef {
        ObjectRef {
            kind: ObjectKind::ConfigMap,
            name: name.to_string(),
            optional: true,
            span: Span::default(),
        }
    }

    fn literal(name: &str, value: &str) -> EnvVar {
        EnvVar {
            name: name.to_string(),
            value: EnvValue::Literal(value.to_string()),
            span: Span::default(),
        }
    }

    fn environment(pairs: &[(&str, &str)]) -> Environment {
        let mut env = Environment::default();
        for (name, value) in pairs {
            env.define((*name).to_string(), (*value).to_string());
        }
        env
    }

    #[test]
    fn env_from_first_then_env_later_wins() {
        let recipe = EnvRecipe {
            from: vec![
                EnvFrom {
                    source: reference("settings"),
                    prefix: "APP_".to_string(),
                },
                EnvFrom {
                    source: reference("absent"),
                    prefix: String::new(),
                },
            ],
            variables: vec![
                literal("APP_LEVEL", "info"),
                literal("URL", "http://$(APP_HOST):$(PORT)"),
                EnvVar {
                    name: "COPY".to_string(),
                    value: EnvValue::Key {
                        source: reference("settings"),
                        key: "LEVEL".to_string(),
                        key_span: Span::default(),
                    },
                    span: Span::default(),
                },
                EnvVar {
                    name: "NAMESPACE".to_string(),
                    value: EnvValue::PodNamespace,
                    span: Span::default(),
                },
                EnvVar {
                    name: "UNSET".to_string(),
                    value: EnvValue::Key {
                        source: reference("settings"),
                        key: "MISSING".to_string(),
                        key_span: Span::default(),
                    },
                    span: Span::default(),
                },
            ],
        };
        let pairs = compose_env(&recipe, &mut Settings, &mut ResolvedBytes::default())
            .expect("within the budget")
            .into_pairs();
        let expected = [
            ("APP_HOST", "db"),
            ("APP_LEVEL", "info"),
            ("URL", "http://db:$(PORT)"),
            ("COPY", "debug"),
            ("NAMESPACE", "shop"),
        ];
        assert_eq!(
            pairs,
            expected
                .iter()
                .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn expands_like_the_kubelet() {
        let vars = environment(&[("HOST", "db"), ("PORT", "5432")]);
        let expand = |text: &str| expand_references(text, &vars, usize::MAX);
        assert_eq!(expand("$(HOST):$(PORT)").as_deref(), Some("db:5432"));
        assert_eq!(
            expand("$$(HOST) $(MISSING) $5").as_deref(),
            Some("$(HOST) $(MISSING) $5")
        );
        assert_eq!(expand("$(unterminated").as_deref(), Some("$(unterminated"));
        assert_eq!(
            expand_references("$(HOST):$(PORT)", &vars, 7),
            Some("db:5432".into())
        );
        assert_eq!(expand_references("$(HOST):$(PORT)", &vars, 6), None);
    }

    #[test]
    fn a_redefinition_replaces_and_moves_to_the_end() {
        let env = environment(&[("A", "1"), ("B", "2"), ("A", "3")]);
        assert_eq!(env.get("A"), Some("3"));
        assert_eq!(
            env.into_pairs(),
            vec![
                ("B".to_string(), "2".to_string()),
                ("A".to_string(), "3".to_string())
            ]
        );
    }

    #[test]
    fn stops_a_variable_that_doubles_at_the_budget() {
        // Each variable is the previous one twice: 64 bytes × 2⁴⁰ without the budget.
        let mut variables = vec![literal("A0", &"x".repeat(64))];
        variables.extend((1..=40).map(|i| {
            let previous = i - 1;
            literal(&format!("A{i}"), &format!("$(A{previous})$(A{previous})"))
        }));
        let recipe = EnvRecipe {
            from: Vec::new(),
            variables,
        };
        let error = compose_env(&recipe, &mut Settings, &mut ResolvedBytes::default())
            .expect_err("past the budget");
        assert_eq!(error.code, Code::InputLimit);
        assert!(error.message.contains("`A17`"), "{}", error.message);
    }
}
