//! The whole pipeline on one application, with no I/O: the bytes of its files in, output texts
//! and diagnostics out.

use crate::diagnostic::{Diagnostic, Severity, sort_diagnostics};
use crate::emit::cloudformation::{TemplateError, check_template, emit_template};
use crate::emit::linuxkit::emit_linuxkit;
use crate::image_lock::ImageLock;
use crate::infer::boot::check_boot_wrapping;
use crate::infer::group::plan_groups;
use crate::infer::host_zones::check_host_zones;
use crate::infer::images::{resolve_containers, resolve_images};
use crate::infer::link::link;
use crate::infer::run::run;
use crate::input::credential;
use crate::input::kubernetes::restriction::Waivers;
use crate::input::origin::note_origins;
use crate::input::{InputFile, Reading, read_application, read_inputs};
use crate::internal_error::InternalError;
use crate::model::{Application, Container, Deployment};
use crate::source::{SourceFile, Sources};
use std::collections::BTreeSet;

/// What compiling one input produced. Outputs are present only when there is no error.
#[derive(Debug, Clone, Default)]
pub struct Compilation {
    pub diagnostics: Vec<Diagnostic>,
    pub template: Option<String>,
    /// (deployment name, LinuxKit build file), in document order.
    pub linuxkit: Vec<(String, String)>,
    /// i2kit itself failed: nothing is written, and the run exits 2 with this message.
    pub internal_error: Option<InternalError>,
}

impl Compilation {
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error) || self.internal_error.is_some()
    }
}

/// What a run needs produced: `validate` checks the template against CloudFormation's
/// quotas but keeps neither its text nor the LinuxKit files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs {
    All,
    TemplateOnly,
}

/// How a run treats its input, beyond the input itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings<'a> {
    /// Every warning becomes an error, for CI jobs that want no surprises.
    pub strict: bool,
    /// The image lock given with `--images`; `None` compiles without reading any image.
    pub images: Option<&'a ImageLock>,
    /// The kinds of access restriction to compile without (`--allow-unenforced`).
    pub waivers: Waivers,
}

/// `strict` turns every warning into an error, for CI jobs that want no surprises.
#[must_use]
pub fn compile_bytes(name: &str, bytes: &[u8], strict: bool) -> (Sources, Compilation) {
    compile_bytes_with(
        name,
        bytes,
        Settings {
            strict,
            ..Settings::default()
        },
    )
}

/// [`compile_bytes`] with an image lock.
#[must_use]
pub fn compile_bytes_with(
    name: &str,
    bytes: &[u8],
    settings: Settings<'_>,
) -> (Sources, Compilation) {
    compile_inputs(
        vec![InputFile::named(name, bytes)],
        name,
        settings,
        Outputs::All,
    )
}

/// The same checks as [`compile_bytes_with`] without writing LinuxKit files: for `validate`.
#[must_use]
pub fn check_bytes(name: &str, bytes: &[u8], settings: Settings<'_>) -> (Sources, Compilation) {
    compile_inputs(
        vec![InputFile::named(name, bytes)],
        name,
        settings,
        Outputs::TemplateOnly,
    )
}

/// Compiles the files of one application (in the order given: their documents are read as
/// one input). `label` names the application in diagnostics that have no place in a file.
#[must_use]
pub fn compile_inputs(
    inputs: Vec<InputFile>,
    label: &str,
    settings: Settings<'_>,
    outputs: Outputs,
) -> (Sources, Compilation) {
    let (sources, reading) = read_inputs(&inputs, label, settings.waivers);
    // The sources hold the decoded text: the bytes as read would only double the largest
    // input's memory through the passes and emitters that follow.
    drop(inputs);
    let mut compilation = compile_reading(reading, &sources, settings, outputs);
    note_origins(&sources, &mut compilation.diagnostics);
    (sources, compilation)
}

/// The image references of an input as written, for `i2kit images`: init containers too,
/// both input forms. Reading errors come back instead.
///
/// # Errors
/// The reading's diagnostics (errors and warnings) when it has an error.
pub fn list_images(
    name: &str,
    bytes: &[u8],
) -> (Sources, Result<BTreeSet<String>, Vec<Diagnostic>>) {
    list_images_of(&[InputFile::named(name, bytes)], name)
}

/// [`list_images`] of an application of several files.
///
/// # Errors
/// The reading's errors when it has any.
pub fn list_images_of(
    inputs: &[InputFile],
    label: &str,
) -> (Sources, Result<BTreeSet<String>, Vec<Diagnostic>>) {
    // Listing images opens nothing, whatever the input restricts.
    let (sources, reading) = read_inputs(inputs, label, Waivers::all());
    let (application, diagnostics) = infer_reading(reading);
    let images = match application {
        Some(application) => Ok(application
            .deployments
            .iter()
            .flat_map(Deployment::every_container)
            .map(|container| container.image.clone())
            .collect()),
        None => {
            let mut errors: Vec<Diagnostic> = diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect();
            note_origins(&sources, &mut errors);
            Err(errors)
        }
    };
    (sources, images)
}

/// The template and every LinuxKit file into `compilation`; the template's warnings back.
fn emit_outputs(
    application: &Application,
    compilation: &mut Compilation,
) -> Result<Vec<Diagnostic>, TemplateError> {
    let (template, warnings) = emit_template(application)?;
    compilation.template = Some(template);
    compilation.linuxkit = application
        .deployments
        .iter()
        .map(|deployment| Ok((deployment.name.to_string(), emit_linuxkit(deployment)?)))
        .collect::<Result<_, InternalError>>()?;
    Ok(warnings)
}

/// Reads a one-file application and runs the inference passes, without an image lock: the
/// application when nothing failed, and every diagnostic. For tests and benchmarks that stop
/// before the image pass and the emitters.
#[must_use]
pub fn infer_application(
    source: &SourceFile,
    waivers: Waivers,
) -> (Option<Application>, Vec<Diagnostic>) {
    infer_reading(read_application(source, waivers))
}

/// The passes of [`crate::infer::run`] over what was read: the application when nothing
/// failed, and every diagnostic of reading and inference. The containers read back too, for
/// the image pass to report on when nothing compiles.
fn infer_reading(reading: Reading) -> (Option<Application>, Vec<Diagnostic>) {
    let (application, diagnostics, _) = infer_reading_with_containers(reading);
    (application, diagnostics)
}

fn infer_reading_with_containers(
    reading: Reading,
) -> (Option<Application>, Vec<Diagnostic>, Vec<Container>) {
    let file_names: Vec<&str> = reading.file_names.iter().map(String::as_str).collect();
    let inference = run(reading.intent, &file_names, reading.failed);
    let mut diagnostics = reading.diagnostics;
    diagnostics.extend(inference.diagnostics);
    sort_diagnostics(&mut diagnostics);
    (
        inference.application,
        diagnostics,
        inference.unresolved_containers,
    )
}

fn compile_reading(
    reading: Reading,
    sources: &Sources,
    settings: Settings<'_>,
    outputs: Outputs,
) -> Compilation {
    let (application, mut diagnostics, mut containers_read) =
        infer_reading_with_containers(reading);
    let mut compilation = Compilation::default();
    if application.is_none() {
        // Nothing compiles, but what depends on the images is reported with the rest.
        diagnostics.extend(resolve_containers(
            containers_read.iter_mut(),
            settings.images,
        ));
    }
    let resolved = application.and_then(|mut application| {
        let mut found = resolve_images(&mut application, settings.images);
        found.extend(check_boot_wrapping(&application));
        // An unknown entrypoint stops here, as a reading error does, so later passes do not
        // report on a container whose command line is missing.
        let failed = found.iter().any(Diagnostic::is_error);
        diagnostics.extend(found);
        (!failed).then_some(application)
    });
    if let Some(mut application) = resolved {
        diagnostics.extend(link(&mut application));
        diagnostics.extend(check_host_zones(&application));
        plan_groups(&mut application);
        let checked = match outputs {
            Outputs::All => emit_outputs(&application, &mut compilation),
            Outputs::TemplateOnly => check_template(&application),
        };
        match checked {
            Ok(warnings) => diagnostics.extend(warnings),
            Err(TemplateError::Refused(problems)) => diagnostics.extend(problems),
            Err(TemplateError::Internal(error)) => compilation.internal_error = Some(error),
        }
    }
    diagnostics.retain(|diagnostic| !credential::allowlisted(diagnostic, sources));
    if settings.strict {
        for diagnostic in &mut diagnostics {
            diagnostic.severity = Severity::Error;
        }
    }
    sort_diagnostics(&mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) || compilation.internal_error.is_some() {
        compilation.template = None;
        compilation.linuxkit.clear();
    }
    compilation.diagnostics = diagnostics;
    compilation
}
