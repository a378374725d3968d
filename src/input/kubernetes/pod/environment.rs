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
use super::resource_field::ResourceField;
use crate::diagnostic::{Code, Diagnostic};
use crate::input::credential;
use crate::input::rules;
use crate::model::boot::{BootValue, BootVariable, ExternalSecret, PodField};
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
    /// `valueFrom.fieldRef` of a pod field that is the same on every VM of the Deployment,
    /// so it is known when compiling.
    Known(KnownField),
    /// `valueFrom.fieldRef` of a pod field that differs per VM: read when the VM boots.
    Boot(PodField),
}

/// The pod fields the same on every VM of a Deployment (the kubelet's Downward API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownField {
    Namespace,
    ServiceAccount,
    /// Every label, as the kubelet formats them: `key="value"` lines, keys sorted.
    Labels,
    Annotations,
    Label(String),
    Annotation(String),
    /// `resourceFieldRef`: a limit or request the manifest sets.
    Resource(ResourceField),
}

/// What a `fieldRef.fieldPath` of an environment variable names, as the API server allows
/// them (`validEnvDownwardAPIFieldPathExpressions`, pkg/apis/core/validation): `None` for a
/// path Kubernetes refuses.
pub fn pod_field(path: &str) -> Option<EnvValue> {
    let subscript = |prefix: &str| {
        path.strip_prefix(prefix)?
            .strip_prefix("['")?
            .strip_suffix("']")
            .map(str::to_string)
    };
    Some(match path {
        "metadata.namespace" => EnvValue::Known(KnownField::Namespace),
        "spec.serviceAccountName" => EnvValue::Known(KnownField::ServiceAccount),
        "metadata.labels" => EnvValue::Known(KnownField::Labels),
        "metadata.annotations" => EnvValue::Known(KnownField::Annotations),
        "metadata.name" => EnvValue::Boot(PodField::Name),
        "metadata.uid" => EnvValue::Boot(PodField::Uid),
        // One address per VM: the lists the kubelet comma-joins have one entry.
        "status.podIP" | "status.podIPs" | "status.hostIP" | "status.hostIPs" => {
            EnvValue::Boot(PodField::Ip)
        }
        "spec.nodeName" => EnvValue::Boot(PodField::NodeName),
        _ => {
            if let Some(key) = subscript("metadata.labels") {
                EnvValue::Known(KnownField::Label(key))
            } else {
                EnvValue::Known(KnownField::Annotation(subscript("metadata.annotations")?))
            }
        }
    })
}

/// What a reference to a ConfigMap or Secret key comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Known(String),
    /// Fetched when the VM boots.
    Boot(BootValue),
    /// The variable is unset (an optional reference to what is absent).
    Unset,
}

/// What an `envFrom` source comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolvedFrom {
    /// `(key, value)` pairs, in key order; none when the object is absent.
    Known(Vec<(String, String)>),
    /// Every key of a secret kept outside the input, fetched when the VM boots.
    Boot {
        secret: ExternalSecret,
        optional: bool,
    },
}

/// What the resolve phase answers while an environment is composed.
pub trait EnvSources {
    /// What an `envFrom` source defines; an absent object is reported by the implementation.
    fn variables(&mut self, from: &EnvFrom) -> ResolvedFrom;
    /// The value of `key` (written at `key_span`) for variable `variable`; an unset one is
    /// reported by the implementation.
    fn value(&mut self, variable: &str, source: &ObjectRef, key: &str, key_span: Span) -> Resolved;
    /// The value of a pod field known when compiling.
    ///
    /// # Errors
    /// When the field has no value i2kit can know (an unset limit).
    fn known_field(&self, field: &KnownField) -> Result<String, Diagnostic>;
}

/// `envFrom` and `env` as written.
pub fn read_env(object: &mut Object<'_>, container: &str, sink: &mut Sink) -> EnvRecipe {
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
                let read = read_value_from(
                    &mut from,
                    name.as_deref().unwrap_or_default(),
                    container,
                    sink,
                );
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
fn read_value_from(
    from: &mut Object<'_>,
    name: &str,
    container: &str,
    sink: &mut Sink,
) -> Option<EnvValue> {
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
        let path = field.string("fieldPath", sink).unwrap_or_default();
        let path_span = field.value_span("fieldPath").unwrap_or(field.span());
        let version_span = field.value_span("apiVersion");
        let version = field.string("apiVersion", sink);
        field.finish(sink, |_| None);
        if let Some(version) = version.filter(|version| version != "v1") {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    version_span,
                    format!("`fieldRef.apiVersion` `{version}` is not one Kubernetes converts"),
                )
                .with_help("write `apiVersion: v1`, or leave it out"),
            );
            return None;
        }
        let value = pod_field(&path);
        if value.is_none() {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(path_span),
                    format!("environment variable `{name}` names pod field `{path}`, which the Downward API does not offer"),
                )
                .with_help("use one of metadata.name, metadata.namespace, metadata.uid, metadata.labels['KEY'], metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName, status.podIP, status.podIPs, status.hostIP, status.hostIPs"),
            );
        }
        return value;
    }
    if let Some(mut field) = from.object("resourceFieldRef", sink) {
        let span = field.span();
        let resource = field.string("resource", sink);
        let container = field
            .string("containerName", sink)
            .filter(|written| !written.is_empty())
            .unwrap_or_else(|| container.to_string());
        let divisor = field
            .string("divisor", sink)
            .unwrap_or_else(|| "1".to_string());
        field.finish(sink, |_| None);
        let Some(resource) = resource else {
            sink.push(Diagnostic::error(
                Code::MissingField,
                Some(span),
                format!("`resourceFieldRef` of environment variable `{name}` names no `resource`"),
            ));
            return None;
        };
        return Some(EnvValue::Known(KnownField::Resource(ResourceField {
            container,
            resource,
            divisor,
            span,
        })));
    }
    for key in ["fileKeyRef"] {
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
    slots: Vec<Option<Slot>>,
    /// Each defined name's slot.
    index: HashMap<String, usize>,
    /// The slot of the last `envFrom` whose names are known only at boot: a name defined
    /// before it may be replaced then.
    last_opaque: Option<usize>,
}

#[derive(Debug)]
enum Slot {
    Known(String, String),
    Boot(String, BootValue),
    /// `envFrom` of a secret kept outside the input: names known only at boot.
    AllKeys {
        secret: ExternalSecret,
        prefix: String,
        optional: bool,
    },
}

/// What a `$(NAME)` reference finds.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    Known(&'a str),
    Undefined,
    /// The value, or whether the name is defined at all, is known only when the VM boots.
    AtBoot,
}

/// Why a text could not be expanded.
#[derive(Debug, PartialEq, Eq)]
pub enum ExpansionError {
    /// The result would be longer than the limit.
    TooLong,
    /// `$(NAME)` refers to a variable known only at boot.
    AtBoot(String),
}

impl Environment {
    fn define(&mut self, name: String, slot: Slot) {
        if let Some(replaced) = self.index.insert(name, self.slots.len())
            && let Some(old) = self.slots.get_mut(replaced)
        {
            *old = None;
        }
        self.slots.push(Some(slot));
    }

    fn define_known(&mut self, name: String, value: String) {
        self.define(name.clone(), Slot::Known(name, value));
    }

    fn define_all_keys(&mut self, secret: ExternalSecret, prefix: String, optional: bool) {
        self.last_opaque = Some(self.slots.len());
        self.slots.push(Some(Slot::AllKeys {
            secret,
            prefix,
            optional,
        }));
    }

    /// What variable `name` holds when the container starts, as far as it is known now.
    #[must_use]
    pub fn get(&self, name: &str) -> Lookup<'_> {
        let found = self
            .index
            .get(name)
            .and_then(|slot| Some((*slot, self.slots.get(*slot)?.as_ref()?)));
        match found {
            Some((slot, Slot::Known(_, value)))
                if self.last_opaque.is_none_or(|opaque| slot > opaque) =>
            {
                Lookup::Known(value)
            }
            None if self.last_opaque.is_none() => Lookup::Undefined,
            _ => Lookup::AtBoot,
        }
    }

    /// The variables known when compiling, in order, and the steps that define the others
    /// at boot, in order.
    #[must_use]
    pub fn into_parts(self) -> (Vec<(String, String)>, Vec<BootVariable>) {
        let mut known = Vec::new();
        let mut boot = Vec::new();
        let slots: Vec<Slot> = self.slots.into_iter().flatten().collect();
        for (position, slot) in slots.iter().enumerate() {
            match slot {
                Slot::Known(name, value) => known.push((name.clone(), value.clone())),
                Slot::Boot(name, value) => boot.push(BootVariable::One {
                    name: name.clone(),
                    value: value.clone(),
                }),
                Slot::AllKeys {
                    secret,
                    prefix,
                    optional,
                } => boot.push(BootVariable::AllKeys {
                    secret: secret.clone(),
                    prefix: prefix.clone(),
                    optional: *optional,
                    later: slots
                        .iter()
                        .skip(position.saturating_add(1))
                        .filter_map(|later| match later {
                            Slot::Known(name, _) => Some(name.clone()),
                            _ => None,
                        })
                        .collect(),
                }),
            }
        }
        (known, boot)
    }
}

/// The environment of `recipe` in the kubelet's order: `envFrom` sources, then `env`. Every
/// variable is counted against `budget` before it is made.
///
/// # Errors
/// I2K007 at the variable or `envFrom` entry that would go past the budget; I2K070 at a
/// variable whose `$(NAME)` refers to a variable known only at boot.
pub fn compose_env(
    recipe: &EnvRecipe,
    sources: &mut impl EnvSources,
    budget: &mut ResolvedBytes,
) -> Result<Environment, Diagnostic> {
    let mut env = Environment::default();
    for from in &recipe.from {
        match sources.variables(from) {
            ResolvedFrom::Known(pairs) => {
                for (key, value) in pairs {
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
                    env.define_known(name, value);
                }
            }
            ResolvedFrom::Boot { secret, optional } => {
                env.define_all_keys(secret, from.prefix.clone(), optional);
            }
        }
    }
    for variable in &recipe.variables {
        let what = || format!("environment variable `{}`", variable.name);
        let name = variable.name.clone();
        let slot = match &variable.value {
            EnvValue::Literal(text) => match expand_references(text, &env, budget.remaining()) {
                Ok(value) => Slot::Known(name.clone(), value),
                Err(ExpansionError::TooLong) => {
                    return Err(budget.exceeded(&what(), Some(variable.span)));
                }
                Err(ExpansionError::AtBoot(reference)) => {
                    return Err(boot_reference(&reference, &what(), variable.span));
                }
            },
            EnvValue::Key {
                source,
                key,
                key_span,
            } => match sources.value(&variable.name, source, key, *key_span) {
                Resolved::Known(value) => Slot::Known(name.clone(), value),
                Resolved::Boot(value) => Slot::Boot(name.clone(), value),
                Resolved::Unset => continue,
            },
            EnvValue::Known(field) => Slot::Known(name.clone(), sources.known_field(field)?),
            EnvValue::Boot(field) => Slot::Boot(name.clone(), BootValue::Field(*field)),
        };
        let size = match &slot {
            Slot::Known(_, value) => value.len(),
            _ => 0,
        };
        budget.take(
            variable.name.len().saturating_add(size),
            &what(),
            Some(variable.span),
        )?;
        env.define(name, slot);
    }
    Ok(env)
}

/// The error for `$(reference)` in `what` (written at `span`), a variable known only at boot.
#[must_use]
pub fn boot_reference(reference: &str, what: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::BootValue,
        Some(span),
        format!(
            "{what} refers to `$({reference})`, whose value is known only when the VM boots: Kubernetes would expand it, and i2kit cannot"
        ),
    )
    .with_help(format!(
        "have the program read `{reference}` from its environment, or run the command through a shell of the image (`sh -c '… ${reference} …'`); if `$({reference})` is meant literally, write `$$({reference})`"
    ))
}

/// Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` is a literal `$`, and
/// undefined references stay as written.
///
/// # Errors
/// When the result would be longer than `limit` bytes (found before it is built), or a
/// reference names a variable known only at boot.
pub fn expand_references(
    text: &str,
    variables: &Environment,
    limit: usize,
) -> Result<String, ExpansionError> {
    let mut out = String::with_capacity(text.len().min(limit));
    let push = |out: &mut String, piece: &str| {
        if out.len().saturating_add(piece.len()) <= limit {
            out.push_str(piece);
            Ok(())
        } else {
            Err(ExpansionError::TooLong)
        }
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
                Lookup::Known(value) => push(&mut out, value)?,
                Lookup::Undefined => push(&mut out, &rest[index..index + end + 3])?,
                Lookup::AtBoot => return Err(ExpansionError::AtBoot(name.to_string())),
            }
            rest = &inner[end + 1..];
        } else {
            push(&mut out, "$")?;
            rest = after;
        }
    }
    push(&mut out, rest)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One ConfigMap `settings` holding LEVEL=debug and HOST=db; nothing else exists.
    struct Settings;

    impl EnvSources for Settings {
        fn variables(&mut self, from: &EnvFrom) -> ResolvedFrom {
            match from.source.name.as_str() {
                "settings" => ResolvedFrom::Known(vec![
                    ("HOST".to_string(), "db".to_string()),
                    ("LEVEL".to_string(), "debug".to_string()),
                ]),
                "vault" => ResolvedFrom::Boot {
                    secret: vault(),
                    optional: false,
                },
                _ => ResolvedFrom::Known(Vec::new()),
            }
        }
        fn value(&mut self, _: &str, source: &ObjectRef, key: &str, _: Span) -> Resolved {
            match (source.name.as_str(), key) {
                ("settings", "LEVEL") => Resolved::Known("debug".to_string()),
                ("vault", _) => Resolved::Boot(BootValue::SecretKey {
                    secret: vault(),
                    key: key.to_string(),
                    optional: false,
                }),
                _ => Resolved::Unset,
            }
        }
        fn known_field(&self, field: &KnownField) -> Result<String, Diagnostic> {
            Ok(match field {
                KnownField::Namespace => "shop".to_string(),
                _ => String::new(),
            })
        }
    }

    fn vault() -> ExternalSecret {
        ExternalSecret {
            store: crate::model::boot::SecretStore::SecretsManager,
            id: "shop/vault".to_string(),
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
            env.define_known((*name).to_string(), (*value).to_string());
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
                    value: EnvValue::Known(KnownField::Namespace),
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
        let (pairs, boot) = compose_env(&recipe, &mut Settings, &mut ResolvedBytes::default())
            .expect("within the budget")
            .into_parts();
        assert!(boot.is_empty());
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
        let expand = |text: &str| expand_references(text, &vars, usize::MAX).ok();
        assert_eq!(expand("$(HOST):$(PORT)").as_deref(), Some("db:5432"));
        assert_eq!(
            expand("$$(HOST) $(MISSING) $5").as_deref(),
            Some("$(HOST) $(MISSING) $5")
        );
        assert_eq!(expand("$(unterminated").as_deref(), Some("$(unterminated"));
        assert_eq!(
            expand_references("$(HOST):$(PORT)", &vars, 7),
            Ok("db:5432".into())
        );
        assert_eq!(
            expand_references("$(HOST):$(PORT)", &vars, 6),
            Err(ExpansionError::TooLong)
        );
    }

    #[test]
    fn a_redefinition_replaces_and_moves_to_the_end() {
        let env = environment(&[("A", "1"), ("B", "2"), ("A", "3")]);
        assert_eq!(env.get("A"), Lookup::Known("3"));
        assert_eq!(
            env.into_parts().0,
            vec![
                ("B".to_string(), "2".to_string()),
                ("A".to_string(), "3".to_string())
            ]
        );
    }

    #[test]
    fn a_reference_to_what_only_boot_knows_is_an_error_and_later_known_names_win() {
        let key = |name: &str| EnvVar {
            name: name.to_string(),
            value: EnvValue::Key {
                source: reference("vault"),
                key: "password".to_string(),
                key_span: Span::default(),
            },
            span: Span::default(),
        };
        let boot_name = EnvVar {
            name: "POD".to_string(),
            value: EnvValue::Boot(PodField::Name),
            span: Span::default(),
        };
        // Known before an `envFrom` of the vault: the vault may replace it at boot.
        let recipe = |variables: Vec<EnvVar>| EnvRecipe {
            from: vec![EnvFrom {
                source: reference("vault"),
                prefix: "V_".to_string(),
            }],
            variables,
        };
        let compose = |variables| {
            compose_env(
                &recipe(variables),
                &mut Settings,
                &mut ResolvedBytes::default(),
            )
        };
        for refers in ["$(POD)", "$(PASSWORD)", "$(V_USER)", "$(UNDEFINED)"] {
            let error = compose(vec![
                boot_name.clone(),
                key("PASSWORD"),
                literal("URL", refers),
            ])
            .expect_err(refers);
            assert_eq!(error.code, Code::BootValue, "{refers}");
        }
        let (known, boot) = compose(vec![
            literal("A", "1"),
            literal("URL", "x$(A)"),
            key("PASSWORD"),
            literal("PASSWORD", "plain"),
        ])
        .expect("known after the envFrom")
        .into_parts();
        assert_eq!(
            known,
            vec![
                ("A".to_string(), "1".to_string()),
                ("URL".to_string(), "x1".to_string()),
                ("PASSWORD".to_string(), "plain".to_string())
            ]
        );
        let [BootVariable::AllKeys { later, .. }] = boot.as_slice() else {
            panic!("one envFrom step: {boot:?}");
        };
        assert_eq!(later, &["A", "URL", "PASSWORD"]);
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
