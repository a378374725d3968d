//! YAML into a tree that remembers where every node came from.
//!
//! serde_yaml reports a position only for its first error and has no node-position API, so
//! input is read with saphyr-parser's event stream instead. Every later diagnostic (schema,
//! semantic, Kubernetes warnings) can then point at the exact line and column, and all of a
//! file's problems can be reported in one run. Plain scalars are resolved with the YAML 1.2
//! core schema, as serde_yaml does, so `yes` stays a string and `0x1F` is a number.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Position, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Guards against hostile input; each is far beyond what a real manifest needs.
pub const MAX_DEPTH: usize = 64;
/// Nodes produced by expanding aliases, per application (all its files together): a "billion
/// laughs" stops here.
pub const MAX_ALIAS_NODES: usize = 10_000;
/// Nodes per application, all its files together (keys, values and items). A 10,000-line
/// manifest has about 20,000; the cap bounds the tree, the diagnostics and the model of
/// everything after it, whatever shape an 8 MiB input takes (half a million one-line keys took
/// 5 s and 340 MB before it), and however many files it is spread over.
pub const MAX_NODES: usize = 200_000;
/// Bytes of scalar text copied for anchors and aliases, per application: 5,000 aliases of one
/// 700 KB string, within every node limit, took 3.5 GB before it. Every anchored node is
/// copied once when it ends (so aliases can refer to it) and once more per alias.
pub const MAX_ALIAS_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Sequence(Vec<Node>),
    Mapping(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// The integer a YAML 1.1 reader makes of this plain scalar, when it is not `value`:
    /// kubectl reads manifests with go-yaml v2 (sigs.k8s.io/yaml), where `0644` is octal 420
    /// and `0b1010` and `1_000` are numbers, while YAML 1.2 reads 644 and two strings. Only
    /// Kubernetes readers use it (see [`yaml_1_1_integer`]).
    pub yaml_1_1_int: Option<i64>,
}

impl Node {
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The entry of a mapping whose key is the string `key`: (key node, value node).
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Mapping(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar_text().as_deref() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// A scalar as the text a JSON object key would hold.
    #[must_use]
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some("null".to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Int(number) => Some(number.to_string()),
            Value::Float(number) => Some(number.to_string()),
            Value::String(text) => Some(text.clone()),
            Value::Sequence(_) | Value::Mapping(_) => None,
        }
    }

    /// Follows a JSON pointer (`/containers/web/ports/0`) down the tree. With `key` set, the
    /// last step returns the mapping key's node rather than its value, so an "unknown field"
    /// can underline the field name.
    #[must_use]
    pub fn find(&self, pointer: &str, key: bool) -> Option<&Node> {
        let mut node = self;
        let segments: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
            .collect();
        for (index, segment) in segments.iter().enumerate() {
            let last = index + 1 == segments.len();
            node = match &node.value {
                Value::Mapping(_) => {
                    let (key_node, value_node) = node.entry(segment)?;
                    if last && key { key_node } else { value_node }
                }
                Value::Sequence(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The same data as JSON, for schema validation and typed deserialisation.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(flag) => Json::Bool(*flag),
            Value::Int(number) => Json::from(*number),
            Value::Float(number) => {
                serde_json::Number::from_f64(*number).map_or(Json::Null, Json::Number)
            }
            Value::String(text) => Json::String(text.clone()),
            Value::Sequence(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Mapping(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(key, value)| (key.scalar_text().unwrap_or_default(), value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// One `---` document of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Node,
}

/// Parses every document of a file. Stops at the first syntax error: the parser cannot
/// recover past one, and later positions would be meaningless.
///
/// # Errors
/// A syntax error, a duplicate key, an unsupported tag, or an exceeded limit.
pub fn parse_documents(text: &str) -> Result<Vec<Document>, Diagnostic> {
    parse_documents_in(text, 0, &mut Budget::default())
}

/// What the files of one application have used of the node limits so far: the limits bound
/// the application, so spreading it over many files does not multiply them.
#[derive(Debug, Default)]
pub struct Budget {
    nodes: usize,
    alias_nodes: usize,
    alias_bytes: usize,
}

impl Budget {
    /// Whether a limit was reached: no further file can be read.
    #[must_use]
    pub fn is_spent(&self) -> bool {
        self.nodes > MAX_NODES
            || self.alias_nodes > MAX_ALIAS_NODES
            || self.alias_bytes > MAX_ALIAS_BYTES
    }
}

/// [`parse_documents`] for the file at index `file` of an application, every span marked with
/// it, counting nodes against `budget`.
///
/// # Errors
/// As [`parse_documents`], located in `file`.
pub fn parse_documents_in(
    text: &str,
    file: usize,
    budget: &mut Budget,
) -> Result<Vec<Document>, Diagnostic> {
    let mut builder = TreeBuilder {
        file,
        nodes: budget.nodes,
        alias_nodes: budget.alias_nodes,
        alias_bytes: budget.alias_bytes,
        ..TreeBuilder::default()
    };
    let mut parser = Parser::new_from_str(text);
    let result = (|| {
        while let Some(event) = parser.next_event() {
            let (event, span) = event.map_err(|error| {
                let marker = error.marker();
                let position = Position {
                    line: marker.line(),
                    column: marker.col() + 1,
                };
                syntax_error(text, file, position, error.info())
            })?;
            builder.on_event(event, convert_span(span, file))?;
        }
        Ok(())
    })();
    budget.nodes = builder.nodes;
    budget.alias_nodes = builder.alias_nodes;
    budget.alias_bytes = builder.alias_bytes;
    result.map(|()| builder.documents)
}

fn convert_span(span: saphyr_parser::Span, file: usize) -> Span {
    Span {
        file,
        start: Position {
            line: span.start.line(),
            column: span.start.col() + 1,
        },
        end: Position {
            line: span.end.line(),
            column: span.end.col() + 1,
        },
    }
}

fn syntax_error(text: &str, file: usize, position: Position, info: &str) -> Diagnostic {
    if info.contains("recursion limit") {
        return Diagnostic::error(
            Code::InputLimit,
            Some(Span {
                file,
                start: position,
                end: position,
            }),
            "the document nests too deeply to be a manifest",
        )
        .with_help("a manifest is never this deep; check that the file is the one you meant");
    }
    let diagnostic = Diagnostic::error(
        Code::YamlSyntax,
        Some(Span {
            file,
            start: position,
            end: position,
        }),
        format!("invalid YAML: {info}"),
    );
    if info.contains("surrogate") {
        return diagnostic.with_help(
            "a character beyond U+FFFF is written as itself, as \\U and eight hexadecimal digits (\\U0001F600), or as JSON writes it: two \\u escapes, a high surrogate then a low one (\\uD83D\\uDE00)",
        );
    }
    let line = text.split('\n').nth(position.line.saturating_sub(1));
    match line.and_then(|line| tab_near(line, position.column)) {
        Some((column, indentation)) => {
            let mut diagnostic = diagnostic;
            if let Some(span) = &mut diagnostic.span {
                span.start.column = column;
                span.end.column = column;
            }
            diagnostic.with_help(if indentation {
                "YAML indentation must use spaces; replace the tab with spaces"
            } else {
                "YAML separates a key from its value, and one item from the next, with spaces here; replace the tab with a space"
            })
        }
        None => diagnostic.with_help("check the indentation and quoting around this position"),
    }
}

/// The tab a parser error at `column` (1-based, in characters) of `line` is most likely about:
/// the last one at or before the column, else the line's first; with whether it indents the
/// line (nothing but blanks before it). `None` when the line has no tab before its comment
/// or trailing blanks.
fn tab_near(line: &str, column: usize) -> Option<(usize, bool)> {
    let content = line.trim_end();
    let tabs: Vec<usize> = content
        .chars()
        .enumerate()
        .filter(|(_, character)| *character == '\t')
        .map(|(index, _)| index + 1)
        .collect();
    let tab = tabs
        .iter()
        .rev()
        .find(|tab| **tab <= column)
        .or(tabs.first())
        .copied()?;
    let indentation = content
        .chars()
        .take(tab - 1)
        .all(|character| character == ' ' || character == '\t');
    Some((tab, indentation))
}

enum Open {
    Sequence(Vec<Node>, Span, Option<usize>),
    Mapping(
        Vec<(Node, Node)>,
        Option<Node>,
        Span,
        Option<usize>,
        KeyIndex,
    ),
}

/// The keys of an open mapping as text, with the line each was first set at: each key is
/// checked against it in constant time, so a mapping of n keys costs O(n), not the O(n²) of
/// comparing with every earlier key (20,000 keys took 2.5 s that way).
type KeyIndex = std::collections::HashMap<String, usize>;

#[derive(Default)]
struct TreeBuilder {
    /// The index of the file being read, marked on every span.
    file: usize,
    stack: Vec<Open>,
    nodes: usize,
    anchors: std::collections::HashMap<usize, Node>,
    alias_nodes: usize,
    alias_bytes: usize,
    documents: Vec<Document>,
}

impl TreeBuilder {
    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => Ok(()),
            Event::DocumentStart(_) => {
                self.anchors.clear();
                Ok(())
            }
            Event::Alias(id) => {
                let (nodes, bytes) = self.anchors.get(&id).map(measure).ok_or_else(|| {
                    Diagnostic::error(Code::YamlSyntax, Some(span), "alias to an unknown anchor")
                })?;
                self.alias_nodes = self.alias_nodes.saturating_add(nodes);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(Diagnostic::error(
                        Code::InputLimit,
                        Some(span),
                        format!("YAML aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                    )
                    .with_help("this looks like an alias bomb; write the values out instead of nesting aliases"));
                }
                self.copy_alias_bytes(bytes, span)?;
                let Some(node) = self.anchors.get(&id).cloned() else {
                    return Ok(());
                };
                self.push(Node {
                    value: node.value,
                    span,
                    yaml_1_1_int: node.yaml_1_1_int,
                })
            }
            Event::Scalar(text, style, anchor, tag) => {
                // Only plain scalars are numbers, in either YAML version.
                let yaml_1_1_int = (tag.is_none() && style == ScalarStyle::Plain)
                    .then(|| yaml_1_1_integer(&text))
                    .flatten();
                let value = match tag {
                    Some(tag) if !tag.is_yaml_core_schema() => {
                        return Err(unsupported_tag(&tag, span).with_help(
                            "quote the value if it is meant as text, e.g. \"!Ref Name\"",
                        ));
                    }
                    Some(tag) => resolve_tagged(&text, &tag.suffix, span)?,
                    None if style == ScalarStyle::Plain => resolve_plain(&text),
                    None => Value::String(text.into_owned()),
                };
                let yaml_1_1_int = yaml_1_1_int.filter(|integer| value != Value::Int(*integer));
                let node = Node {
                    value,
                    span,
                    yaml_1_1_int,
                };
                self.remember(anchor, &node)?;
                self.push(node)
            }
            Event::SequenceStart(_, Some(tag)) | Event::MappingStart(_, Some(tag))
                if !tag.is_yaml_core_schema() =>
            {
                Err(unsupported_tag(&tag, span))
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(span)?;
                self.stack
                    .push(Open::Sequence(Vec::new(), span, anchor_id(anchor)));
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(span)?;
                self.stack.push(Open::Mapping(
                    Vec::new(),
                    None,
                    span,
                    anchor_id(anchor),
                    KeyIndex::new(),
                ));
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                // A closed collection keeps no spare capacity: the tree lives through the whole
                // run, and a mapping of two entries grown to four holds 350 bytes for nothing,
                // which for the tens of thousands of a large `env` came to 12 MB.
                let node = match self.stack.pop() {
                    Some(Open::Sequence(mut items, start, anchor)) => {
                        items.shrink_to_fit();
                        self.close(Value::Sequence(items), start, span, anchor)?
                    }
                    Some(Open::Mapping(mut entries, _, start, anchor, _)) => {
                        entries.shrink_to_fit();
                        self.close(Value::Mapping(entries), start, span, anchor)?
                    }
                    None => return Ok(()),
                };
                self.push(node)
            }
        }
    }

    fn check_depth(&self, span: Span) -> Result<(), Diagnostic> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Diagnostic::error(
                Code::InputLimit,
                Some(span),
                format!("the document nests deeper than {MAX_DEPTH} levels"),
            )
            .with_help("a manifest is never this deep; check that the file is the one you meant"));
        }
        Ok(())
    }

    /// The node a collection opened at `start` and closed at `end` becomes, remembered under
    /// its anchor if it has one.
    fn close(
        &mut self,
        value: Value,
        start: Span,
        end: Span,
        anchor: Option<usize>,
    ) -> Result<Node, Diagnostic> {
        let node = Node {
            value,
            span: Span {
                file: self.file,
                start: start.start,
                end: end.end,
            },
            yaml_1_1_int: None,
        };
        self.remember(anchor.unwrap_or(0), &node)?;
        Ok(node)
    }

    fn remember(&mut self, anchor: usize, node: &Node) -> Result<(), Diagnostic> {
        if anchor != 0 {
            self.copy_alias_bytes(measure(node).1, node.span)?;
            self.anchors.insert(anchor, node.clone());
        }
        Ok(())
    }

    /// Counts `bytes` of scalar text copied for an anchor or alias at `span`.
    fn copy_alias_bytes(&mut self, bytes: usize, span: Span) -> Result<(), Diagnostic> {
        self.alias_bytes = self.alias_bytes.saturating_add(bytes);
        if self.alias_bytes > MAX_ALIAS_BYTES {
            return Err(Diagnostic::error(
                Code::InputLimit,
                Some(span),
                format!(
                    "YAML anchors and aliases copy more than {} MiB of text",
                    MAX_ALIAS_BYTES / (1024 * 1024)
                ),
            )
            .with_help("write the values out instead of repeating large ones through aliases"));
        }
        Ok(())
    }

    fn push(&mut self, node: Node) -> Result<(), Diagnostic> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Diagnostic::error(
                Code::InputLimit,
                Some(node.span),
                format!("the input has more than {MAX_NODES} YAML nodes"),
            )
            .with_help("no application is this large; check that the files are the ones you meant, or split the application into several"));
        }
        match self.stack.last_mut() {
            None => {
                self.documents.push(Document { root: node });
                Ok(())
            }
            Some(Open::Sequence(items, _, _)) => {
                items.push(node);
                Ok(())
            }
            Some(Open::Mapping(entries, pending_key, _, _, keys)) => match pending_key.take() {
                None => {
                    if let Some(text) = node.scalar_text() {
                        match keys.entry(text) {
                            std::collections::hash_map::Entry::Occupied(first) => {
                                let text = first.key();
                                return Err(Diagnostic::error(
                                    Code::DuplicateKey,
                                    Some(node.span),
                                    format!("duplicate key `{text}`"),
                                )
                                .with_help(format!(
                                    "`{text}` is already set at line {}; keep one of them",
                                    first.get()
                                )));
                            }
                            std::collections::hash_map::Entry::Vacant(slot) => {
                                slot.insert(node.span.start.line);
                            }
                        }
                    }
                    *pending_key = Some(node);
                    Ok(())
                }
                Some(key) => {
                    entries.push((key, node));
                    Ok(())
                }
            },
        }
    }
}

fn unsupported_tag(tag: &saphyr_parser::Tag, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::UnsupportedYaml,
        Some(span),
        format!("YAML tag `{}{}` is not supported", tag.handle, tag.suffix),
    )
}

fn anchor_id(anchor: usize) -> Option<usize> {
    (anchor != 0).then_some(anchor)
}

/// The nodes of a subtree, and the bytes of its string scalars.
fn measure(node: &Node) -> (usize, usize) {
    let add = |(nodes, bytes): (usize, usize), (more_nodes, more_bytes): (usize, usize)| {
        (
            nodes.saturating_add(more_nodes),
            bytes.saturating_add(more_bytes),
        )
    };
    match &node.value {
        Value::String(text) => (1, text.len()),
        Value::Sequence(items) => items.iter().map(measure).fold((1, 0), add),
        Value::Mapping(entries) => entries
            .iter()
            .map(|(key, value)| add(measure(key), measure(value)))
            .fold((1, 0), add),
        _ => (1, 0),
    }
}

fn resolve_tagged(text: &str, suffix: &str, span: Span) -> Result<Value, Diagnostic> {
    let resolved = match suffix {
        "str" => Some(Value::String(text.to_string())),
        "null" => Some(Value::Null),
        "bool" | "int" | "float" => Some(resolve_plain(text)).filter(|value| {
            matches!(
                (suffix, value),
                ("bool", Value::Bool(_))
                    | ("int", Value::Int(_))
                    | ("float", Value::Float(_) | Value::Int(_))
            )
        }),
        _ => None,
    };
    resolved.ok_or_else(|| {
        Diagnostic::error(
            Code::UnsupportedYaml,
            Some(span),
            format!("`{text}` is not a valid !!{suffix}"),
        )
    })
}

/// YAML 1.2 core schema resolution of an unquoted scalar.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(number) = i64::from_str_radix(hex, 16) {
            return Value::Int(number);
        }
    } else if let Some(octal) = text.strip_prefix("0o") {
        if let Ok(number) = i64::from_str_radix(octal, 8) {
            return Value::Int(number);
        }
    } else if is_decimal_integer(text) {
        if let Ok(number) = text.parse::<i64>() {
            return Value::Int(number);
        }
    }
    if is_float(text)
        && let Ok(number) = text.parse::<f64>()
    {
        return Value::Float(number);
    }
    Value::String(text.to_string())
}

/// An unquoted scalar as go-yaml v2 resolves integers (`resolve.go`): underscores dropped,
/// then Go's `strconv.ParseInt(text, 0, 64)` (`0x` hex, `0o` or a leading `0` octal, `0b`
/// binary, else decimal), then the `0b`/`-0b` forms. YAML 1.1's sexagesimal integers are
/// not among them: go-yaml never supported those.
#[must_use]
pub fn yaml_1_1_integer(text: &str) -> Option<i64> {
    // go-yaml tries numbers only for scalars starting with a digit or a sign; most scalars
    // (names, images) stop here without allocating.
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        return None;
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    let (negative, unsigned) = match plain.as_bytes().first() {
        Some(b'-') => (true, &plain[1..]),
        Some(b'+') => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    let lower = unsigned.get(..2).map(str::to_ascii_lowercase);
    let (digits, radix) = match lower.as_deref() {
        Some("0x") => (&unsigned[2..], 16),
        Some("0o") => (&unsigned[2..], 8),
        Some("0b") => (&unsigned[2..], 2),
        _ if unsigned.len() > 1 && unsigned.starts_with('0') => (&unsigned[1..], 8),
        _ => (unsigned, 10),
    };
    // from_str_radix would take a second sign after the prefix; Go does not.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

fn is_decimal_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(index) => (&body[..index], Some(&body[index + 1..])),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            (!whole.is_empty() || !fraction.is_empty())
                && whole.bytes().all(|byte| byte.is_ascii_digit())
                && fraction.bytes().all(|byte| byte.is_ascii_digit())
        }
        None => is_decimal_integer(mantissa) && !mantissa.starts_with(['-', '+']),
    };
    let exponent_ok = exponent.is_none_or(is_decimal_integer);
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        parse_documents(text).expect("valid yaml").remove(0).root
    }

    #[test]
    fn resolves_core_schema_scalars() {
        assert_eq!(resolve_plain("80"), Value::Int(80));
        assert_eq!(resolve_plain("yes"), Value::String("yes".into()));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("1.7.9"), Value::String("1.7.9".into()));
        assert_eq!(
            root("a: '80'").get("a").map(|n| n.value.clone()),
            Some(Value::String("80".into()))
        );
    }

    #[test]
    fn reads_integers_as_kubectl_does_beside_yaml_1_2() {
        assert_eq!(yaml_1_1_integer("0644"), Some(420));
        assert_eq!(yaml_1_1_integer("0o644"), Some(420));
        assert_eq!(yaml_1_1_integer("0x1A4"), Some(420));
        assert_eq!(yaml_1_1_integer("0b110100100"), Some(420));
        assert_eq!(yaml_1_1_integer("-0b11"), Some(-3));
        assert_eq!(yaml_1_1_integer("1_000"), Some(1000));
        assert_eq!(yaml_1_1_integer("420"), Some(420));
        assert_eq!(yaml_1_1_integer("0"), Some(0));
        // Go's ParseInt fails on 8 and 9 after a leading 0; go-yaml then reads a float.
        assert_eq!(yaml_1_1_integer("0999"), None);
        assert_eq!(yaml_1_1_integer("0x-1"), None);
        assert_eq!(yaml_1_1_integer("1.5"), None);
        assert_eq!(yaml_1_1_integer("web"), None);
        let node = root("a: 0644\nb: 0o644\nc: 420\nd: '0644'\ne: 1_000\n");
        let read = |key: &str| node.get(key).map(|n| (n.value.clone(), n.yaml_1_1_int));
        assert_eq!(read("a"), Some((Value::Int(644), Some(420))));
        assert_eq!(read("b"), Some((Value::Int(420), None)));
        assert_eq!(read("c"), Some((Value::Int(420), None)));
        assert_eq!(read("d"), Some((Value::String("0644".into()), None)));
        assert_eq!(read("e"), Some((Value::String("1_000".into()), Some(1000))));
    }

    #[test]
    fn positions_are_one_based() {
        let node = root("name: web\ncontainers:\n  web: {image: nginx}\n");
        let image = node.find("/containers/web/image", false).expect("present");
        assert_eq!(
            image.span.start,
            Position {
                line: 3,
                column: 16
            }
        );
        let key = node.find("/containers/web", true).expect("present");
        assert_eq!(key.span.start, Position { line: 3, column: 3 });
    }

    #[test]
    fn rejects_duplicate_keys_at_the_second() {
        let error = parse_documents("a: 1\nb: 2\na: 3\n").expect_err("duplicate");
        assert_eq!(error.code, Code::DuplicateKey);
        assert_eq!(error.span.map(|span| span.start.line), Some(3));
    }

    #[test]
    fn finds_a_duplicate_among_many_keys() {
        // Correctness only: the linear cost is measured by `benches/` and bench/compare.sh,
        // never asserted on a clock.
        let mut text: String = (0..20_000).map(|i| format!("k{i}: {i}\n")).collect();
        assert!(parse_documents(&text).is_ok());
        text.push_str("k7: again\n");
        let error = parse_documents(&text).expect_err("duplicate");
        assert_eq!(error.code, Code::DuplicateKey);
        assert_eq!(error.span.map(|span| span.start.line), Some(20_001));
        assert!(error.help.unwrap_or_default().contains("line 8"));
    }

    #[test]
    fn stops_at_the_node_limit() {
        let text: String = (0..MAX_NODES / 2 + 1)
            .map(|i| format!("k{i}: {i}\n"))
            .collect();
        let error = parse_documents(&text).expect_err("too many nodes");
        assert_eq!(error.code, Code::InputLimit);
    }

    #[test]
    fn stops_alias_bombs() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"
            ));
        }
        let error = parse_documents(&text).expect_err("bomb");
        assert_eq!(error.code, Code::InputLimit);
    }

    #[test]
    fn counts_the_nodes_of_a_flow_collection_as_they_are_read() {
        // The bad escape at the end would be the first error if the parser read the whole
        // collection before giving its first node, as saphyr-parser 0.0.6 did for any flow
        // collection that might be a key (1.48 GB for an 8 MB one); the node limit comes first.
        let text = format!("[{}\"\\q\"]", "1,".repeat(MAX_NODES + 1));
        let error = parse_documents(&text).expect_err("too many nodes");
        assert_eq!(error.code, Code::InputLimit);
        let entries: String = (0..=MAX_NODES / 2).map(|i| format!("k{i}: 1, ")).collect();
        let text = format!("{{{entries}k: \"\\q\"}}");
        let error = parse_documents(&text).expect_err("too many nodes");
        assert_eq!(error.code, Code::InputLimit);
    }

    #[test]
    fn refuses_implicit_keys_longer_than_yaml_allows() {
        // YAML 1.2 limits an implicit key to 1024 characters; one longer in a flow collection
        // is an error, never a different structure.
        let long = "x".repeat(2000);
        for text in [
            format!("{{\"{long}\": 1}}"),
            format!("[\"{long}\": 1]"),
            format!("[[{}1]: v]", "1,".repeat(1000)),
        ] {
            let error = parse_documents(&text).expect_err("key too long");
            assert_eq!(error.code, Code::YamlSyntax);
        }
        let short = root("{\"a\": [1, 2], b: {c: d}}\n");
        assert_eq!(short.find("/b/c", false).and_then(Node::as_str), Some("d"));
    }

    #[test]
    fn counts_the_bytes_aliases_copy() {
        // Far below the node limits: 200 aliases of one 100 KB string, 20 MB of copies.
        let big = "x".repeat(100_000);
        let text = format!("a: &big {big}\nb: [{}]\n", vec!["*big"; 200].join(", "));
        let error = parse_documents(&text).expect_err("too many bytes");
        assert_eq!(error.code, Code::InputLimit);
        assert_eq!(error.span.map(|span| span.start.line), Some(2));
        // Anchors nested in one another copy the text inside once each.
        let nested: String = (0..60)
            .map(|depth| format!("{}k{depth}: &a{depth}\n", "  ".repeat(depth)))
            .collect();
        let text = format!("{nested}{}leaf: {big}\n", "  ".repeat(60));
        let error = parse_documents(&text).expect_err("too many bytes");
        assert_eq!(error.code, Code::InputLimit);
        let text = format!("a: &big {big}\nb: [*big, *big, *big]\n");
        let copies = root(&text);
        assert_eq!(
            copies.find("/b/2", false).and_then(Node::as_str),
            Some(big.as_str())
        );
    }

    #[test]
    fn stops_deep_nesting() {
        let text = "[".repeat(10_000);
        let error = parse_documents(&text).expect_err("deep");
        assert_eq!(error.code, Code::InputLimit);
    }

    #[test]
    fn reads_surrogate_pairs_as_json_writes_them() {
        let node = root("{\"a\": \"hi \\ud83d\\ude00\", \"b\": \"\\uD83D\\uDE00\\u00e9\"}\n");
        assert_eq!(node.get("a").and_then(Node::as_str), Some("hi \u{1F600}"));
        assert_eq!(
            node.get("b").and_then(Node::as_str),
            Some("\u{1F600}\u{e9}")
        );
        for lone in [
            "a: \"\\ud83d\"",
            "a: \"\\ud83dx\"",
            "a: \"\\ud83d\\u0041\"",
            "a: \"\\ude00\"",
        ] {
            let error = parse_documents(lone).expect_err("lone surrogate");
            assert_eq!(error.code, Code::YamlSyntax, "{lone}");
            assert!(error.message.contains("surrogate"), "{}", error.message);
            assert_eq!(error.span.map(|span| span.start.column), Some(5), "{lone}");
            assert!(error.help.unwrap_or_default().contains("\\uD83D\\uDE00"));
        }
    }

    #[test]
    fn a_tab_is_located_at_the_tab() {
        let error = parse_documents("a:\n\tb: 1\n").expect_err("tab");
        let span = error.span.expect("located");
        assert_eq!((span.start.line, span.start.column), (2, 1));
        let error = parse_documents("a:\n  b:\t1 \t\n").expect_err("tab");
        let span = error.span.expect("located");
        assert_eq!((span.start.line, span.start.column), (2, 5));
        assert!(
            error
                .help
                .unwrap_or_default()
                .contains("replace the tab with a space")
        );
    }

    #[test]
    fn tabs_get_a_hint() {
        let error = parse_documents("a:\n\tb: 1\n").expect_err("tab");
        assert_eq!(error.code, Code::YamlSyntax);
        assert!(error.help.unwrap_or_default().contains("tab"));
    }

    #[test]
    fn reads_every_document() {
        let documents = parse_documents("a: 1\n---\nb: 2\n").expect("valid");
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[1].root.span.start.line, 3);
    }
}
