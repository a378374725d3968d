//! YAML text for generated files, through saphyr's emitter.
//!
//! serde_yaml writes `no`, `on` or `yes` unquoted, which YAML 1.1 readers (PyYAML, many CI
//! linters) take for booleans: `redis-server --appendonly no` would lose its argument.
//! saphyr's emitter quotes every scalar that any YAML version could read as something else,
//! except text holding characters it neither quotes nor escapes (BEL, ESC, DEL, C1 controls
//! such as NEL, the line and paragraph separators, a byte-order mark): those are escaped here.

use saphyr::{Mapping, Scalar, ScalarStyle, Yaml, YamlEmitter};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

/// `value` as a YAML document (starting with `---`).
#[must_use]
pub fn to_yaml_text<T: Serialize>(value: &T) -> String {
    let tree = serde_json::to_value(value)
        .map(|json| convert(&json))
        .unwrap_or(Yaml::Value(Scalar::Null));
    let mut text = String::new();
    if YamlEmitter::new(&mut text).dump(&tree).is_err() {
        return String::new();
    }
    text.push('\n');
    text
}

fn convert(value: &Value) -> Yaml<'static> {
    match value {
        Value::Null => Yaml::Value(Scalar::Null),
        Value::Bool(flag) => Yaml::Value(Scalar::Boolean(*flag)),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => Yaml::Value(Scalar::Integer(integer)),
            None => Yaml::Value(Scalar::FloatingPoint(
                number.as_f64().unwrap_or_default().into(),
            )),
        },
        Value::String(text) if text.chars().any(needs_escape) => Yaml::Representation(
            Cow::Owned(double_quoted_body(text)),
            ScalarStyle::DoubleQuoted,
            None,
        ),
        Value::String(text) => Yaml::Value(Scalar::String(Cow::Owned(text.clone()))),
        Value::Array(items) => Yaml::Sequence(items.iter().map(convert).collect()),
        Value::Object(entries) => {
            let mut mapping = Mapping::new();
            for (key, value) in entries {
                mapping.insert(
                    Yaml::Value(Scalar::String(Cow::Owned(key.clone()))),
                    convert(value),
                );
            }
            Yaml::Mapping(mapping)
        }
    }
}

/// Characters outside YAML's printable set, or that YAML 1.1 readers take for line breaks
/// or a byte-order mark: text holding one must be double-quoted with escapes.
fn needs_escape(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// `text` as the inside of a YAML double-quoted scalar: every character that is not plainly
/// printable is escaped, so any YAML reader gets the same characters back.
fn double_quoted_body(text: &str) -> String {
    let mut body = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        match character {
            '"' => body.push_str("\\\""),
            '\\' => body.push_str("\\\\"),
            '\n' => body.push_str("\\n"),
            '\r' => body.push_str("\\r"),
            '\t' => body.push_str("\\t"),
            _ if needs_escape(character) => {
                let _ = write!(body, "\\u{:04x}", u32::from(character));
            }
            _ => body.push(character),
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_words_yaml_1_1_reads_as_booleans() {
        let text = to_yaml_text(
            &serde_json::json!({"command": ["redis-server", "--appendonly", "no", "on", "80", "null"]}),
        );
        for word in ["no", "on", "80", "null"] {
            assert!(
                text.contains(&format!("\"{word}\"")),
                "{word} unquoted in:\n{text}"
            );
        }
    }

    #[test]
    fn escapes_what_the_emitter_would_leave_bare() {
        let written =
            "bell\u{7} esc\u{1b} del\u{7f} nel\u{85} ls\u{2028} bom\u{feff} \"q\" \\ é\t\r\n";
        let text = to_yaml_text(&serde_json::json!({ "contents": written }));
        assert_eq!(
            text,
            "---\ncontents: \"bell\\u0007 esc\\u001b del\\u007f nel\\u0085 ls\\u2028 bom\\ufeff \\\"q\\\" \\\\ é\\t\\r\\n\"\n"
        );
        let read: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
        assert_eq!(read.get("contents").and_then(|v| v.as_str()), Some(written));
    }
}
