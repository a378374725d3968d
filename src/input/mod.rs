//! Reading input files into the model. Each document of a file is an i2kit manifest or a
//! Kubernetes object (told apart by `apiVersion`/`kind`); the documents of every file given
//! form one application (one template), in the order the files are given, as `kubectl apply
//! -f` takes them.

pub mod autoscaler_bounds;
pub mod capabilities;
pub mod credential;
pub mod document_order;
pub mod kubernetes;
pub mod listing;
pub mod manifest;
pub mod mount_target;
pub mod origin;
pub mod port_syntax;
pub mod role_arn;
pub mod rules;
pub mod schema;
pub mod short;

use crate::aws_quotas::MAX_PARAMETERS;
use crate::diagnostic::{Code, Diagnostic, sort_diagnostics};
use crate::input::document_order::DocumentOrder;
use crate::model::{Application, Container, Deployment, Service};
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

/// What reading one file produced: the application when there were no errors, and every
/// diagnostic (warnings too) in document order.
#[derive(Debug, Clone)]
pub struct Reading {
    pub application: Option<Application>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every container read, with errors or not, in no particular order. When the file has
    /// errors there is no application, yet some problems of a container can only be judged
    /// later, against the image lock (`args` without `command`), and are still reported
    /// with the others from these.
    pub containers_read: Vec<Container>,
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
            application: None,
            diagnostics,
            containers_read: Vec::new(),
        }
    }
}

/// Checks every document of every file, in order; `file_names` (by file index) locate the
/// first of two objects that share a name.
fn read_documents(files: Vec<Vec<Document>>, file_names: &[&str], waivers: Waivers) -> Reading {
    let mut diagnostics = Vec::new();
    let mut deployments: Vec<(DocumentOrder, Deployment)> = Vec::new();
    let mut services: Vec<(DocumentOrder, Service)> = Vec::new();
    let mut ingresses = Vec::new();
    let mut failed = false;
    let mut containers_read = Vec::new();
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
        // Every deployment adds two parameters to the template, so past this many the file
        // can only fail CloudFormation's quota: stop here, before reading (and holding the
        // model of) thousands more.
        if deployments.len() + kubernetes_objects.deployment_count() > MAX_DEPLOYMENTS {
            // Located at the document that went over, the one read last.
            diagnostics.push(too_many_deployments(previous.unwrap_or(root.span)));
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
        match short::parse_short(root) {
            Ok((application, warnings)) => {
                diagnostics.extend(warnings);
                for deployment in &application.deployments {
                    containers_read.extend(deployment.containers.iter().cloned());
                }
                deployments.extend(application.deployments.into_iter().map(|d| (order, d)));
                services.extend(application.services.into_iter().map(|s| (order, s)));
            }
            Err((problems, containers)) => {
                diagnostics.extend(problems);
                containers_read.extend(containers);
                failed = true;
            }
        }
    }
    let resolved = kubernetes::resolve(kubernetes_objects, &mut kubernetes_sink);
    deployments.extend(resolved.deployments);
    services.extend(resolved.services);
    ingresses.extend(resolved.ingresses.into_iter().map(|(_, ingress)| ingress));
    failed |= kubernetes_sink.error_count() > 0;
    diagnostics.extend(kubernetes_sink.diagnostics);
    containers_read.extend(kubernetes_sink.containers_read);
    deployments.sort_by_key(|(order, _)| *order);
    services.sort_by_key(|(order, _)| *order);
    let deployments = unique_by_name(deployments, "deployment", file_names, &mut diagnostics);
    let services = unique_by_name(services, "service", file_names, &mut diagnostics);
    if !failed && deployments.is_empty() {
        diagnostics.push(
            Diagnostic::error(Code::MissingField, None, "the input holds no deployment").with_help(
                "write a manifest with `name:` and `containers:`, or a Kubernetes Deployment",
            ),
        );
    }
    sort_diagnostics(&mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    Reading {
        application: (!has_errors).then_some(Application {
            deployments,
            services,
            ingresses,
        }),
        diagnostics,
        containers_read,
    }
}

/// The most deployments one template can hold: each takes two of CloudFormation's 200
/// parameters, beside the two every template has (VPC and subnets). Reading stops past it,
/// since such an input can only fail the emitter's check of the same quota.
pub const MAX_DEPLOYMENTS: usize = (MAX_PARAMETERS - 2) / 2;

fn too_many_deployments(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TemplateLimit,
        Some(span),
        format!("the input holds more than {MAX_DEPLOYMENTS} deployments; its template would exceed CloudFormation's {MAX_PARAMETERS} parameters (two per deployment)"),
    )
    .with_help(SPLIT_APPLICATION)
}

/// What [`unique_by_name`] needs of deployments and services.
trait Named {
    fn name(&self) -> &str;
    fn span(&self) -> Option<Span>;
}

impl Named for Deployment {
    fn name(&self) -> &str {
        &self.name
    }
    fn span(&self) -> Option<Span> {
        self.span
    }
}

impl Named for Service {
    fn name(&self) -> &str {
        &self.name
    }
    fn span(&self) -> Option<Span> {
        self.span
    }
}

/// Keeps the first of each name and reports the others: a name becomes a file name, logical
/// ids and DNS records, so two objects of one kind cannot share it, whatever their namespaces
/// or files. The help points at the first, by `FILE:LINE:COLUMN` when it is in another file.
fn unique_by_name<T: Named>(
    ordered: Vec<(DocumentOrder, T)>,
    what: &str,
    file_names: &[&str],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let mut kept: Vec<T> = Vec::new();
    // Name → index in `kept`: one lookup per item, not a scan of all kept so far.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (_, item) in ordered {
        if let Some(first) = seen.get(item.name()).and_then(|index| kept.get(*index)) {
            let place = match (first.span(), item.span()) {
                (Some(earlier), Some(later)) if earlier.file != later.file => format!(
                    "the first is at {}:{}; ",
                    file_names.get(earlier.file).copied().unwrap_or_default(),
                    earlier.start
                ),
                (Some(earlier), _) => format!("the first is at line {}; ", earlier.start.line),
                (None, _) => String::new(),
            };
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateDeployment,
                    item.span(),
                    format!("{what} `{}` is defined twice", item.name()),
                )
                .with_help(format!(
                    "{place}names become host names, so each must be unique"
                )),
            );
        } else {
            seen.insert(item.name().to_string(), kept.len());
            kept.push(item);
        }
    }
    kept
}
