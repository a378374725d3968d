//! Where a document of a rendered stream came from. `helm template` writes `# Source:
//! CHART/templates/FILE.yaml` after each document's `---` (helm `cmd/helm/template.go`,
//! `pkg/action`), so a diagnostic inside that document gets a note naming the template: users
//! fix the chart, not the stream. The location itself stays the stream's own line.

use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Sources};

/// What helm writes before the template's path.
const SOURCE_COMMENT: &str = "# Source: ";

/// Longest template path shown: a path is a few dozen characters, and a hostile comment must
/// not be repeated into every diagnostic whole.
const MAX_SHOWN_PATH: usize = 200;

/// Adds to each diagnostic located in a document that has a `# Source:` comment a note
/// naming that template.
pub fn note_origins(sources: &Sources, diagnostics: &mut [Diagnostic]) {
    let origins: Vec<Vec<(usize, Option<String>)>> =
        sources.files().iter().map(template_origins).collect();
    for diagnostic in diagnostics {
        let Some(span) = diagnostic.span.filter(|span| !span.is_whole_file()) else {
            continue;
        };
        let Some(marks) = origins.get(span.file) else {
            continue;
        };
        let at = marks.partition_point(|(line, _)| *line <= span.start.line);
        if let Some((_, Some(template))) = at.checked_sub(1).and_then(|index| marks.get(index)) {
            diagnostic.note = Some(
                format!(
                    "rendered from the chart template `{template}` (the document's `# Source:` comment)"
                )
                .into(),
            );
        }
    }
}

/// The lines where a document starts (`---`, no template known yet) and where a `# Source:`
/// comment names its template, in line order. Empty for a file with no such comment, so
/// hand-written manifests pay one scan and get no notes.
fn template_origins(file: &SourceFile) -> Vec<(usize, Option<String>)> {
    if !file.text.contains(SOURCE_COMMENT) {
        return Vec::new();
    }
    let mut marks = Vec::new();
    for (index, line) in file.text.lines().enumerate() {
        let number = index + 1;
        if is_document_start(line) {
            marks.push((number, None));
        } else if let Some(path) = line.strip_prefix(SOURCE_COMMENT) {
            marks.push((number, Some(shown_path(path))));
        }
    }
    marks
}

/// `---` alone or followed by a space or tab: a YAML document marker at column 1.
fn is_document_start(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
}

fn shown_path(path: &str) -> String {
    let clean: String = path
        .trim()
        .chars()
        .filter(|character| !character.is_control())
        .collect();
    if clean.chars().count() <= MAX_SHOWN_PATH {
        return clean;
    }
    let mut cut: String = clean.chars().take(MAX_SHOWN_PATH).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::source::Span;

    fn noted(text: &str, line: usize) -> Option<Box<str>> {
        let sources = Sources::single(SourceFile::new("<stdin>", text));
        let mut diagnostics = [Diagnostic::error(
            Code::WrongType,
            Some(Span::at(line, 1)),
            "x",
        )];
        note_origins(&sources, &mut diagnostics);
        diagnostics[0].note.take()
    }

    const STREAM: &str = "---\n# Source: web/templates/service.yaml\napiVersion: v1\nkind: Service\n---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n---\napiVersion: v1\nkind: Service\n";

    #[test]
    fn notes_name_the_template_of_the_document() {
        assert!(
            noted(STREAM, 4)
                .unwrap_or_default()
                .contains("`web/templates/service.yaml`")
        );
        assert!(
            noted(STREAM, 8)
                .unwrap_or_default()
                .contains("`web/templates/deployment.yaml`")
        );
        // A document after `---` with no comment of its own is not helm's.
        assert_eq!(noted(STREAM, 11), None);
        assert_eq!(noted("kind: Service\n", 1), None);
    }

    #[test]
    fn shown_paths_are_bounded_and_clean() {
        assert_eq!(shown_path(" a/b.yaml\r"), "a/b.yaml");
        assert_eq!(shown_path("a\u{1b}[31mb"), "a[31mb");
        assert_eq!(
            shown_path(&"x".repeat(5000)).chars().count(),
            MAX_SHOWN_PATH + 1
        );
    }
}
