//! The whole pipeline on one input, with no I/O: text in, output texts and diagnostics out.

use crate::diagnostic::{Diagnostic, Severity, sort_diagnostics};
use crate::emit::cloudformation::{check_template, emit_template};
use crate::emit::linuxkit::emit_linuxkit;
use crate::infer::link::link;
use crate::input::{decode, read_application};
use crate::source::SourceFile;

/// What compiling one input produced. Outputs are present only when there is no error.
#[derive(Debug, Clone, Default)]
pub struct Compilation {
    pub diagnostics: Vec<Diagnostic>,
    pub template: Option<String>,
    /// (deployment name, LinuxKit build file), in document order.
    pub linuxkit: Vec<(String, String)>,
}

impl Compilation {
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// What a run needs produced: `validate` checks the template against CloudFormation's
/// quotas but keeps neither its text nor the LinuxKit files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs {
    All,
    TemplateOnly,
}

/// `strict` turns every warning into an error, for CI jobs that want no surprises.
#[must_use]
pub fn compile_bytes(name: &str, bytes: &[u8], strict: bool) -> (SourceFile, Compilation) {
    produce(name, bytes, strict, Outputs::All)
}

/// The same checks as [`compile_bytes`] without writing LinuxKit files: for `validate`.
#[must_use]
pub fn check_bytes(name: &str, bytes: &[u8], strict: bool) -> (SourceFile, Compilation) {
    produce(name, bytes, strict, Outputs::TemplateOnly)
}

fn produce(name: &str, bytes: &[u8], strict: bool, outputs: Outputs) -> (SourceFile, Compilation) {
    match decode(bytes) {
        Ok(text) => {
            let source = SourceFile::new(name, text);
            let compilation = compile_with(&source, strict, outputs);
            (source, compilation)
        }
        Err(problem) => (
            SourceFile::new(name, String::from_utf8_lossy(bytes).into_owned()),
            Compilation {
                diagnostics: vec![problem],
                ..Compilation::default()
            },
        ),
    }
}

#[must_use]
pub fn compile_source(source: &SourceFile, strict: bool) -> Compilation {
    compile_with(source, strict, Outputs::All)
}

fn compile_with(source: &SourceFile, strict: bool, outputs: Outputs) -> Compilation {
    let reading = read_application(source);
    let mut diagnostics = reading.diagnostics;
    let mut compilation = Compilation::default();
    if let Some(mut application) = reading.application {
        diagnostics.extend(link(&mut application));
        match outputs {
            Outputs::All => match emit_template(&application) {
                Ok((template, warnings)) => {
                    diagnostics.extend(warnings);
                    compilation.template = Some(template);
                    compilation.linuxkit = application
                        .deployments
                        .iter()
                        .map(|deployment| (deployment.name.clone(), emit_linuxkit(deployment)))
                        .collect();
                }
                Err(problems) => diagnostics.extend(problems),
            },
            Outputs::TemplateOnly => match check_template(&application) {
                Ok(warnings) => diagnostics.extend(warnings),
                Err(problems) => diagnostics.extend(problems),
            },
        }
    }
    if strict {
        for diagnostic in &mut diagnostics {
            diagnostic.severity = Severity::Error;
        }
    }
    sort_diagnostics(&mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        compilation.template = None;
        compilation.linuxkit.clear();
    }
    compilation.diagnostics = diagnostics;
    compilation
}
