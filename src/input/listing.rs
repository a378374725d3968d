//! Files a directory brings in that are not manifests. `kubectl apply -f DIR` reads every
//! `*.yaml`, `*.yml` and `*.json` of a directory and fails on a `kustomization.yaml`, a
//! `Chart.yaml` or a `values.yaml` kept beside the manifests. i2kit skips such a file with a
//! warning naming it instead: the directory is what teams keep, and the warning (an error
//! under `--strict`) still says what was left out. A file named on the command line is always
//! read, so a manifest mistyped beyond recognition is never skipped silently. A symbolic link
//! in a directory that leads out of it is skipped too, with a warning (see [`link_outside`]).

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::yaml::{Document, Node, Value};
use std::path::Path;

/// Whether any document of a listed file is a manifest: a Kubernetes object (it has `kind`,
/// which kubectl requires, and is not kustomize's own configuration) or an i2kit manifest
/// (it has `containers`, which every one needs).
#[must_use]
pub fn holds_manifest(documents: &[Document]) -> bool {
    documents.iter().any(|document| is_manifest(&document.root))
}

fn is_manifest(root: &Node) -> bool {
    if !matches!(root.value, Value::Mapping(_)) {
        return false;
    }
    (root.get("kind").is_some() && !is_kustomization(root)) || root.get("containers").is_some()
}

/// kustomize's `Kustomization` and `Component` files (`kustomize.config.k8s.io/…`).
fn is_kustomization(root: &Node) -> bool {
    root.get("apiVersion")
        .and_then(Node::as_str)
        .is_some_and(|version| version.starts_with("kustomize.config.k8s.io/"))
}

/// The warning for listed file `file` (named `name`) that holds no manifest, with what to run
/// instead when the file says what it is.
#[must_use]
pub fn skipped_file(name: &str, file: usize, documents: &[Document]) -> Diagnostic {
    let path = Path::new(name);
    let base = path
        .file_name()
        .and_then(|base| base.to_str())
        .unwrap_or_default();
    let directory = path
        .parent()
        .map(|parent| parent.display().to_string())
        .filter(|parent| !parent.is_empty())
        .unwrap_or_else(|| ".".to_string());
    let kustomization = matches!(
        base,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    ) || documents
        .iter()
        .any(|document| is_kustomization(&document.root));
    let chart = base == "Chart.yaml" || base.starts_with("values");
    let (what, help) = if kustomization {
        (
            "is a kustomization, not a manifest".to_string(),
            format!(
                "to compile what it builds, run `kustomize build {directory} | i2kit compile - --name NAME`"
            ),
        )
    } else if chart {
        (
            "is part of a Helm chart, not a manifest".to_string(),
            format!(
                "to compile the chart, run `helm template RELEASE {directory} | i2kit compile - --name NAME`"
            ),
        )
    } else {
        (
            "holds no manifest: no document has `kind` (a Kubernetes object) or `containers` (an i2kit manifest)".to_string(),
            "name the file on the command line to have it read as a manifest, or move it out of the directory".to_string(),
        )
    };
    Diagnostic::warning(
        Code::SkippedFile,
        Some(Span::whole_file(file)),
        format!("the file {what}: skipped"),
    )
    .with_help(help)
}

/// The warning for listed file `file`, a symbolic link that leads out of
/// `directory`, the directory given. kubectl follows it; i2kit does not, so that a directory
/// from elsewhere (a cloned repository, a chart) cannot have it read a file outside, such as
/// `~/.aws/credentials`, and print its lines in a diagnostic. The warning never names the
/// target, and the target is never opened.
#[must_use]
pub fn link_outside(file: usize, directory: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::SkippedFile,
        Some(Span::whole_file(file)),
        format!(
            "the file is a symbolic link to a file outside `{directory}`, the directory given: skipped"
        ),
    )
    .with_help(
        "i2kit reads only what is inside a directory it lists; to compile the file the link leads to, name that file on the command line",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn documents(text: &str) -> Vec<Document> {
        parse_documents(text).expect("valid")
    }

    #[test]
    fn manifests_are_told_from_what_sits_beside_them() {
        assert!(holds_manifest(&documents(
            "apiVersion: v1\nkind: Service\n"
        )));
        assert!(holds_manifest(&documents("name: web\ncontainers: {}\n")));
        assert!(holds_manifest(&documents("a: 1\n---\nkind: Deployment\n")));
        assert!(!holds_manifest(&documents(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n"
        )));
        assert!(!holds_manifest(&documents(
            "apiVersion: v2\nname: web\nversion: 0.1.0\n"
        )));
        assert!(!holds_manifest(&documents(
            "replicaCount: 1\nimage: {repository: nginx}\n"
        )));
        assert!(!holds_manifest(&documents("# only a comment\n")));
        assert!(!holds_manifest(&documents("[1, 2]\n")));
    }

    #[test]
    fn the_warning_says_what_to_run_instead() {
        let kustomization = skipped_file(
            "deploy/kustomization.yaml",
            2,
            &documents("resources: []\n"),
        );
        assert_eq!(kustomization.span, Some(Span::whole_file(2)));
        assert!(!kustomization.is_error());
        assert!(
            kustomization
                .message
                .starts_with("the file is a kustomization")
        );
        assert!(
            kustomization
                .help
                .unwrap_or_default()
                .contains("kustomize build deploy |")
        );
        let chart = skipped_file("Chart.yaml", 0, &documents("name: web\n"));
        assert!(
            chart
                .help
                .unwrap_or_default()
                .contains("helm template RELEASE . |")
        );
        let other = skipped_file("deploy/notes.yaml", 0, &documents("a: 1\n"));
        assert!(other.message.contains("holds no manifest"));
    }
}
