//! Objects `helm template` prints that are not part of the application: hooks. Helm runs a
//! hook (`helm.sh/hook: test`, `pre-install`, `post-upgrade`, …) around an install, an upgrade
//! or `helm test`, and keeps it out of the release; `helm template` prints hooks after the
//! release's own objects unless `--no-hooks` (or `--skip-tests` for tests) is given (helm
//! `cmd/helm/template.go`). A test Pod or a migration Job is not part of what runs for good, so
//! it is skipped with a warning rather than refused as a Pod or a Job would be.

use crate::diagnostic::{Code, Diagnostic};
use crate::yaml::Node;

/// The annotation that makes an object a helm hook; its value lists the hook's events.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";

/// The events of the hook `root` is, if it is one: `test`, `pre-install,pre-upgrade`, ….
#[must_use]
pub fn hook_events(root: &Node) -> Option<String> {
    let value = root
        .get("metadata")?
        .get("annotations")?
        .get(HOOK_ANNOTATION)?;
    Some(value.scalar_text().unwrap_or_default())
}

/// The warning for a skipped hook object, at its `kind`.
#[must_use]
pub fn skipped_hook(root: &Node, kind: &str, events: &str) -> Diagnostic {
    let kind_span = root.get("kind").map_or(root.span, |node| node.span);
    let object = match root
        .get("metadata")
        .and_then(|metadata| metadata.get("name"))
        .and_then(Node::as_str)
    {
        Some(name) => format!("{kind} `{name}`"),
        None => format!("{kind} object"),
    };
    let tests = events
        .split(',')
        .any(|event| event.trim().starts_with("test"));
    Diagnostic::warning(
        Code::HelmHook,
        Some(kind_span),
        format!("{object} is a helm `{events}` hook, not part of the application: skipped"),
    )
    .with_help(if tests {
        "helm runs it for `helm test`; `helm template --skip-tests` leaves test hooks out of the stream"
    } else {
        "helm runs it around an install or upgrade; `helm template --no-hooks` leaves hooks out of the stream"
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn root(text: &str) -> Node {
        parse_documents(text).expect("valid").remove(0).root
    }

    #[test]
    fn finds_hooks_by_annotation_only() {
        let test_pod = root(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-test-connection\n  annotations:\n    \"helm.sh/hook\": test\n",
        );
        assert_eq!(hook_events(&test_pod).as_deref(), Some("test"));
        let warning = skipped_hook(&test_pod, "Pod", "test");
        assert!(!warning.is_error());
        assert!(warning.message.contains("Pod `web-test-connection`"));
        assert!(warning.help.unwrap_or_default().contains("--skip-tests"));
        assert_eq!(warning.span.map(|span| span.start.line), Some(2));

        let job = root(
            "kind: Job\nmetadata:\n  annotations: {helm.sh/hook: \"pre-install,pre-upgrade\"}\n",
        );
        let warning = skipped_hook(&job, "Job", "pre-install,pre-upgrade");
        assert!(warning.message.contains("Job object"));
        assert!(warning.help.unwrap_or_default().contains("--no-hooks"));

        let plain = root("kind: Pod\nmetadata: {name: p, annotations: {a: b}}\n");
        assert_eq!(hook_events(&plain), None);
    }
}
