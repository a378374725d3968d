//! YAML text for generated files, through saphyr's emitter.
//!
//! serde_yaml writes `no`, `on` or `yes` unquoted, which YAML 1.1 readers (PyYAML, many CI
//! linters) take for booleans: `redis-server --appendonly no` would lose its argument.
//! saphyr's emitter quotes every scalar that any YAML version could read as something else.

use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

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
}
