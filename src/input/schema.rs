//! The manifest's JSON Schema: generated from the `input::manifest` types, printed by
//! `i2kit schema`, kept byte-identical in `schema/`, and used to check every short manifest,
//! so editors, `check-jsonschema` and `i2kit validate` agree.

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::input::manifest::Manifest;
use crate::input::rules::invalid_dns_label;
use crate::internal_error::InternalError;
use crate::source::Span;
use crate::yaml::{Node, Value as YamlValue};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The schema as a JSON value.
pub fn manifest_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        // Draft-07: every editor and validator reads it, and its single meta-schema makes
        // building the validator several times cheaper than 2020-12's vocabularies, a cost
        // paid on every run (see BENCHMARKS.md).
        let generator = schemars::generate::SchemaSettings::draft07().into_generator();
        let mut schema = generator.into_root_schema_for::<Manifest>().to_value();
        remove_null_alternatives(&mut schema);
        schema
    })
}

/// An optional field is simply left out: `null` in its place is not a manifest value, and
/// listing it would make every type error read "expected array or null".
fn remove_null_alternatives(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|kind| kind != "null");
                if types.len() == 1 {
                    let single = types.remove(0);
                    object.insert("type".to_string(), single);
                }
            }
            if let Some(Value::Array(alternatives)) = object.get_mut("anyOf") {
                alternatives.retain(|alternative| {
                    alternative.get("type").and_then(Value::as_str) != Some("null")
                });
                if alternatives.len() == 1 {
                    let single = alternatives.remove(0);
                    object.remove("anyOf");
                    if let Value::Object(fields) = single {
                        for (key, value) in fields {
                            object.entry(key).or_insert(value);
                        }
                    }
                }
            }
            for value in object.values_mut() {
                remove_null_alternatives(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(remove_null_alternatives),
        _ => {}
    }
}

/// The schema file's exact text: pretty JSON with a final newline.
///
/// # Errors
/// When the schema does not serialize.
pub fn schema_text() -> Result<String, InternalError> {
    let mut text = serde_json::to_string_pretty(manifest_schema())
        .map_err(|error| InternalError::serializing("the manifest schema", &error))?;
    text.push('\n');
    Ok(text)
}

fn validator() -> Option<&'static Validator> {
    static VALIDATOR: OnceLock<Option<Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::validator_for(manifest_schema()).ok())
        .as_ref()
}

/// Every schema violation in one document, each at the line of the offending node.
#[must_use]
pub fn check_against_schema(root: &Node) -> Vec<Diagnostic> {
    let Some(validator) = validator() else {
        return vec![Diagnostic::error(
            Code::InvalidValue,
            None,
            "internal error: the manifest schema does not compile",
        )];
    };
    let instance = root.to_json();
    let mut diagnostics = Vec::new();
    for error in validator.iter_errors(&instance) {
        describe(&error, root, &mut diagnostics);
    }
    diagnostics.dedup();
    diagnostics
}

/// `docs/manifest.md`: the manifest reference, generated from the schema so the two cannot
/// disagree (a test compares the file with this text).
#[must_use]
pub fn reference_markdown() -> String {
    let schema = manifest_schema();
    let mut out = String::from(
        "# i2kit manifest reference\n\n\
         Generated from `schema/i2kit.schema.json` (`I2KIT_BLESS=1 cargo test --test docs` rewrites it).\n\n",
    );
    if let Some(description) = schema.get("description").and_then(Value::as_str) {
        out.push_str(description);
        out.push_str("\n\n");
    }
    out.push_str("## Manifest\n\n");
    properties_table(schema, &mut out);
    if let Some(Value::Object(definitions)) =
        schema.get("definitions").or_else(|| schema.get("$defs"))
    {
        for (name, definition) in definitions {
            let title = definition
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or(name);
            out.push_str(&format!(
                "\n## {title} <a id=\"{}\"></a>\n\n",
                name.to_ascii_lowercase()
            ));
            if let Some(description) = definition.get("description").and_then(Value::as_str) {
                out.push_str(description);
                out.push_str("\n\n");
            }
            if definition.get("properties").is_some() {
                properties_table(definition, &mut out);
            } else {
                out.push_str(&format!("Type: {}\n", type_name(definition)));
            }
        }
    }
    out
}

fn properties_table(schema: &Value, out: &mut String) {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    out.push_str("| field | type | default | description |\n|---|---|---|---|\n");
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return;
    };
    for (name, property) in properties {
        let default = match property.get("default") {
            Some(value) => format!("`{value}`"),
            None if required.contains(&name.as_str()) => "required".to_string(),
            None => "—".to_string(),
        };
        let title = property
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let description = property
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .replace('\n', " ")
            .replace('|', "\\|");
        out.push_str(&format!(
            "| `{name}` | {} | {default} | **{title}.** {description} |\n",
            type_name(property)
        ));
    }
}

fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("[{name}](#{})", name.to_ascii_lowercase());
    }
    for combinator in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = schema.get(combinator) {
            return options
                .iter()
                .map(type_name)
                .collect::<Vec<_>>()
                .join(" or ");
        }
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        return values
            .iter()
            .map(|value| format!("`{}`", value.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", ");
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!(
            "list of {}",
            schema.get("items").map_or("values".to_string(), type_name)
        ),
        Some("object") => match schema.get("additionalProperties") {
            Some(Value::Object(_)) => format!(
                "map of name → {}",
                schema
                    .get("additionalProperties")
                    .map_or(String::new(), type_name)
            ),
            _ => "mapping".to_string(),
        },
        Some(kind) => kind.to_string(),
        None => "value".to_string(),
    }
}

/// `/containers/web/ports/0` as a person reads it: `containers.web.ports[0]`.
#[must_use]
pub fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.bytes().all(|byte| byte.is_ascii_digit()) && !segment.is_empty() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    if out.is_empty() {
        "the document".to_string()
    } else {
        out
    }
}

#[must_use]
pub fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Unknown fields reported one by one per object; beyond this, one summary says how many.
const MAX_UNKNOWN_REPORTED: usize = 20;

/// Where in the manifest a schema error points: the JSON pointer, the node there (if any), its
/// span and its name as the author reads it.
struct Place<'a> {
    pointer: String,
    node: Option<&'a Node>,
    span: Option<Span>,
    field: String,
}

impl Place<'_> {
    /// ` in <field>`, or nothing at the document's root, where naming the place says nothing.
    fn in_field(&self) -> String {
        if self.pointer.is_empty() {
            String::new()
        } else {
            format!(" in {}", self.field)
        }
    }

    fn given(&self) -> String {
        self.node.and_then(Node::scalar_text).unwrap_or_default()
    }

    fn found(&self) -> &'static str {
        self.node.map_or("nothing", Node::type_name)
    }

    fn is_port(&self) -> bool {
        self.pointer.contains("/ports/")
    }
}

/// Turns one schema error into the diagnostics an author can act on, by the kind of error.
fn describe(error: &ValidationError<'_>, root: &Node, out: &mut Vec<Diagnostic>) {
    let pointer = error.instance_path().as_str().to_string();
    let node = root.find(&pointer, false);
    let place = Place {
        span: node.map(|node| node.span),
        field: display_path(&pointer),
        node,
        pointer,
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let known = known_properties(error.schema_path().as_str());
            unknown_fields(unexpected, &known, &place, out);
        }
        ValidationErrorKind::Required { property } => {
            out.push(missing_field(
                property.as_str().unwrap_or_default(),
                root,
                &place,
            ));
        }
        ValidationErrorKind::Type { kind } => out.push(wrong_type(kind, &place)),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            no_alternative_fits(context, root, &place, out);
        }
        ValidationErrorKind::Enum { options } => out.push(not_an_option(options, &place)),
        ValidationErrorKind::MinProperties { .. } if place.pointer == "/containers" => {
            out.push(no_containers(place.span));
        }
        ValidationErrorKind::Pattern { .. }
        | ValidationErrorKind::MaxLength { .. }
        | ValidationErrorKind::MinLength { .. }
            if place.pointer == "/name" =>
        {
            out.push(invalid_dns_label(&place.given(), place.span));
        }
        kind => out.push(outside_limit(kind, &place)),
    }
}

/// Keys the object's schema does not know, each at its own line with the nearest known name.
fn unknown_fields(
    unexpected: &[String],
    known: &[String],
    place: &Place,
    out: &mut Vec<Diagnostic>,
) {
    // One pass over the object's keys: finding each unexpected key from the root would be
    // quadratic in the keys of a large object.
    let key_spans: HashMap<String, Span> = match place.node.map(|object| &object.value) {
        Some(YamlValue::Mapping(entries)) => entries
            .iter()
            .filter_map(|(key, _)| Some((key.scalar_text()?, key.span)))
            .collect(),
        _ => HashMap::new(),
    };
    // A few are enough to act on; a file of half a million unknown keys would otherwise print
    // half a million errors and hold them all in memory.
    if unexpected.len() > MAX_UNKNOWN_REPORTED {
        out.push(
            Diagnostic::error(
                Code::UnknownField,
                place.span,
                format!(
                    "{} unknown fields{}; the first {MAX_UNKNOWN_REPORTED} are listed",
                    unexpected.len(),
                    place.in_field()
                ),
            )
            .with_help("check that the file is an i2kit manifest"),
        );
    }
    for key in unexpected.iter().take(MAX_UNKNOWN_REPORTED) {
        let key_span = key_spans.get(key.as_str()).copied().or(place.span);
        let diagnostic = Diagnostic::error(
            Code::UnknownField,
            key_span,
            format!("unknown field `{key}`{}", place.in_field()),
        );
        out.push(match did_you_mean(key, known.iter().map(String::as_str)) {
            Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
            None if !known.is_empty() => {
                diagnostic.with_help(format!("expected one of: {}", known.join(", ")))
            }
            None => diagnostic,
        });
    }
}

/// A required field is absent: point at the object's key (or the document) and show an example.
fn missing_field(property: &str, root: &Node, place: &Place) -> Diagnostic {
    let at = if place.pointer.is_empty() {
        place.span
    } else {
        root.find(&place.pointer, true).map(|node| node.span)
    };
    let help = match property {
        "image" => "add `image: <repository>:<tag>`, e.g. `image: nginx:1.27.3`",
        "name" => "add `name: <dns-label>`, e.g. `name: web`; it becomes the host name",
        "containers" => {
            "add `containers:` with at least one container, e.g. `web: {image: nginx:1.27.3}`"
        }
        _ => "add the field",
    };
    Diagnostic::error(
        Code::MissingField,
        at,
        format!("missing required field `{property}`{}", place.in_field()),
    )
    .with_help(help)
}

/// The value has the wrong YAML type; JSON's type names become YAML's (list, mapping).
fn wrong_type(kind: &TypeKind, place: &Place) -> Diagnostic {
    let expected = match kind {
        TypeKind::Single(single) => single.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    };
    let expected = match expected.as_str() {
        "array" => "list".to_string(),
        "object" => "mapping".to_string(),
        _ => expected,
    };
    Diagnostic::error(
        Code::WrongType,
        place.span,
        format!(
            "{} must be {}, found {}",
            place.field,
            article(&expected),
            place.found()
        ),
    )
}

/// No branch of an `anyOf`/`oneOf` accepts the value. When exactly one branch has the value's
/// type, its own errors say what to fix; otherwise the field's accepted shapes are named.
fn no_alternative_fits(
    context: &[Vec<ValidationError<'static>>],
    root: &Node,
    place: &Place,
    out: &mut Vec<Diagnostic>,
) {
    let matching: Vec<&Vec<ValidationError<'static>>> = context
        .iter()
        .filter(|branch| {
            !branch.iter().any(|inner| {
                matches!(inner.kind(), ValidationErrorKind::Type { .. })
                    && inner.instance_path().as_str() == place.pointer
            })
        })
        .collect();
    if let [branch] = matching.as_slice() {
        for inner in branch.iter() {
            describe(inner, root, out);
        }
        return;
    }
    let expected = accepted_shapes(&place.pointer)
        .map_or_else(|| expected_types(context, &place.pointer), str::to_string);
    let code = if place.is_port() {
        Code::PortSyntax
    } else {
        Code::WrongType
    };
    out.push(Diagnostic::error(
        code,
        place.span,
        format!(
            "{} must be {expected}, found {}",
            place.field,
            place.found()
        ),
    ));
}

/// The shapes a field with several spellings accepts, in the author's words.
fn accepted_shapes(pointer: &str) -> Option<&'static str> {
    if pointer.contains("/ports/") {
        Some(
            "a port number, a string such as \"8080:80\" or \"https:443:http:80\", or an object with `port`",
        )
    } else if pointer.ends_with("/env") {
        Some("a map of NAME: value, or a list of \"NAME=value\"")
    } else if pointer.ends_with("/maxSurge") || pointer.ends_with("/maxUnavailable") {
        Some("a count such as 1 or a percentage such as \"25%\"")
    } else {
        None
    }
}

/// A value outside a fixed set of words, with the nearest one suggested.
fn not_an_option(options: &Value, place: &Place) -> Diagnostic {
    let options: Vec<&str> = options
        .as_array()
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let given = place.given();
    let diagnostic = Diagnostic::error(
        Code::InvalidValue,
        place.span,
        format!(
            "{} cannot be `{given}`: expected one of {}",
            place.field,
            options.join(", ")
        ),
    );
    match did_you_mean(&given, options.iter().copied()) {
        Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
        None => diagnostic,
    }
}

fn no_containers(span: Option<Span>) -> Diagnostic {
    Diagnostic::error(
        Code::EmptyContainers,
        span,
        "`containers` is empty: a deployment runs at least one container",
    )
    .with_help("add a container, e.g. `web: {image: nginx:1.27.3, ports: [80]}`")
}

/// A value beyond a bound or pattern of the schema; a port out of range says so in its terms.
fn outside_limit(kind: &ValidationErrorKind, place: &Place) -> Diagnostic {
    let given = place.given();
    let code = if place.is_port() {
        Code::PortSyntax
    } else {
        Code::InvalidValue
    };
    let port_out_of_range = place.is_port()
        && matches!(
            kind,
            ValidationErrorKind::Minimum { .. } | ValidationErrorKind::Maximum { .. }
        );
    let message = if port_out_of_range {
        format!("port {given} in {} is outside 1–65535", place.field)
    } else {
        format!(
            "{} must be {}, found `{given}`",
            place.field,
            rule_broken(kind)
        )
    };
    Diagnostic::error(code, place.span, message)
}

/// The schema's bound in words: `at least 1`, `text matching `…``.
fn rule_broken(kind: &ValidationErrorKind) -> String {
    match kind {
        ValidationErrorKind::Minimum { limit } => format!("at least {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("at most {limit}"),
        ValidationErrorKind::MinLength { limit } => format!("at least {limit} characters long"),
        ValidationErrorKind::MaxLength { limit } => format!("at most {limit} characters long"),
        ValidationErrorKind::MinProperties { limit } => {
            format!("a mapping with at least {limit} entries")
        }
        ValidationErrorKind::Pattern { pattern } => format!("text matching `{pattern}`"),
        other => format!("valid ({})", other.keyword()),
    }
}

/// The types the branches of an `anyOf` accept at `pointer`, read from their type errors
/// (`a string, a number or a boolean`), so the message names what the schema really wants.
fn expected_types(context: &[Vec<ValidationError<'static>>], pointer: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    for inner in context.iter().flatten() {
        let ValidationErrorKind::Type { kind } = inner.kind() else {
            continue;
        };
        if inner.instance_path().as_str() != pointer {
            continue;
        }
        let types: Vec<String> = match kind {
            jsonschema::error::TypeKind::Single(single) => vec![single.to_string()],
            jsonschema::error::TypeKind::Multiple(set) => {
                set.iter().map(|t| t.to_string()).collect()
            }
        };
        for name in types {
            let name = match name.as_str() {
                "array" => "list".to_string(),
                "object" => "mapping".to_string(),
                _ => name,
            };
            let name = article(&name);
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    match names.split_last() {
        None => "another type".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn article(noun: &str) -> String {
    match noun.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {noun}"),
        _ => format!("a {noun}"),
    }
}

/// The property names of the object schema an `additionalProperties` error came from.
fn known_properties(schema_path: &str) -> Vec<String> {
    let schema = manifest_schema();
    let mut segments: Vec<&str> = schema_path.split('/').skip(1).collect();
    segments.pop();
    let mut node = schema;
    for segment in segments {
        node = match node.get(segment) {
            Some(Value::String(reference)) if segment == "$ref" => {
                match resolve_reference(schema, reference) {
                    Some(target) => target,
                    None => return Vec::new(),
                }
            }
            Some(next) => next,
            None => match segment
                .parse::<usize>()
                .ok()
                .and_then(|index| node.get(index))
            {
                Some(next) => next,
                None => return Vec::new(),
            },
        };
    }
    node.get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

fn resolve_reference<'a>(schema: &'a Value, reference: &str) -> Option<&'a Value> {
    schema.pointer(reference.strip_prefix('#')?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_naturally() {
        assert_eq!(
            display_path("/containers/web/ports/0"),
            "containers.web.ports[0]"
        );
        assert_eq!(display_path(""), "the document");
    }

    #[test]
    fn known_properties_follow_references() {
        let names = known_properties(
            "/properties/containers/additionalProperties/$ref/additionalProperties",
        );
        assert!(names.contains(&"image".to_string()), "{names:?}");
    }
}
