//! One way to run the i2kit binary in a test, shared by `tests/cli.rs` and `tests/golden.rs`.
//!
//! A [`Test`] holds the arguments, working directory and standard input of one run, and what the
//! run must show: its exit status and, for each stream, either its exact bytes or the fragments
//! it must (or must not) hold. Nothing said means exit 0 and both streams empty, so a test loosens
//! a stream only by saying what it checks instead. A failure names the command, its directory,
//! every expectation that did not hold (exact text as a diff), and the streams as they were.

// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What one output stream must show.
#[derive(Clone, Debug)]
struct Expected {
    /// The whole stream, byte for byte; `None` once a test checks only parts of it.
    exact: Option<Vec<u8>>,
    starts_with: Option<String>,
    contains: Vec<String>,
    lacks: Vec<String>,
}

impl Expected {
    fn empty() -> Expected {
        Expected {
            exact: Some(Vec::new()),
            starts_with: None,
            contains: Vec::new(),
            lacks: Vec::new(),
        }
    }

    fn problems(&self, stream: &str, actual: &[u8], problems: &mut Vec<String>) {
        let shown = text(actual);
        if let Some(exact) = &self.exact {
            if actual != exact.as_slice() {
                problems.push(format!(
                    "{stream} differs (- expected, + actual):\n{}",
                    diff(&text(exact), &shown)
                ));
            }
        }
        if let Some(prefix) = &self.starts_with {
            if !shown.starts_with(prefix.as_str()) {
                problems.push(format!("{stream} does not start with {prefix:?}"));
            }
        }
        for fragment in &self.contains {
            if !shown.contains(fragment.as_str()) {
                problems.push(format!("{stream} does not contain {fragment:?}"));
            }
        }
        for fragment in &self.lacks {
            if shown.contains(fragment.as_str()) {
                problems.push(format!("{stream} contains {fragment:?}, which it must not"));
            }
        }
    }
}

/// One run of the i2kit binary and what it must show.
#[must_use]
#[derive(Clone, Debug)]
pub struct Test {
    args: Vec<OsString>,
    directory: PathBuf,
    stdin: Option<Vec<u8>>,
    status: i32,
    stdout: Expected,
    stderr: Expected,
    note: Option<String>,
}

impl Default for Test {
    fn default() -> Test {
        Test::new()
    }
}

impl Test {
    /// Exit 0, nothing on either stream, run from the crate's root with no standard input.
    pub fn new() -> Test {
        Test {
            args: Vec::new(),
            directory: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            stdin: None,
            status: 0,
            stdout: Expected::empty(),
            stderr: Expected::empty(),
            note: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Test {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I>(mut self, args: I) -> Test
    where
        I: IntoIterator,
        I::Item: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|arg| arg.as_ref().to_owned()));
        self
    }

    /// The working directory; relative paths in the arguments are read from it.
    pub fn current_dir(mut self, directory: impl AsRef<Path>) -> Test {
        self.directory = directory.as_ref().to_owned();
        self
    }

    /// Bytes piped to standard input (without this, standard input is empty and closed).
    pub fn stdin(mut self, bytes: impl AsRef<[u8]>) -> Test {
        self.stdin = Some(bytes.as_ref().to_vec());
        self
    }

    pub fn status(mut self, status: i32) -> Test {
        self.status = status;
        self
    }

    /// Why this run matters, printed first when it fails.
    pub fn note(mut self, note: impl Into<String>) -> Test {
        self.note = Some(note.into());
        self
    }

    /// Standard output, byte for byte.
    pub fn stdout(mut self, exact: impl AsRef<[u8]>) -> Test {
        self.stdout.exact = Some(exact.as_ref().to_vec());
        self
    }

    /// Standard output is checked by the test itself, from the returned [`Output`].
    pub fn stdout_any(mut self) -> Test {
        self.stdout.exact = None;
        self
    }

    pub fn stdout_starts_with(mut self, prefix: impl Into<String>) -> Test {
        self.stdout.exact = None;
        self.stdout.starts_with = Some(prefix.into());
        self
    }

    pub fn stdout_contains(mut self, fragment: impl Into<String>) -> Test {
        self.stdout.exact = None;
        self.stdout.contains.push(fragment.into());
        self
    }

    pub fn stdout_lacks(mut self, fragment: impl Into<String>) -> Test {
        self.stdout.exact = None;
        self.stdout.lacks.push(fragment.into());
        self
    }

    /// Standard error, byte for byte.
    pub fn stderr(mut self, exact: impl AsRef<[u8]>) -> Test {
        self.stderr.exact = Some(exact.as_ref().to_vec());
        self
    }

    /// Standard error is checked by the test itself, from the returned [`Output`].
    pub fn stderr_any(mut self) -> Test {
        self.stderr.exact = None;
        self
    }

    pub fn stderr_starts_with(mut self, prefix: impl Into<String>) -> Test {
        self.stderr.exact = None;
        self.stderr.starts_with = Some(prefix.into());
        self
    }

    pub fn stderr_contains(mut self, fragment: impl Into<String>) -> Test {
        self.stderr.exact = None;
        self.stderr.contains.push(fragment.into());
        self
    }

    pub fn stderr_lacks(mut self, fragment: impl Into<String>) -> Test {
        self.stderr.exact = None;
        self.stderr.lacks.push(fragment.into());
        self
    }

    /// Runs i2kit and returns what it did, checking nothing (blessing goldens uses this).
    pub fn output(&self) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_i2kit"));
        command
            .args(&self.args)
            .current_dir(&self.directory)
            .env("NO_COLOR", "1")
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("{}: cannot start: {error}", self.command_line()));
        if let (Some(bytes), Some(mut pipe)) = (&self.stdin, child.stdin.take()) {
            // i2kit may stop reading early (a usage error): a broken pipe is its answer, not ours.
            let _ = pipe.write_all(bytes);
        }
        let output = child
            .wait_with_output()
            .unwrap_or_else(|error| panic!("{}: {error}", self.command_line()));
        Output {
            status: output.status.code(),
            stdout: output.stdout,
            stderr: output.stderr,
        }
    }

    /// Runs i2kit and returns what it did with every expectation that did not hold, each a
    /// readable paragraph (empty when the run is as expected).
    pub fn outcome(&self) -> (Output, Vec<String>) {
        let output = self.output();
        let mut problems = Vec::new();
        if output.status != Some(self.status) {
            problems.push(format!(
                "exit status {}, expected {}",
                output.status.map_or_else(
                    || "none (killed by a signal)".to_string(),
                    |s| s.to_string()
                ),
                self.status
            ));
        }
        self.stdout
            .problems("stdout", &output.stdout, &mut problems);
        self.stderr
            .problems("stderr", &output.stderr, &mut problems);
        (output, problems)
    }

    /// Runs i2kit and panics with a readable report unless it did what was expected.
    #[track_caller]
    pub fn run(self) -> Output {
        let (output, problems) = self.outcome();
        if !problems.is_empty() {
            panic!("{}", self.report(&output, &problems));
        }
        output
    }

    /// The failure report: the command, its directory, each problem, then both streams.
    pub fn report(&self, output: &Output, problems: &[String]) -> String {
        let mut report = String::new();
        if let Some(note) = &self.note {
            let _ = writeln!(report, "{note}");
        }
        let _ = writeln!(
            report,
            "`{}` in {}:",
            self.command_line(),
            self.directory.display()
        );
        for problem in problems {
            let _ = writeln!(report, "- {problem}");
        }
        for (name, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
            if bytes.is_empty() {
                let _ = writeln!(report, "--- {name}: empty");
            } else {
                let _ = write!(report, "--- {name}:\n{}", text(bytes));
                if !bytes.ends_with(b"\n") {
                    report.push_str("\n(no newline at the end)\n");
                }
            }
        }
        report
    }

    fn command_line(&self) -> String {
        let mut line = String::from("i2kit");
        for arg in &self.args {
            let _ = write!(line, " {}", arg.to_string_lossy().escape_debug());
        }
        if self.stdin.is_some() {
            line.push_str(" < (stdin)");
        }
        line
    }
}

/// What one run did.
#[derive(Clone, Debug)]
pub struct Output {
    /// The exit code; `None` when a signal ended the process.
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn stdout_text(&self) -> String {
        text(&self.stdout)
    }

    pub fn stderr_text(&self) -> String {
        text(&self.stderr)
    }

    /// Standard output parsed as one JSON value.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not one JSON value ({error}):\n{}",
                self.stdout_text()
            )
        })
    }

    /// Standard output parsed as one JSON object per line, as `validate --format json` prints.
    #[track_caller]
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout_text()
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|error| panic!("not one JSON object ({error}): {line}"))
            })
            .collect()
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A unified line diff of `expected` against `actual`, the way review tools show one.
pub fn diff(expected: &str, actual: &str) -> String {
    if expected == actual {
        return "(the same text: the bytes differ where they are not valid UTF-8)\n".to_string();
    }
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .missing_newline_hint(true)
        .to_string()
}
