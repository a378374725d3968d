//! Container `env` and the kubelet's `$(VAR)` expansion, which `command` and `args` use too.

use super::super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};

/// `env` as pairs, with `$(VAR)` references to earlier entries expanded as the kubelet does.
pub fn read_env(object: &mut Object<'_>, sink: &mut Sink) -> Option<Vec<(String, String)>> {
    if let Some(node) = object.take("envFrom") {
        sink.push(
            Diagnostic::error(
                Code::ExternalReference,
                object.key_span("envFrom").or(Some(node.span)),
                "`envFrom` reads a ConfigMap or Secret, an object outside this file that a compiler cannot read",
            )
            .with_help("list the variables under `env` with literal `value`s"),
        );
    }
    let env_path = object.child("env");
    let items = object.list("env", sink);
    if items.is_empty() {
        return None;
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(mut entry) = Object::new(item, &format!("{env_path}[{index}]"), sink) else {
            continue;
        };
        let Some(name) = entry.string("name", sink) else {
            continue;
        };
        if let Some(node) = entry.take("valueFrom") {
            sink.push(
                Diagnostic::error(
                    Code::ExternalReference,
                    entry.key_span("valueFrom").or(Some(node.span)),
                    format!("environment variable `{name}` takes its value from another object (`valueFrom`), which a compiler cannot read"),
                )
                .with_help("write the value under `value`; for secrets, have the container fetch them at start (e.g. from AWS Secrets Manager)"),
            );
            continue;
        }
        let value = entry.string("value", sink).unwrap_or_default();
        let value = expand_references(&value, &pairs);
        entry.finish(sink, |_| None);
        pairs.retain(|(existing, _)| *existing != name);
        pairs.push((name, value));
    }
    Some(pairs)
}

/// Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` is a literal `$`, and
/// undefined references stay as written.
#[must_use]
pub fn expand_references(text: &str, variables: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(index) = rest.find('$') {
        out.push_str(&rest[..index]);
        let after = &rest[index + 1..];
        if let Some(remaining) = after.strip_prefix('$') {
            out.push('$');
            rest = remaining;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match variables.iter().rev().find(|(key, _)| key == name) {
                Some((_, value)) => out.push_str(value),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_the_kubelet() {
        let vars = vec![
            ("HOST".to_string(), "db".to_string()),
            ("PORT".to_string(), "5432".to_string()),
        ];
        assert_eq!(expand_references("$(HOST):$(PORT)", &vars), "db:5432");
        assert_eq!(
            expand_references("$$(HOST) $(MISSING) $5", &vars),
            "$(HOST) $(MISSING) $5"
        );
        assert_eq!(expand_references("$(unterminated", &vars), "$(unterminated");
    }
}
