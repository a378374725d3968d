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
}

impl SourceFile {
    #[must_use]
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The text of a 1-based line, without its line break; `None` past the end.
    #[must_use]
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let index = line.checked_sub(1)?;
        self.text
            .split('\n')
            .nth(index)
            .map(|text| text.strip_suffix('\r').unwrap_or(text))
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
