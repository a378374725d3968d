//! The input files of one application: each file's display name and text, positions inside
//! them, and spans that know which file they are in.

use std::fmt;

/// A 1-based line and column, as editors and `FILE:LINE:COLUMN` tooling count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Where a node sits in its file. `end` is exclusive and may be on a later line.
///
/// `file` is the file's index in the application's [`Sources`] (0 for a one-file input), and
/// comes first so that sorting spans sorts diagnostics by file, then line and column. Line 0
/// means the file as a whole ([`Span::whole_file`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: usize,
    pub start: Position,
    pub end: Position,
}

impl Span {
    /// A point in the first (or only) file.
    #[must_use]
    pub fn at(line: usize, column: usize) -> Span {
        let position = Position { line, column };
        Span {
            file: 0,
            start: position,
            end: position,
        }
    }

    /// A problem of a file as a whole (its size, or that it holds no manifest): rendered as
    /// the file's name with no line.
    #[must_use]
    pub fn whole_file(file: usize) -> Span {
        Span {
            file,
            ..Span::default()
        }
    }

    #[must_use]
    pub fn is_whole_file(&self) -> bool {
        self.start.line == 0
    }

    /// The same place, in file `file`.
    #[must_use]
    pub fn in_file(self, file: usize) -> Span {
        Span { file, ..self }
    }
}

/// An input as read: `name` is what diagnostics print (the path as given, or `<stdin>`).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Byte offset of each line's start, built on the first lookup: rendering n diagnostics
    /// is then O(n) rather than a scan from the top of the file for each.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    #[must_use]
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// The text of a 1-based line, without its line break; `None` past the end.
    #[must_use]
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let index = line.checked_sub(1)?;
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(at, _)| at + 1))
                .collect()
        });
        let start = *starts.get(index)?;
        let end = starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        let text = self.text.get(start..end)?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }
}

/// Every file of one application, in reading order: a [`Span`]'s `file` indexes them.
#[derive(Debug, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// What diagnostics about the application as a whole (no span: template size, no
    /// deployment at all) are located at: the first input as given.
    label: String,
}

impl Sources {
    /// `label` names the application in diagnostics without a span.
    #[must_use]
    pub fn new(files: Vec<SourceFile>, label: impl Into<String>) -> Sources {
        Sources {
            files,
            label: label.into(),
        }
    }

    /// A one-file input, as an image lock or a single manifest is.
    #[must_use]
    pub fn single(file: SourceFile) -> Sources {
        let label = file.name.clone();
        Sources::new(vec![file], label)
    }

    #[must_use]
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    #[must_use]
    pub fn file(&self, index: usize) -> Option<&SourceFile> {
        self.files.get(index)
    }

    /// The name a diagnostic is located at: its span's file, or the application's label.
    #[must_use]
    pub fn name_of(&self, span: Option<Span>) -> &str {
        span.and_then(|span| self.file(span.file))
            .map_or(self.label.as_str(), |file| file.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_by_number() {
        let source = SourceFile::new("f", "a\r\nbc\n\nd");
        assert_eq!(source.line_text(1), Some("a"));
        assert_eq!(source.line_text(2), Some("bc"));
        assert_eq!(source.line_text(3), Some(""));
        assert_eq!(source.line_text(4), Some("d"));
        assert_eq!(source.line_text(5), None);
        assert_eq!(source.line_text(0), None);
        assert_eq!(SourceFile::new("f", "x\n").line_text(2), Some(""));
    }

    #[test]
    fn spans_sort_by_file_first_and_name_their_file() {
        let later_in_first = Span::at(9, 1);
        let early_in_second = Span::at(1, 1).in_file(1);
        assert!(later_in_first < early_in_second);
        let sources = Sources::new(
            vec![SourceFile::new("a.yaml", ""), SourceFile::new("b.yaml", "")],
            "a.yaml",
        );
        assert_eq!(sources.name_of(Some(early_in_second)), "b.yaml");
        assert_eq!(sources.name_of(None), "a.yaml");
        assert!(Span::whole_file(1).is_whole_file());
        assert!(Span::whole_file(0) < Span::at(1, 1));
    }
}
