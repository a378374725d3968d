//! YAML text for generated files, through saphyr's emitter.
//!
//! A string must come back as the same string from every reader of the file: LinuxKit's Go
//! YAML library, PyYAML and CI linters (YAML 1.1), and YAML 1.2 readers. saphyr's emitter
//! quotes only what YAML 1.2 reads as another type, so `1_000`, `0b101`, `+.inf` or
//! `2001-12-14` came out plain and YAML 1.1 readers took them for numbers and dates (which
//! LinuxKit's schema then refuses). So the rule is inverted: a string is left to saphyr
//! (which quotes it where the syntax needs) only when it matches [`reads_back_plain`]'s
//! conservative pattern, and is double-quoted otherwise. Text holding characters saphyr
//! neither quotes nor escapes (BEL, ESC, DEL, C1 controls such as NEL, the line and paragraph
//! separators, a byte-order mark) is escaped here.

use crate::internal_error::InternalError;
use saphyr::{Mapping, Scalar, ScalarStyle, Yaml, YamlEmitter};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

/// `value` as a YAML document (starting with `---`).
///
/// # Errors
/// When `value` does not serialize (`what` names it in the message).
pub fn to_yaml_text<T: Serialize>(value: &T, what: &str) -> Result<String, InternalError> {
    let json =
        serde_json::to_value(value).map_err(|error| InternalError::serializing(what, &error))?;
    let mut text = String::new();
    YamlEmitter::new(&mut text)
        .dump(&convert(&json))
        .map_err(|error| InternalError::serializing(what, &error))?;
    text.push('\n');
    Ok(text)
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
        Value::String(text) => string(text),
        Value::Array(items) => Yaml::Sequence(items.iter().map(convert).collect()),
        Value::Object(entries) => {
            let mut mapping = Mapping::new();
            for (key, value) in entries {
                mapping.insert(string(key), convert(value));
            }
            Yaml::Mapping(mapping)
        }
    }
}

fn string(text: &str) -> Yaml<'static> {
    if reads_back_plain(text) {
        Yaml::Value(Scalar::String(Cow::Owned(text.to_string())))
    } else {
        Yaml::Representation(
            Cow::Owned(double_quoted_body(text)),
            ScalarStyle::DoubleQuoted,
            None,
        )
    }
}

/// Whether every YAML reader takes `text`, written plain, for that string. Every implicit
/// type of YAML 1.1 (bool, int, float, null, timestamp, merge, value) and of YAML 1.2's core
/// schema starts with a digit, a sign, `.`, `~`, `<` or `=`, or is one of a few words; the
/// resolvers of PyYAML, libyaml and Go's yaml.v2/v3 all dispatch on that first character. So
/// a string that starts with an ASCII letter, `/`, `_` or `$`, holds only printable characters and
/// is none of those words is a string everywhere; anything else is quoted, which costs a pair
/// of quotes and never a misreading.
fn reads_back_plain(text: &str) -> bool {
    // YAML 1.1's booleans (y and n included, which Go's yaml.v2 reads as booleans) and the
    // null of every version; compared ignoring case, which only quotes more.
    const WORDS: [&str; 9] = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    text.starts_with(|first: char| first.is_ascii_alphabetic() || matches!(first, '/' | '_' | '$'))
        && !text.chars().any(needs_escape)
        && !WORDS.iter().any(|word| word.eq_ignore_ascii_case(text))
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

    /// A value whose serializer fails, as a map with non-string keys would.
    struct Refuses;

    impl Serialize for Refuses {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("refused"))
        }
    }

    /// An empty (or `null`) build file written with exit 0 would be built as an image.
    #[test]
    fn a_value_that_does_not_serialize_is_an_error_not_an_empty_file() {
        let error = to_yaml_text(&Refuses, "a test document").expect_err("an error");
        assert!(
            error
                .message()
                .starts_with("internal error: cannot serialize a test document")
        );
        assert!(error.message().contains("refused"), "{error}");
    }

    #[test]
    fn quotes_words_yaml_1_1_reads_as_booleans() {
        let text = to_yaml_text(&serde_json::json!({"command": ["redis-server", "--appendonly", "no", "on", "80", "null"]}), "a test document").expect("serializes");
        for word in ["no", "on", "80", "null"] {
            assert!(
                text.contains(&format!("\"{word}\"")),
                "{word} unquoted in:\n{text}"
            );
        }
    }

    #[test]
    fn quotes_what_yaml_1_1_reads_as_numbers_and_dates() {
        let written = [
            "1_000",
            "0b101",
            "+.inf",
            "0o17",
            "2001-12-14",
            "0x1F",
            "1:20",
            "-1",
            ".5",
            "~",
            "=",
            "<<",
            "Y",
            "n",
            "yEs",
            "8.8.8.8",
            "",
        ];
        let text = to_yaml_text(
            &serde_json::json!({ "command": written }),
            "a test document",
        )
        .expect("serializes");
        for word in written {
            assert!(
                text.contains(&format!("- \"{word}\"\n")),
                "{word} unquoted in:\n{text}"
            );
        }
        // The conservative pattern leaves ordinary words and paths as saphyr writes them.
        let text = to_yaml_text(
            &serde_json::json!({ "command": ["nginx", "/bin/sh", "_x", "a b"] }),
            "a test document",
        )
        .expect("serializes");
        assert_eq!(
            text,
            "---\ncommand:\n  - nginx\n  - /bin/sh\n  - _x\n  - a b\n"
        );
    }

    #[test]
    fn escapes_what_the_emitter_would_leave_bare() {
        let written =
            "bell\u{7} esc\u{1b} del\u{7f} nel\u{85} ls\u{2028} bom\u{feff} \"q\" \\ é\t\r\n";
        let text = to_yaml_text(
            &serde_json::json!({ "contents": written }),
            "a test document",
        )
        .expect("serializes");
        assert_eq!(
            text,
            "---\ncontents: \"bell\\u0007 esc\\u001b del\\u007f nel\\u0085 ls\\u2028 bom\\ufeff \\\"q\\\" \\\\ é\\t\\r\\n\"\n"
        );
        let read: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
        assert_eq!(read.get("contents").and_then(|v| v.as_str()), Some(written));
    }
}
