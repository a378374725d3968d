//! Reading input files into the model. Each document of a file is an i2kit manifest or a
//! Kubernetes object (told apart by `apiVersion`/`kind`); the documents of one file form one
//! application (one template).

pub mod autoscaler_bounds;
pub mod kubernetes;
pub mod manifest;
pub mod port_syntax;
pub mod role_arn;
pub mod rules;
pub mod short;

use crate::diagnostic::{Code, Diagnostic, sort_diagnostics};
use crate::model::{Application, Container, Deployment, Service};
use crate::source::SourceFile;
use crate::source::Span;
use crate::yaml::{Value, parse_documents};

/// Files larger than this are refused before parsing: a manifest is kilobytes, and a bound
/// keeps time and memory predictable whatever is fed in.
pub const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

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
        .with_help("split the deployments over several files, one application per file"));
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

/// Parses and checks every document of `source`.
#[must_use]
pub fn read_application(source: &SourceFile) -> Reading {
    let mut diagnostics = Vec::new();
    let documents = match parse_documents(&source.text) {
        Ok(documents) => documents,
        Err(problem) => {
            return Reading {
                application: None,
                diagnostics: vec![problem],
                containers_read: Vec::new(),
            };
        }
    };
    let mut deployments: Vec<(usize, Deployment)> = Vec::new();
    let mut services: Vec<(usize, Service)> = Vec::new();
    let mut failed = false;
    let mut containers_read = Vec::new();
    let mut kubernetes_objects = kubernetes::Objects::default();
    let mut kubernetes_sink = kubernetes::reader::Sink::default();
    let mut previous = None;
    for (index, document) in documents.iter().enumerate() {
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
            kubernetes_objects.start_document(index);
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
                // Short manifests sort before Kubernetes objects of later documents.
                let order = index * 1_000_000;
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
    let resolved = kubernetes::selection::resolve(kubernetes_objects, &mut kubernetes_sink);
    deployments.extend(resolved.deployments);
    services.extend(resolved.services);
    failed |= kubernetes_sink.error_count() > 0;
    diagnostics.extend(kubernetes_sink.diagnostics);
    containers_read.extend(kubernetes_sink.containers_read);
    deployments.sort_by_key(|(order, _)| *order);
    services.sort_by_key(|(order, _)| *order);
    let deployments = unique_by_name(deployments, "deployment", &mut diagnostics);
    let services = unique_by_name(services, "service", &mut diagnostics);
    if !failed && deployments.is_empty() {
        diagnostics.push(
            Diagnostic::error(Code::MissingField, None, "the file holds no deployment")
                .with_help("write a manifest with `name:` and `containers:`"),
        );
    }
    sort_diagnostics(&mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    Reading {
        application: (!has_errors).then_some(Application {
            deployments,
            services,
        }),
        diagnostics,
        containers_read,
    }
}

/// The most deployments one template can hold: each takes two of CloudFormation's 200
/// parameters, beside the two every template has (VPC and subnets).
pub const MAX_DEPLOYMENTS: usize = (MAX_TEMPLATE_PARAMETERS - 2) / 2;
/// CloudFormation's parameters per template, as `emit::cloudformation::MAX_PARAMETERS`
/// (kept apart so that reading does not depend on an emitter).
const MAX_TEMPLATE_PARAMETERS: usize = 200;

fn too_many_deployments(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TemplateLimit,
        Some(span),
        format!("the file holds more than {MAX_DEPLOYMENTS} deployments; its template would exceed CloudFormation's {MAX_TEMPLATE_PARAMETERS} parameters (two per deployment)"),
    )
    .with_help("split the deployments over several files; each file becomes its own template and stack")
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
/// ids and DNS records, so two objects of one kind cannot share it, whatever their namespaces.
fn unique_by_name<T: Named>(
    ordered: Vec<(usize, T)>,
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let mut kept: Vec<T> = Vec::new();
    // Name → index in `kept`: one lookup per item, not a scan of all kept so far.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (_, item) in ordered {
        if let Some(first) = seen.get(item.name()).and_then(|index| kept.get(*index)) {
            let place = first
                .span()
                .map(|span| format!("the first is at line {}; ", span.start.line))
                .unwrap_or_default();
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
