//! One input file: its display name and text, plus positions inside it.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

impl Span {
    #[must_use]
    pub fn at(line: usize, column: usize) -> Span {
        let position = Position { line, column };
        Span {
            start: position,
            end: position,
        }
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

    /// The file's stem, used to name the template written with `--out-dir`.
    #[must_use]
    pub fn stem(&self) -> String {
        std::path::Path::new(&self.name)
            .file_stem()
            .and_then(|stem| stem.to_str())
            .filter(|stem| !stem.is_empty() && !stem.starts_with('<'))
            .unwrap_or("stdin")
            .to_string()
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
}
