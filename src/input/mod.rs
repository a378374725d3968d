//! Reading input files into the model. Each document of a file is an i2kit manifest or a
//! Kubernetes object (told apart by `apiVersion`/`kind`); the documents of every file given
//! form one application (one template), in the order the files are given, as `kubectl apply
//! -f` takes them.

pub mod autoscaler_bounds;
pub mod capabilities;
pub mod credential;
pub mod kubernetes;
pub mod listing;
pub mod manifest;
pub mod mount_target;
pub mod origin;
pub mod port_syntax;
pub mod rules;
pub mod schema;
pub mod short;

use crate::diagnostic::{Code, Diagnostic, sort_diagnostics};
use crate::model::document_order::DocumentOrder;
use crate::model::intent::Intent;
use crate::source::{SourceFile, Sources, Span};
use crate::yaml::{Budget, Document, Value, parse_documents, parse_documents_in};
use kubernetes::restriction::Waivers;

/// Input larger than this, all files of an application together, is refused before parsing:
/// a manifest is kilobytes, and a bound keeps time and memory predictable whatever is fed in,
/// however many files it comes in.
pub const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

/// One input file of an application, as read from disk or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// What diagnostics print: the path as given (a directory's files as `DIR/NAME`), or
    /// `<stdin>`.
    pub name: String,
    pub bytes: Vec<u8>,
    pub found: Found,
}

/// How an input file came to be among an application's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Named on the command line, or standard input: always read.
    Named,
    /// Found by listing a directory: skipped, with a warning, when it holds no manifest (see
    /// [`listing`]).
    Listed,
    /// A symbolic link found by listing `directory` (as given) that leads out of it: never
    /// read, so its target's lines are never printed, and skipped with a warning (see
    /// [`listing::link_outside`]).
    LinkOutside { directory: String },
}

impl InputFile {
    /// A file named on the command line (or standard input): always read.
    #[must_use]
    pub fn named(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> InputFile {
        InputFile {
            name: name.into(),
            bytes: bytes.into(),
            found: Found::Named,
        }
    }
}

/// What reading an application's files produced: the intent of every document read, and
/// every diagnostic (warnings too).
#[derive(Debug)]
pub struct Reading {
    pub intent: Intent,
    /// Some document could not be read into the intent (or read with errors): the passes still
    /// report on what was read, but nothing compiles.
    pub failed: bool,
    /// The files read, by index: diagnostics of later passes name the file of an earlier object.
    pub file_names: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Bytes → text, refusing what is not a manifest before any parsing.
///
/// # Errors
/// A diagnostic for oversize input or bytes that are not UTF-8.
pub fn decode(bytes: &[u8]) -> Result<String, Diagnostic> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Diagnostic::error(
            Code::InputLimit,
            None,
            format!(
                "the file is {} bytes; i2kit reads manifests of at most {} MiB",
                bytes.len(),
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
        )
        .with_help(SPLIT_APPLICATION));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).map_err(|error| {
        let valid = &bytes[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|byte| **byte == b'\n').count() + 1;
        let column = valid
            .iter()
            .rev()
            .take_while(|byte| **byte != b'\n')
            .count()
            + 1;
        Diagnostic::error(
            Code::NotUtf8,
            Some(crate::source::Span::at(line, column)),
            "the file is not UTF-8 text",
        )
        .with_help("save the manifest as UTF-8")
    })
}

/// Said wherever an application is too large for one template or one run.
const SPLIT_APPLICATION: &str = "split the deployments into several applications, each compiled on its own into its own template and stack";

/// Parses and checks every document of `source`, a one-file application, compiling without
/// the kinds of access restriction `waivers` names.
#[must_use]
pub fn read_application(source: &SourceFile, waivers: Waivers) -> Reading {
    match parse_documents(&source.text) {
        Ok(documents) => read_documents(vec![documents], &[source.name.as_str()], waivers),
        Err(problem) => Reading::failed(vec![problem]),
    }
}

/// Reads the files of one application: decodes and parses each on its own (so a syntax error
/// stays in its file and every file's is reported), then reads the documents of all of them,
/// in order, as one input. `label` names the application in diagnostics without a span: the
/// first input as given.
#[must_use]
pub fn read_inputs(inputs: &[InputFile], label: &str, waivers: Waivers) -> (Sources, Reading) {
    let mut files = Vec::with_capacity(inputs.len());
    let mut parsed = Vec::with_capacity(inputs.len());
    let mut problems = Vec::new();
    let mut total_bytes = 0_usize;
    let mut budget = Budget::default();
    for (index, input) in inputs.iter().enumerate() {
        total_bytes = total_bytes.saturating_add(input.bytes.len());
        if total_bytes > MAX_INPUT_BYTES {
            problems.push(too_large(inputs.len(), total_bytes, index));
            files.push(SourceFile::new(input.name.clone(), String::new()));
            break;
        }
        let (file, outcome) = parse_file(input, index, &mut budget);
        files.push(file);
        match outcome {
            FileOutcome::Parsed(documents) => parsed.push(documents),
            FileOutcome::Skipped(warning) => problems.push(warning),
            FileOutcome::Failed(problem) => problems.push(problem),
        }
        // The node budget is the application's: once spent, later files cannot fit.
        if budget.is_spent() {
            break;
        }
    }
    let sources = Sources::new(files, label);
    if problems.iter().any(Diagnostic::is_error) {
        // Objects of the files that did parse would be judged without those that did not
        // (a Service selecting nothing, no deployment): report only why files did not read.
        return (sources, Reading::failed(problems));
    }
    let names: Vec<&str> = sources
        .files()
        .iter()
        .map(|file| file.name.as_str())
        .collect();
    let mut reading = read_documents(parsed, &names, waivers);
    reading.diagnostics.extend(problems);
    sort_diagnostics(&mut reading.diagnostics);
    (sources, reading)
}

/// What became of one input file.
enum FileOutcome {
    Parsed(Vec<Document>),
    /// A listed file that holds no manifest, or a link out of the directory listed, and the
    /// warning saying so.
    Skipped(Diagnostic),
    /// Not UTF-8, or not YAML.
    Failed(Diagnostic),
}

/// Decodes and parses the input at `index`: its text (lossy when it is not UTF-8, so the
/// diagnostic can still show the line) and what it holds.
fn parse_file(input: &InputFile, index: usize, budget: &mut Budget) -> (SourceFile, FileOutcome) {
    if let Found::LinkOutside { directory } = &input.found {
        return (
            SourceFile::new(input.name.clone(), String::new()),
            FileOutcome::Skipped(listing::link_outside(index, directory)),
        );
    }
    let text = match decode(&input.bytes) {
        Ok(text) => text,
        Err(mut problem) => {
            problem.span = problem.span.map(|span| span.in_file(index));
            let lossy = String::from_utf8_lossy(&input.bytes).into_owned();
            return (
                SourceFile::new(input.name.clone(), lossy),
                FileOutcome::Failed(problem),
            );
        }
    };
    let outcome = match parse_documents_in(&text, index, budget) {
        Ok(documents) if input.found == Found::Listed && !listing::holds_manifest(&documents) => {
            FileOutcome::Skipped(listing::skipped_file(&input.name, index, &documents))
        }
        Ok(documents) => FileOutcome::Parsed(documents),
        Err(problem) => FileOutcome::Failed(problem),
    };
    (SourceFile::new(input.name.clone(), text), outcome)
}

/// The whole input went over [`MAX_INPUT_BYTES`] at file `file`.
fn too_large(files: usize, total_bytes: usize, file: usize) -> Diagnostic {
    let limit = MAX_INPUT_BYTES / (1024 * 1024);
    let message = if files == 1 {
        format!("the file is {total_bytes} bytes; i2kit reads manifests of at most {limit} MiB")
    } else {
        format!(
            "the input files come to more than {limit} MiB with this one; i2kit reads applications of at most {limit} MiB"
        )
    };
    Diagnostic::error(Code::InputLimit, Some(Span::whole_file(file)), message)
        .with_help(SPLIT_APPLICATION)
}

impl Reading {
    fn failed(mut diagnostics: Vec<Diagnostic>) -> Reading {
        sort_diagnostics(&mut diagnostics);
        Reading {
            intent: Intent::default(),
            failed: true,
            file_names: Vec::new(),
            diagnostics,
        }
    }
}

/// Reads every document of every file, in order, into one intent. `file_names` (by file index)
/// are kept for the passes that name the file of an earlier object.
fn read_documents(files: Vec<Vec<Document>>, file_names: &[&str], waivers: Waivers) -> Reading {
    let mut diagnostics = Vec::new();
    let mut intent = Intent::default();
    let mut failed = false;
    let mut kubernetes_objects = kubernetes::Objects::default();
    let mut kubernetes_sink = kubernetes::reader::Sink {
        waivers,
        ..kubernetes::reader::Sink::default()
    };
    let mut previous = None;
    let documents = files.iter().enumerate().flat_map(|(file, documents)| {
        documents
            .iter()
            .enumerate()
            .map(move |(index, document)| (DocumentOrder::document(file, index), document))
    });
    for (order, document) in documents {
        let root = &document.root;
        if root.value == Value::Null {
            continue;
        }
        // Stop here, before reading (and holding the model of) thousands more.
        if intent.workloads.len() + kubernetes_objects.deployment_count() > MAX_WORKLOADS {
            // Located at the document that went over, the one read last.
            diagnostics.push(too_many_workloads(previous.unwrap_or(root.span)));
            failed = true;
            break;
        }
        previous = Some(root.span);
        if kubernetes::is_kubernetes(root) {
            kubernetes_objects.start_document(order);
            kubernetes::collect(root, &mut kubernetes_objects, &mut kubernetes_sink);
            continue;
        }
        if !matches!(root.value, Value::Mapping(_)) {
            diagnostics.push(
                Diagnostic::error(
                    Code::WrongType,
                    Some(root.span),
                    format!("a manifest must be a mapping, found {}", root.type_name()),
                )
                .with_help("start the document with `name:` and `containers:`"),
            );
            failed = true;
            continue;
        }
        let read = short::parse_short(root, order);
        diagnostics.extend(read.diagnostics);
        failed |= read.failed;
        intent.workloads.extend(read.workload);
        intent.services.extend(read.service);
    }
    // What every pod reads from ConfigMaps and Secrets is settled as the kubelet settles it
    // when the pod starts: the last step of reading, with every object collected.
    kubernetes::references::resolve_references(&mut kubernetes_objects, &mut kubernetes_sink);
    kubernetes::persistent_volume_claim::resolve_claims(
        &mut kubernetes_objects,
        &mut kubernetes_sink,
    );
    kubernetes_objects.add_to(&mut intent);
    failed |= kubernetes_sink.error_count() > 0;
    diagnostics.extend(kubernetes_sink.diagnostics);
    Reading {
        intent,
        failed,
        file_names: file_names.iter().map(ToString::to_string).collect(),
        diagnostics,
    }
}

/// i2kit's own limit on the workloads (Deployments, StatefulSets, short manifests) of one
/// application, whatever the target: like [`MAX_INPUT_BYTES`], it keeps time and memory
/// predictable, since an 8 MiB file of tiny manifests would otherwise hold about a hundred
/// thousand workloads through every pass. It is well above what one template can hold (the
/// emitter refuses that at the first deployment too many), so it only ever stops an input
/// that could not compile anyway.
pub const MAX_WORKLOADS: usize = 500;

fn too_many_workloads(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InputLimit,
        Some(span),
        format!("the input holds more than {MAX_WORKLOADS} workloads; i2kit reads applications of at most {MAX_WORKLOADS}"),
    )
    .with_help(SPLIT_APPLICATION)
}
