//! Text from the input made safe to print for people. Names, values, file names and source
//! lines come from files anyone may have written. Printed raw, a control sequence among them
//! is obeyed by the terminal (OSC 52 writes the clipboard, `ESC [2J` clears the screen), a
//! line break forges a diagnostic line, and a bidirectional override shows text in another
//! order than it has ("Trojan Source", CVE-2021-42574). Such a character is shown as
//! `\u{HEX}` instead, Rust's notation, readable and never itself a control.
//!
//! The escaping is reversible, so what is printed says exactly what the input holds: a
//! backslash is doubled where it would otherwise read as the start of an escape (before
//! `u{`, before another backslash, before an escaped character), and left alone elsewhere,
//! so paths and patterns with backslashes stay as written. `--format json` prints the
//! strings unescaped, as JSON strings.

use std::borrow::Cow;
use std::fmt::Write as _;
use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_width::UnicodeWidthChar as _;

/// Whether `character` is shown escaped: controls (C0, DEL and C1, line breaks and tabs
/// included), invisible format characters (bidirectional marks, embeddings, overrides and
/// isolates, zero-width spaces and joiners, the byte order mark, soft hyphens, tag
/// characters) and the Unicode line and paragraph separators. Unicode's general categories
/// `Cc`, `Cf`, `Zl` and `Zp` are exactly these, kept current by the crate that tables them.
#[must_use]
pub fn is_hidden(character: char) -> bool {
    // Below U+00A0 only C0, DEL and C1 are hidden: answered without the table, which most
    // text never needs (and which an unoptimised build copies on every lookup).
    if u32::from(character) < 0xa0 {
        return character.is_control();
    }
    matches!(
        get_general_category(character),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// How one character of a text is printed, given the text that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    As(char),
    Escaped(char),
    DoubledBackslash,
}

fn show(character: char, following: &str) -> Shown {
    if is_hidden(character) {
        Shown::Escaped(character)
    } else if character == '\\' && reads_as_escape(following) {
        Shown::DoubledBackslash
    } else {
        Shown::As(character)
    }
}

/// Whether a backslash followed by `following` would, printed as is, read as an escape or
/// as half of a doubled backslash.
fn reads_as_escape(following: &str) -> bool {
    following.starts_with("u{")
        || following
            .chars()
            .next()
            .is_some_and(|next| next == '\\' || is_hidden(next))
}

impl Shown {
    fn push_to(self, out: &mut String) {
        match self {
            Shown::As(character) => out.push(character),
            Shown::Escaped(character) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
            }
            Shown::DoubledBackslash => out.push_str("\\\\"),
        }
    }

    /// Terminal columns taken.
    fn width(self) -> usize {
        match self {
            Shown::As(character) => character.width().unwrap_or(0),
            Shown::Escaped(character) => {
                // `\u{` and `}` around the hex digits.
                let digits = (32 - u32::from(character).leading_zeros())
                    .div_ceil(4)
                    .max(1);
                4 + digits as usize
            }
            Shown::DoubledBackslash => 2,
        }
    }
}

/// `text` as printed for people: every hidden character escaped (see the module's doc).
#[must_use]
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|character| character == '\\' || is_hidden(character))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    push_escaped(&mut out, text, "");
    Cow::Owned(out)
}

/// Appends `text`, escaped, to `out`; `following` is what comes after `text` in the string
/// it was cut from, which decides how a final backslash is shown.
pub fn push_escaped(out: &mut String, text: &str, following: &str) {
    for (at, character) in text.char_indices() {
        let rest = &text[at + character.len_utf8()..];
        let next = if rest.is_empty() { following } else { rest };
        show(character, next).push_to(out);
    }
}

/// The terminal columns `character` takes once escaped, when `following` comes after it:
/// what lines a caret up under a source line (wide East Asian characters take two,
/// combining marks none).
#[must_use]
pub fn shown_width(character: char, following: &str) -> usize {
    show(character, following).width()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inverse of [`escape`], to show that nothing printed is ambiguous.
    fn unescape(shown: &str) -> String {
        let mut out = String::new();
        let mut rest = shown;
        while let Some(character) = rest.chars().next() {
            rest = &rest[character.len_utf8()..];
            if character != '\\' {
                out.push(character);
            } else if let Some(after) = rest.strip_prefix('\\') {
                out.push('\\');
                rest = after;
            } else if let Some((hex, after)) = rest
                .strip_prefix("u{")
                .and_then(|tail| tail.split_once('}'))
            {
                let code = u32::from_str_radix(hex, 16).expect("hex");
                out.push(char::from_u32(code).expect("a character"));
                rest = after;
            } else {
                out.push('\\');
            }
        }
        out
    }

    #[test]
    fn terminal_sequences_are_shown_not_run() {
        let osc52 = "x\x1b]52;c;aGVsbG8=\x07\x1b[2J\u{9b}31m";
        assert_eq!(
            escape(osc52),
            "x\\u{1b}]52;c;aGVsbG8=\\u{7}\\u{1b}[2J\\u{9b}31m"
        );
        assert_eq!(escape("a\nb\r\tc\u{7f}"), "a\\u{a}b\\u{d}\\u{9}c\\u{7f}");
    }

    #[test]
    fn invisible_and_reordering_characters_are_shown() {
        for character in [
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{202e}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200e}',
            '\u{200f}',
            '\u{061c}',
            '\u{200b}',
            '\u{200d}',
            '\u{2060}',
            '\u{feff}',
            '\u{ad}',
            '\u{2028}',
            '\u{2029}',
            '\u{e0041}',
            '\u{85}',
        ] {
            assert!(is_hidden(character), "{:x}", u32::from(character));
            let shown = escape(&character.to_string()).into_owned();
            assert_eq!(shown, format!("\\u{{{:x}}}", u32::from(character)));
        }
    }

    #[test]
    fn plain_text_is_left_alone() {
        for text in [
            "image `nginx:1.7.9` has no tag",
            "C:\\deploy\\web.yaml",
            "^/api/(v1|v2)\\.json$",
            "名前: ウェブ",
            "café ✓",
        ] {
            assert_eq!(escape(text), text);
        }
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn backslashes_are_doubled_only_where_they_would_read_as_an_escape() {
        assert_eq!(escape("\\u{1b}"), "\\\\u{1b}");
        assert_eq!(escape("\\\x1b"), "\\\\\\u{1b}");
        assert_eq!(escape("a\\\\b"), "a\\\\\\b");
        assert_eq!(escape("a\\"), "a\\");
    }

    #[test]
    fn escaping_is_reversible() {
        for text in [
            "\\u{1b}",
            "\\\x1b",
            "\\\\u{41}",
            "a\\\\b\\",
            "\\\\\\",
            "\x1b\\\x1b",
            "\\u{",
            "ok",
        ] {
            let shown = escape(text);
            assert!(!shown.chars().any(is_hidden));
            assert_eq!(unescape(&shown), text, "{shown}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_shown_without_hidden_characters_and_reversibly(
            text in "(\\\\|u\\{|[\\x00-\\x20]|\\PC|[\\u{80}-\\u{9f}\\u{200b}-\\u{206f}])*"
        ) {
            let shown = escape(&text);
            proptest::prop_assert!(!shown.chars().any(is_hidden));
            proptest::prop_assert_eq!(unescape(&shown), text);
        }
    }

    #[test]
    fn widths_are_terminal_columns_of_what_is_shown() {
        assert_eq!(shown_width('a', ""), 1);
        assert_eq!(shown_width('名', ""), 2);
        assert_eq!(shown_width('\u{301}', ""), 0);
        assert_eq!(shown_width('\x1b', ""), "\\u{1b}".len());
        assert_eq!(shown_width('\u{e0041}', ""), "\\u{e0041}".len());
        assert_eq!(shown_width('\0', ""), "\\u{0}".len());
        assert_eq!(shown_width('\\', "u{"), 2);
        assert_eq!(shown_width('\\', "n"), 1);
    }
}
