//! The resolve phase for what pods read from ConfigMaps and Secrets. With every object of the
//! input collected, each reference finds its object by name in the pod's namespace, as the
//! kubelet does when the pod starts: the containers' variables are composed and each mounted
//! ConfigMap volume becomes files of the VM image (the kubelet's `MakePayload`, in
//! pkg/volume/configmap). An absent object is an error at the reference unless the reference
//! is optional; then the volume is empty or the variable unset, with a warning.

use super::config_map::{ConfigMap, ConfigValue};
use super::object_key::key_problem;
use super::objects::Objects;
use super::pod::{
    DeclaredConfigVolume, EnvFrom, EnvRecipe, EnvSources, EnvValue, ExpansionError, KnownField,
    ObjectKind, ObjectRef, PodConfig, Resolved, ResolvedFrom, boot_reference, compose_env,
    config_volume_dir, expand_references, pod_field, resource_value,
};
use super::reader::Sink;
use super::resolved_bytes::ResolvedBytes;
use crate::diagnostic::{Code, Diagnostic, did_you_mean, one_slip_from};
use crate::input::rules::{LinuxKitField, check_linuxkit_scalar};
use crate::model::boot::{BootValue, BootVolume, PodField, PodInfoContent, PodInfoVolume};
use crate::model::{Container, VmFile, VmFileContent};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

/// Directories i2kit makes in the image, as the kubelet's `AtomicWriter` makes them (0755):
/// every user can reach the files, whose own modes decide who reads them.
const DIRECTORY_MODE: u32 = 0o755;

/// Settles every Deployment's variables, command line and config files.
pub fn resolve_references(objects: &mut Objects, sink: &mut Sink) {
    let Objects {
        deployments,
        pod_configs,
        config_maps,
        secrets,
        ..
    } = objects;
    let catalog = Catalog {
        config_maps,
        secrets,
    };
    let mut budget = ResolvedBytes::default();
    for (pending, config) in deployments.iter_mut().zip(pod_configs.iter()) {
        let errors_before = sink.error_count();
        let deployment = &mut pending.deployment;
        let namespace = deployment.namespace.clone();
        deployment
            .secrets_kms_key
            .clone_from(&config.secrets.kms_key);
        let mut lookup = EnvLookup {
            catalog: &catalog,
            namespace: &namespace,
            config,
            sink,
        };
        let containers = deployment.containers.iter_mut().zip(&config.containers);
        let init_containers = deployment
            .init_containers
            .iter_mut()
            .zip(&config.init_containers);
        deployment.pod_info_volumes = pod_info_volumes(config, &mut lookup);
        let settled = containers
            .chain(init_containers)
            .try_for_each(|(container, recipe)| {
                settle_container(container, recipe, &mut lookup, &mut budget)
            })
            .and_then(|()| volume_files(config, &catalog, &namespace, sink, &mut budget));
        match settled {
            Ok((files, boot_volumes)) => {
                deployment.files = files;
                deployment.boot_volumes = boot_volumes;
            }
            Err(problem) => sink.push(problem),
        }
        if sink.error_count() > errors_before {
            pending.failed = true;
        }
        // Past the budget nothing more is resolved: the first error says why.
        if budget.remaining() == 0 {
            break;
        }
    }
}

/// The mounted `downwardAPI` volumes of the pod, each file's field resolved or left for boot.
fn pod_info_volumes(config: &PodConfig, lookup: &mut EnvLookup<'_>) -> Vec<PodInfoVolume> {
    let mut volumes: Vec<PodInfoVolume> = Vec::new();
    for declared in config
        .pod_info_volumes
        .iter()
        .filter(|volume| volume.mounted)
    {
        // Two volumes of one name: mounts use the first.
        if volumes.iter().any(|volume| volume.name == declared.name) {
            continue;
        }
        let mut files = Vec::new();
        for item in &declared.items {
            if let Some(problem) =
                check_linuxkit_scalar(&item.path, LinuxKitField::CommandWord, Some(item.span))
            {
                lookup.sink.push(problem);
                continue;
            }
            let content = match pod_field(&item.field_path) {
                Some(EnvValue::Boot(field @ (PodField::Name | PodField::Uid))) => {
                    PodInfoContent::Field(field)
                }
                Some(EnvValue::Known(
                    field @ (KnownField::Namespace
                    | KnownField::Labels
                    | KnownField::Annotations
                    | KnownField::Label(_)
                    | KnownField::Annotation(_)),
                )) => match lookup.known_field(&field) {
                    Ok(text) => {
                        // A fetch argument: LinuxKit would rewrite one that starts with `@`.
                        if let Some(problem) = check_linuxkit_scalar(
                            &text,
                            LinuxKitField::CommandWord,
                            Some(item.span),
                        ) {
                            lookup.sink.push(problem);
                            continue;
                        }
                        PodInfoContent::Text(text)
                    }
                    Err(problem) => {
                        lookup.sink.push(problem);
                        continue;
                    }
                },
                _ => {
                    lookup.sink.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            Some(item.span),
                            format!("a `downwardAPI` volume cannot hold pod field `{}`", item.field_path),
                        )
                        .with_help("a volume holds metadata.name, metadata.namespace, metadata.uid, metadata.labels and metadata.annotations (or one label or annotation); use an environment variable for the others"),
                    );
                    continue;
                }
            };
            files.push((item.path.clone(), item.mode, content));
        }
        volumes.push(PodInfoVolume {
            name: declared.name.clone(),
            files,
        });
    }
    volumes
}

/// The container's environment, and its command line expanded from it as the kubelet does.
fn settle_container(
    container: &mut Container,
    recipe: &EnvRecipe,
    lookup: &mut EnvLookup<'_>,
    budget: &mut ResolvedBytes,
) -> Result<(), Diagnostic> {
    let env = compose_env(recipe, lookup, budget)?;
    let span = container.spans.args.or(container.spans.image);
    let command_span = container.spans.command;
    let what = format!("the command line of container `{}`", container.name);
    for argv in [&mut container.command, &mut container.args_after_entrypoint]
        .into_iter()
        .flatten()
    {
        for word in argv.iter_mut() {
            let expanded = match expand_references(word, &env, budget.remaining()) {
                Ok(expanded) => expanded,
                Err(ExpansionError::TooLong) => return Err(budget.exceeded(&what, span)),
                Err(ExpansionError::AtBoot(reference)) => {
                    return Err(boot_reference(
                        &reference,
                        &what,
                        command_span.or(span).unwrap_or_default(),
                    ));
                }
            };
            budget.take(expanded.len(), &what, span)?;
            // The written words were checked where they were read; a variable's value can
            // still start one.
            if let Some(mut problem) =
                check_linuxkit_scalar(&expanded, LinuxKitField::CommandWord, command_span)
            {
                problem.message = format!(
                    "`{word}` expands from the container's environment, and the {}",
                    problem.message
                );
                lookup.sink.push(problem);
            }
            *word = expanded;
        }
    }
    let (env, boot) = env.into_parts();
    if !boot.is_empty() {
        let secret_from = recipe
            .from
            .iter()
            .find(|from| from.source.kind == ObjectKind::Secret)
            .map(|from| from.source.span);
        let variable = recipe
            .variables
            .iter()
            .find(|variable| match &variable.value {
                EnvValue::Boot(_) => true,
                EnvValue::Key { source, .. } => source.kind == ObjectKind::Secret,
                _ => false,
            })
            .map(|variable| variable.span);
        container.spans.boot = secret_from.or(variable);
    }
    container.env = (!env.is_empty()).then_some(env);
    container.boot_env = boot;
    Ok(())
}

/// The ConfigMaps and Secrets of the input, by (name, namespace).
struct Catalog<'a> {
    config_maps: &'a BTreeMap<(String, String), ConfigMap>,
    secrets: &'a BTreeSet<(String, String)>,
}

enum Found<'a> {
    ConfigMap(&'a ConfigMap),
    /// A Secret of the input: an error of its own already, so its references say nothing.
    Secret,
    Absent,
}

impl<'a> Catalog<'a> {
    fn find(&self, source: &ObjectRef, namespace: &str) -> Found<'a> {
        let key = (source.name.clone(), namespace.to_string());
        match source.kind {
            ObjectKind::ConfigMap => self
                .config_maps
                .get(&key)
                .map_or(Found::Absent, Found::ConfigMap),
            ObjectKind::Secret if self.secrets.contains(&key) => Found::Secret,
            ObjectKind::Secret => Found::Absent,
        }
    }

    /// Other namespaces holding a ConfigMap of that name: a likely slip worth naming.
    fn elsewhere(&self, source: &ObjectRef, namespace: &str) -> Vec<&'a str> {
        match source.kind {
            ObjectKind::ConfigMap => self
                .config_maps
                .range((source.name.clone(), String::new())..)
                .take_while(|((name, _), _)| *name == source.name)
                .map(|((_, other), _)| other.as_str())
                .filter(|other| *other != namespace)
                .collect(),
            ObjectKind::Secret => Vec::new(),
        }
    }

    /// The name of an object of `source`'s kind in `namespace` that `source` likely misspells.
    fn similar(&self, source: &ObjectRef, namespace: &str) -> Option<&'a str> {
        let names: Vec<&'a str> = match source.kind {
            ObjectKind::ConfigMap => self
                .config_maps
                .keys()
                .filter(|(_, other)| other == namespace)
                .map(|(name, _)| name.as_str())
                .collect(),
            ObjectKind::Secret => self
                .secrets
                .iter()
                .filter(|(_, other)| other == namespace)
                .map(|(name, _)| name.as_str())
                .collect(),
        };
        did_you_mean(&source.name, names.iter().copied())
            .or_else(|| one_slip_from(&source.name, names))
    }

    /// Reports ConfigMap `source`, absent from `namespace` (an absent Secret is fetched at
    /// boot instead). `consequence` says what an optional reference then means: "volume
    /// `config` is mounted empty".
    fn report_absent(
        &self,
        source: &ObjectRef,
        namespace: &str,
        consequence: &str,
        sink: &mut Sink,
    ) {
        let name = &source.name;
        let elsewhere = self.elsewhere(source, namespace);
        let hint = match self.similar(source, namespace) {
            Some(suggestion) => format!("did you mean `{suggestion}`? If not, "),
            None if elsewhere.is_empty() => String::new(),
            None => format!(
                "ConfigMap `{name}` is in namespace `{}`, and a pod reads only its own namespace's; ",
                elsewhere.join("`, `")
            ),
        };
        if source.optional {
            sink.push(
                Diagnostic::warning(
                    Code::OptionalReferenceAbsent,
                    Some(source.span),
                    format!(
                        "optional ConfigMap `{name}` is not in namespace `{namespace}` of the input: {consequence}, as in Kubernetes"
                    ),
                )
                .with_help(format!(
                    "{hint}add the ConfigMap to the input if the container needs it"
                )),
            );
            return;
        }
        sink.push(
            Diagnostic::error(
                Code::ExternalReference,
                Some(source.span),
                format!("ConfigMap `{name}` is not in namespace `{namespace}` of the input"),
            )
            .with_help(format!(
                "{hint}add it to the input (the files `kubectl apply -f` would take), or mark the reference `optional: true` if the pod runs without it: then {consequence}"
            )),
        );
    }
}

/// A key `configMapKeyRef` or `items` names, absent from `map`.
fn report_missing_key(
    map: &ConfigMap,
    source: &ObjectRef,
    key: &str,
    span: Span,
    consequence: &str,
    sink: &mut Sink,
) {
    let name = &map.name;
    if source.optional {
        sink.push(Diagnostic::warning(
            Code::OptionalReferenceAbsent,
            Some(span),
            format!(
                "key `{key}` is not in optional ConfigMap `{name}`: {consequence}, as in Kubernetes"
            ),
        ));
        return;
    }
    let text_keys: Vec<&str> = map
        .entries
        .iter()
        .filter(|(_, entry)| matches!(entry.value, ConfigValue::Text(_)))
        .map(|(key, _)| key.as_str())
        .collect();
    let help = if map.entries.contains_key(key) {
        format!(
            "`{key}` is under binaryData, and the kubelet reads variables from `data` only; mount it as a file instead"
        )
    } else if let Some(suggestion) = did_you_mean(key, map.entries.keys().map(String::as_str)) {
        format!("did you mean `{suggestion}`?")
    } else if text_keys.is_empty() {
        format!("ConfigMap `{name}` has no `data` key")
    } else {
        format!("its keys are: {}", text_keys.join(", "))
    };
    sink.push(
        Diagnostic::error(
            Code::ExternalReference,
            Some(span),
            format!("ConfigMap `{name}` has no key `{key}`"),
        )
        .with_help(help),
    );
}

/// What composing a container's environment asks of the ConfigMaps and Secrets.
struct EnvLookup<'a> {
    catalog: &'a Catalog<'a>,
    namespace: &'a str,
    config: &'a PodConfig,
    sink: &'a mut Sink,
}

/// The kubelet's form of a label or annotation map (`fieldpath.FormatMap`): `key="value"`
/// lines, keys sorted, values quoted as Go's `%q` quotes them.
fn format_map(pairs: &[(String, String)]) -> String {
    let sorted: std::collections::BTreeMap<&str, &str> = pairs
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    sorted
        .into_iter()
        .map(|(key, value)| format!("{key}={}", go_quote(value)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Go's `strconv.Quote` for the text a YAML string can hold: `\"`, `\\`, the C escapes, and
/// `\xNN`/`\uNNNN` for other control or non-printable characters.
fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len().saturating_add(2));
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl EnvLookup<'_> {
    /// Where an absent Secret is fetched at boot; `None` after reporting why it cannot be.
    fn external(&mut self, source: &ObjectRef) -> Option<crate::model::boot::ExternalSecret> {
        self.config
            .secrets
            .secret(&source.name, self.namespace, source.span)
            .map_err(|problem| self.sink.push(problem))
            .ok()
    }
}

impl EnvSources for EnvLookup<'_> {
    fn known_field(&self, field: &KnownField) -> Result<String, Diagnostic> {
        let find = |pairs: &[(String, String)], key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        Ok(match field {
            KnownField::Namespace => self.namespace.to_string(),
            KnownField::ServiceAccount => self.config.service_account.clone(),
            KnownField::Labels => format_map(&self.config.labels),
            KnownField::Annotations => format_map(&self.config.annotations),
            KnownField::Label(key) => find(&self.config.labels, key),
            KnownField::Annotation(key) => find(&self.config.annotations, key),
            KnownField::Resource(resource) => {
                let Some((_, amounts)) = self
                    .config
                    .amounts
                    .iter()
                    .find(|(name, _)| *name == resource.container)
                else {
                    return Err(Diagnostic::error(
                        Code::InvalidValue,
                        Some(resource.span),
                        format!(
                            "`containerName: {}` names no container of this pod",
                            resource.container
                        ),
                    ));
                };
                resource_value(resource, amounts)?
            }
        })
    }

    fn variables(&mut self, from: &EnvFrom) -> ResolvedFrom {
        match self.catalog.find(&from.source, self.namespace) {
            // The kubelet reads `data`; `binaryData` keys define no variable.
            Found::ConfigMap(map) => ResolvedFrom::Known(
                map.entries
                    .iter()
                    .filter_map(|(key, entry)| match &entry.value {
                        ConfigValue::Text(text) => Some((key.clone(), text.clone())),
                        ConfigValue::Binary(_) => None,
                    })
                    .collect(),
            ),
            Found::Secret => ResolvedFrom::Known(Vec::new()),
            Found::Absent if from.source.kind == ObjectKind::Secret => {
                match self.external(&from.source) {
                    Some(secret) => ResolvedFrom::Boot {
                        secret,
                        optional: from.source.optional,
                    },
                    None => ResolvedFrom::Known(Vec::new()),
                }
            }
            Found::Absent => {
                self.catalog.report_absent(
                    &from.source,
                    self.namespace,
                    "the variables it would define are unset",
                    self.sink,
                );
                ResolvedFrom::Known(Vec::new())
            }
        }
    }

    fn value(&mut self, variable: &str, source: &ObjectRef, key: &str, key_span: Span) -> Resolved {
        let consequence = format!("variable `{variable}` is unset");
        match self.catalog.find(source, self.namespace) {
            Found::ConfigMap(map) => match map.text(key) {
                Some(value) => Resolved::Known(value.to_string()),
                None => {
                    report_missing_key(map, source, key, key_span, &consequence, self.sink);
                    Resolved::Unset
                }
            },
            Found::Secret => Resolved::Unset,
            Found::Absent if source.kind == ObjectKind::Secret => match self.external(source) {
                Some(_) if key_problem(key).is_some() => {
                    self.sink.push(invalid_secret_key(key, key_span));
                    Resolved::Unset
                }
                Some(secret) => Resolved::Boot(BootValue::SecretKey {
                    secret,
                    key: key.to_string(),
                    optional: source.optional,
                }),
                None => Resolved::Unset,
            },
            Found::Absent => {
                self.catalog
                    .report_absent(source, self.namespace, &consequence, self.sink);
                Resolved::Unset
            }
        }
    }
}

/// One file a volume projects: which entry, with which mode, written where in the input.
struct Projected<'a> {
    map: &'a ConfigMap,
    key: &'a str,
    mode: u32,
    span: Span,
}

/// The files of `declared`, by path in the volume, as the kubelet's `MakePayload` projects
/// them; `None` when the object is absent (the volume is empty) or a Secret.
fn payload<'a>(
    declared: &DeclaredConfigVolume,
    catalog: &Catalog<'a>,
    namespace: &str,
    sink: &mut Sink,
) -> Option<BTreeMap<String, Projected<'a>>> {
    let volume = &declared.volume;
    let map = match catalog.find(&volume.source, namespace) {
        Found::ConfigMap(map) => map,
        Found::Secret => return None,
        Found::Absent => {
            let consequence = format!("volume `{}` is mounted empty", declared.name);
            catalog.report_absent(&volume.source, namespace, &consequence, sink);
            return None;
        }
    };
    let mut files = BTreeMap::new();
    if volume.items.is_empty() {
        for (key, entry) in &map.entries {
            files.insert(
                key.clone(),
                Projected {
                    map,
                    key,
                    mode: volume.default_mode,
                    span: entry.span,
                },
            );
        }
        return Some(files);
    }
    for item in &volume.items {
        let Some((key, _)) = map.entries.get_key_value(&item.key) else {
            let consequence = format!("the item is left out of volume `{}`", declared.name);
            report_missing_key(
                map,
                &volume.source,
                &item.key,
                item.span,
                &consequence,
                sink,
            );
            continue;
        };
        let projected = Projected {
            map,
            key,
            mode: item.mode.unwrap_or(volume.default_mode),
            span: item.span,
        };
        if let Some(earlier) = files.insert(item.path.clone(), projected) {
            sink.push(Diagnostic::warning(
                Code::IgnoredField,
                Some(earlier.span),
                format!(
                    "item `{}` of volume `{}` is ignored: a later item writes path `{}` too, and the kubelet keeps the later",
                    earlier.key, declared.name, item.path
                ),
            ));
        }
    }
    Some(files)
}

/// The error for a key no Secret can hold (`IsConfigMapKey`, which the API server applies to
/// Secret keys too).
fn invalid_secret_key(key: &str, span: Span) -> Diagnostic {
    let why = key_problem(key).unwrap_or_default();
    Diagnostic::error(
        Code::InvalidValue,
        Some(span),
        format!(
            "`{}` cannot be a key of a Secret: {why}",
            key.escape_debug()
        ),
    )
    .with_help("name a key of the secret's JSON object made of letters, digits, '-', '_' and '.'")
}

/// A mounted `secret` volume of a Secret absent from the input, fetched at boot; `None` when
/// it is in the input (an error of its own) or cannot be named (reported).
fn boot_volume(
    declared: &DeclaredConfigVolume,
    config: &PodConfig,
    catalog: &Catalog<'_>,
    namespace: &str,
    sink: &mut Sink,
) -> Option<BootVolume> {
    let source = &declared.volume.source;
    if !matches!(catalog.find(source, namespace), Found::Absent) {
        return None;
    }
    let secret = config
        .secrets
        .secret(&source.name, namespace, source.span)
        .map_err(|problem| sink.push(problem))
        .ok()?;
    let mut valid = true;
    for item in &declared.volume.items {
        if key_problem(&item.key).is_some() {
            sink.push(invalid_secret_key(&item.key, item.span));
            valid = false;
        }
        if let Some(problem) =
            check_linuxkit_scalar(&item.path, LinuxKitField::CommandWord, Some(item.span))
        {
            sink.push(problem);
            valid = false;
        }
    }
    if !valid {
        return None;
    }
    Some(BootVolume {
        name: declared.name.clone(),
        secret,
        optional: source.optional,
        items: declared
            .volume
            .items
            .iter()
            .map(|item| {
                (
                    item.key.clone(),
                    item.path.clone(),
                    item.mode.unwrap_or(declared.volume.default_mode),
                )
            })
            .collect(),
        default_mode: declared.volume.default_mode,
    })
}

/// The image's files for every mounted ConfigMap volume of the pod, and the mounted `secret`
/// volumes fetched at boot.
///
/// # Errors
/// I2K007 at the volume whose files would go past `budget`.
fn volume_files(
    config: &PodConfig,
    catalog: &Catalog<'_>,
    namespace: &str,
    sink: &mut Sink,
    budget: &mut ResolvedBytes,
) -> Result<(Vec<VmFile>, Vec<BootVolume>), Diagnostic> {
    let mut tree = FileTree::default();
    let mut boot_volumes: Vec<BootVolume> = Vec::new();
    for declared in &config.volumes {
        if declared.volume.source.kind == ObjectKind::Secret {
            // Two volumes of one name: mounts use the first.
            if declared.mounted && !boot_volumes.iter().any(|v| v.name == declared.name) {
                boot_volumes.extend(boot_volume(declared, config, catalog, namespace, sink));
            }
            continue;
        }
        let files = payload(declared, catalog, namespace, sink);
        let root = config_volume_dir(&declared.name);
        // Two volumes of one name: mounts use the first.
        if !declared.mounted || tree.entries.contains_key(&root) {
            continue;
        }
        // Nothing else lives under a volume's own directory, so nothing is in the way.
        let _ = tree.add_directories(&root, "");
        for (path, projected) in files.iter().flatten() {
            let Some(entry) = projected.map.entries.get(projected.key) else {
                continue;
            };
            let size = match &entry.value {
                ConfigValue::Text(text) => text.len(),
                ConfigValue::Binary(bytes) => bytes.len(),
            };
            budget.take(
                size.saturating_add(path.len()),
                &format!("the files of volume `{}`", declared.name),
                Some(declared.volume.source.span),
            )?;
            let text = match &entry.value {
                ConfigValue::Text(text) => text.clone(),
                ConfigValue::Binary(bytes) => match String::from_utf8(bytes.clone()) {
                    Ok(text) => text,
                    Err(_) => {
                        sink.push(binary_not_text(projected, &declared.name, entry.span));
                        continue;
                    }
                },
            };
            if let Some(problem) =
                check_linuxkit_scalar(&text, LinuxKitField::FileContents, Some(entry.span))
            {
                sink.push(problem);
                continue;
            }
            if let Err(file) = tree.add_file(&root, path, text, projected.mode) {
                sink.push(path_conflict(path, &file, &declared.name, projected.span));
            }
        }
        for sub_path in config
            .sub_paths
            .iter()
            .filter(|sub_path| sub_path.volume == declared.name)
        {
            let target = [root.as_str(), sub_path.path.as_str()].join("/");
            if tree.entries.contains_key(&target) {
                continue;
            }
            if let Err(file) = tree.add_directories(&root, &sub_path.path) {
                sink.push(path_conflict(
                    &sub_path.path,
                    &file,
                    &declared.name,
                    sub_path.span,
                ));
                continue;
            }
            // An absent volume was reported already; it is empty, as the warning said.
            if files.is_some() {
                sink.push(
                    Diagnostic::warning(
                        Code::InvalidValue,
                        Some(sub_path.span),
                        format!(
                            "subPath `{}` names nothing in volume `{}`: an empty directory is mounted, as the kubelet makes one",
                            sub_path.path, declared.name
                        ),
                    )
                    .with_help("name one of the volume's keys (or `items` paths)"),
                );
            }
        }
    }
    Ok((tree.entries.into_values().collect(), boot_volumes))
}

fn binary_not_text(projected: &Projected<'_>, volume: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::BinaryConfigData,
        Some(span),
        format!(
            "binaryData `{}` of ConfigMap `{}` is not UTF-8 text, so volume `{volume}` cannot carry it: LinuxKit's `files:` hold text",
            projected.key, projected.map.name
        ),
    )
    .with_help("build the file into the container image, or keep it base64-encoded under `data` and decode it when the container starts")
}

fn path_conflict(path: &str, file: &str, volume: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidValue,
        Some(span),
        format!("path `{path}` of volume `{volume}` lies under `{file}`, which is a file"),
    )
    .with_help("give the files paths that do not nest under one another")
}

/// Files and directories by absolute path: sorted, so each directory comes before what it
/// holds, and LinuxKit makes no parent directory with a mode of its own choosing.
#[derive(Default)]
struct FileTree {
    entries: BTreeMap<String, VmFile>,
}

impl FileTree {
    /// `root` and the directories of `relative` under it (empty: `root` alone).
    ///
    /// Errors with the relative path of a file in the way.
    fn add_directories(&mut self, root: &str, relative: &str) -> Result<(), String> {
        let mut path = root.to_string();
        let mut walked = Vec::new();
        for segment in std::iter::once("").chain(relative.split('/').filter(|s| !s.is_empty())) {
            if !segment.is_empty() {
                path = [path.as_str(), segment].join("/");
                walked.push(segment);
            }
            match self.entries.get(&path).map(|file| &file.content) {
                Some(VmFileContent::Directory) => {}
                Some(VmFileContent::Text(_)) => return Err(walked.join("/")),
                None => {
                    self.entries.insert(
                        path.clone(),
                        VmFile {
                            path: path.clone(),
                            content: VmFileContent::Directory,
                            mode: DIRECTORY_MODE,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// A file at `relative` under `root`, with its directories.
    ///
    /// Errors with the relative path of a file in the way, or of `relative` itself when it
    /// is a directory already.
    fn add_file(
        &mut self,
        root: &str,
        relative: &str,
        text: String,
        mode: u32,
    ) -> Result<(), String> {
        let parent = relative.rsplit_once('/').map_or("", |(parent, _)| parent);
        self.add_directories(root, parent)?;
        let path = [root, relative].join("/");
        if self.entries.contains_key(&path) {
            return Err(relative.to_string());
        }
        self.entries.insert(
            path.clone(),
            VmFile {
                path,
                content: VmFileContent::Text(text),
                mode,
            },
        );
        Ok(())
    }
}
