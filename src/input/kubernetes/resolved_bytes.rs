//! The bytes the resolve phase writes into the model: composed variables, command lines after
//! `$(VAR)` expansion, and the files of mounted ConfigMap volumes. Each copies or multiplies
//! text of the input (a variable that is the previous one twice doubles per line: 1.4 KB of
//! input made 134 MB of LinuxKit file), so they are bounded together, per application, and
//! every copy is counted before it is made.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// What the resolve phase may write, per application: the input's own cap again. Real
/// environments and config files are kilobytes; past this, time and memory would follow the
/// expansion rather than the input.
pub const MAX_RESOLVED_BYTES: usize = 8 * 1024 * 1024;

/// The bytes still free of [`MAX_RESOLVED_BYTES`]; once spent, nothing more is resolved.
#[derive(Debug)]
pub struct ResolvedBytes {
    remaining: usize,
}

impl Default for ResolvedBytes {
    fn default() -> ResolvedBytes {
        ResolvedBytes {
            remaining: MAX_RESOLVED_BYTES,
        }
    }
}

impl ResolvedBytes {
    /// What may still be written.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    /// Counts `bytes` about to be written for `what` (written at `span`).
    ///
    /// # Errors
    /// I2K007 at `span` when they do not fit.
    pub fn take(&mut self, bytes: usize, what: &str, span: Option<Span>) -> Result<(), Diagnostic> {
        match self.remaining.checked_sub(bytes) {
            Some(left) => {
                self.remaining = left;
                Ok(())
            }
            None => Err(self.exceeded(what, span)),
        }
    }

    /// The error for `what`, which would not fit.
    #[must_use]
    pub fn exceeded(&mut self, what: &str, span: Option<Span>) -> Diagnostic {
        self.remaining = 0;
        Diagnostic::error(
            Code::InputLimit,
            span,
            format!(
                "{what} would take the application's variables, command lines and config files past {} MiB",
                MAX_RESOLVED_BYTES / (1024 * 1024)
            ),
        )
        .with_help("no deployment needs this much: look for variables that repeat others (each `$(VAR)` copies the value of VAR), or a large ConfigMap read by many containers or volumes")
    }
}
