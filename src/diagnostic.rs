//! Problems found in user input, as data: rendered for people or as JSON in one place each.

use crate::source::{SourceFile, Span};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Stable diagnostic codes. A code never changes meaning once released; `docs/diagnostics.md`
/// lists them and a test keeps that list in sync with [`Code::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    YamlSyntax,
    DuplicateKey,
    UnknownField,
    WrongType,
    MissingField,
    InvalidValue,
    InputLimit,
    NotUtf8,
    InvalidName,
    DuplicateDeployment,
    EmptyContainers,
    PortSyntax,
    PortConflict,
    ProtocolMismatch,
    UnknownCapability,
    ArgsWithoutCommand,
    TemplateLimit,
    UnpinnedImage,
    UnsupportedYaml,
    UnknownKind,
    ExternalReference,
    UnsupportedVolume,
    IgnoredField,
    Clamped,
    ServiceSelection,
    UnsupportedPodFeature,
    GuessedHealthCheck,
    IgnoredKind,
    ImageNotInLock,
    NamedImageUser,
    ScalingTarget,
    UnmappedMetric,
    CpuTarget,
    DisruptionBudget,
    InstanceRole,
}

impl Code {
    pub const ALL: &'static [Code] = &[
        Code::YamlSyntax,
        Code::DuplicateKey,
        Code::UnknownField,
        Code::WrongType,
        Code::MissingField,
        Code::InvalidValue,
        Code::InputLimit,
        Code::NotUtf8,
        Code::InvalidName,
        Code::DuplicateDeployment,
        Code::EmptyContainers,
        Code::PortSyntax,
        Code::PortConflict,
        Code::ProtocolMismatch,
        Code::UnknownCapability,
        Code::ArgsWithoutCommand,
        Code::TemplateLimit,
        Code::UnpinnedImage,
        Code::UnsupportedYaml,
        Code::UnknownKind,
        Code::ExternalReference,
        Code::UnsupportedVolume,
        Code::IgnoredField,
        Code::Clamped,
        Code::ServiceSelection,
        Code::UnsupportedPodFeature,
        Code::GuessedHealthCheck,
        Code::IgnoredKind,
        Code::ImageNotInLock,
        Code::NamedImageUser,
        Code::ScalingTarget,
        Code::UnmappedMetric,
        Code::CpuTarget,
        Code::DisruptionBudget,
        Code::InstanceRole,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Code::YamlSyntax => "I2K001",
            Code::DuplicateKey => "I2K002",
            Code::UnknownField => "I2K003",
            Code::WrongType => "I2K004",
            Code::MissingField => "I2K005",
            Code::InvalidValue => "I2K006",
            Code::InputLimit => "I2K007",
            Code::NotUtf8 => "I2K008",
            Code::UnsupportedYaml => "I2K009",
            Code::InvalidName => "I2K010",
            Code::DuplicateDeployment => "I2K011",
            Code::EmptyContainers => "I2K012",
            Code::PortSyntax => "I2K013",
            Code::PortConflict => "I2K014",
            Code::ProtocolMismatch => "I2K015",
            Code::UnknownCapability => "I2K016",
            Code::ArgsWithoutCommand => "I2K017",
            Code::TemplateLimit => "I2K018",
            Code::UnpinnedImage => "I2K019",
            Code::UnknownKind => "I2K020",
            Code::ExternalReference => "I2K021",
            Code::UnsupportedVolume => "I2K022",
            Code::IgnoredField => "I2K023",
            Code::Clamped => "I2K024",
            Code::ServiceSelection => "I2K025",
            Code::UnsupportedPodFeature => "I2K026",
            Code::GuessedHealthCheck => "I2K027",
            Code::IgnoredKind => "I2K028",
            Code::ImageNotInLock => "I2K029",
            Code::NamedImageUser => "I2K030",
            Code::ScalingTarget => "I2K031",
            Code::UnmappedMetric => "I2K032",
            Code::CpuTarget => "I2K033",
            Code::DisruptionBudget => "I2K034",
            Code::InstanceRole => "I2K035",
        }
    }

    /// One line for the code table in the docs.
    #[must_use]
    pub fn summary(self) -> &'static str {
        match self {
            Code::YamlSyntax => "the file is not valid YAML (tabs used for indentation included)",
            Code::DuplicateKey => "a mapping has the same key twice",
            Code::UnknownField => "a field the manifest does not define (often a typo)",
            Code::WrongType => "a value of the wrong type, e.g. text where a number belongs",
            Code::MissingField => "a required field is absent",
            Code::InvalidValue => "a value outside its allowed set or range",
            Code::InputLimit => {
                "the input exceeds a safety limit (size, nesting depth or alias expansion)"
            }
            Code::NotUtf8 => "the file is not UTF-8 text",
            Code::UnsupportedYaml => "a YAML feature i2kit does not accept, such as a custom tag",
            Code::InvalidName => "a deployment or container name that cannot be used",
            Code::DuplicateDeployment => "two deployments, or two services, share a name",
            Code::EmptyContainers => "a deployment has no containers",
            Code::PortSyntax => "a port entry does not follow the port grammar or range",
            Code::PortConflict => "two ports of one deployment collide",
            Code::ProtocolMismatch => {
                "a protocol the chosen load balancer or listener/target pairing cannot carry"
            }
            Code::UnknownCapability => "a Linux capability name the kernel does not have",
            Code::ArgsWithoutCommand => {
                "`args` without `command` for an image the image lock (`--images`) does not describe: its entrypoint is unknown"
            }
            Code::TemplateLimit => "the generated template would exceed a CloudFormation limit",
            Code::UnpinnedImage => "an image without a fixed tag or digest (warning)",
            Code::UnknownKind => {
                "a Kubernetes kind i2kit does not compile (Deployment, Service, ServiceAccount, HorizontalPodAutoscaler, PodDisruptionBudget and List are)"
            }
            Code::ExternalReference => {
                "a reference to an object outside the file (ConfigMap, Secret, volume claim) that a compiler cannot resolve"
            }
            Code::UnsupportedVolume => "a volume type with no VM equivalent",
            Code::IgnoredField => "a Kubernetes field with no meaning on a VM, ignored (warning)",
            Code::Clamped => "a value moved into AWS's allowed range (warning)",
            Code::ServiceSelection => {
                "a Service that selects no Deployment, or a targetPort no container has"
            }
            Code::UnsupportedPodFeature => {
                "a pod setting LinuxKit cannot give one pod's containers alone (shareProcessNamespace)"
            }
            Code::IgnoredKind => {
                "a Kubernetes kind with no meaning on VMs, skipped (warning; NetworkPolicy says it is not enforced)"
            }
            Code::GuessedHealthCheck => {
                "a load balancer check nothing in the input says will pass, so it does not replace VMs (warning)"
            }
            Code::ImageNotInLock => {
                "an image missing from the image lock given with `--images`: not pinned, USER and environment unseen (warning)"
            }
            Code::NamedImageUser => {
                "an image's USER is a name, which only the image's /etc/passwd resolves; LinuxKit needs numeric ids"
            }
            Code::ScalingTarget => {
                "a HorizontalPodAutoscaler whose scaleTargetRef is not a Deployment of the input, or a second autoscaler on one Deployment"
            }
            Code::UnmappedMetric => {
                "an autoscaler metric, target type or `behavior` that the group's target-tracking policy cannot follow (warning)"
            }
            Code::CpuTarget => {
                "a CPU utilisation target converted from a percentage of the pod's CPU requests to one of the instance's CPU, or used as is (warning)"
            }
            Code::DisruptionBudget => {
                "a PodDisruptionBudget that selects nothing, spans several groups, or is stricter than the rolling update (warning)"
            }
            Code::InstanceRole => {
                "about the IAM role VMs act as: its trust policy must admit EC2, or a ServiceAccount is missing or unused (warning)"
            }
        }
    }
}

/// `docs/diagnostics.md`, generated from [`Code::ALL`]; a test keeps the file in sync.
#[must_use]
pub fn codes_markdown() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         Generated from `src/diagnostic.rs` (`I2KIT_BLESS=1 cargo test --test docs` rewrites it).\n\
         A code keeps its meaning forever. Errors exit 1; warnings do not change the exit code\n\
         unless `--strict` is given.\n\n\
         | code | meaning |\n|---|---|\n",
    );
    let mut codes = Code::ALL.to_vec();
    codes.sort_by_key(|code| code.as_str());
    for code in codes {
        let _ = writeln!(out, "| `{}` | {} |", code.as_str(), code.summary());
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    /// `None` for problems of the file as a whole (unreadable bytes, size).
    pub span: Option<Span>,
    pub help: Option<String>,
}

impl Diagnostic {
    #[must_use]
    pub fn error(code: Code, span: Option<Span>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            help: None,
        }
    }

    #[must_use]
    pub fn warning(code: Code, span: Option<Span>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn sort_key(&self) -> (Span, Severity, &'static str, &str) {
        (
            self.span.unwrap_or_default(),
            self.severity,
            self.code.as_str(),
            &self.message,
        )
    }
}

/// Diagnostics in document order, so output is stable whatever order the checks ran in.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// Whether `render_human` may use ANSI colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Never,
    Always,
}

/// `FILE:LINE:COLUMN: error: message [CODE]` (the form compilers print and editors parse),
/// then the source line with a caret under the span, then `help:`.
#[must_use]
pub fn render_human(source: &SourceFile, diagnostic: &Diagnostic, colour: Colour) -> String {
    let paint = |code: &str, text: &str| match colour {
        Colour::Always => format!("\x1b[{code}m{text}\x1b[0m"),
        Colour::Never => text.to_string(),
    };
    let severity_colour = match diagnostic.severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
    };
    let mut out = String::new();
    let location = match diagnostic.span {
        Some(span) => format!("{}:{}", source.name, span.start),
        None => source.name.clone(),
    };
    let _ = writeln!(
        out,
        "{}: {}: {} [{}]",
        paint("1", &location),
        paint(severity_colour, diagnostic.severity.as_str()),
        diagnostic.message,
        diagnostic.code.as_str()
    );
    if let Some(span) = diagnostic.span
        && let Some(line) = source.line_text(span.start.line)
    {
        let number = span.start.line.to_string();
        let gutter = " ".repeat(number.len());
        let (line, column) = visible_window(line, span.start.column);
        let line = line.as_str();
        let line_chars = line.chars().count();
        let start = column.saturating_sub(1).min(line_chars);
        let width = if span.end.line == span.start.line && span.end.column > span.start.column {
            span.end.column - span.start.column
        } else {
            1
        };
        let width = width.min(line_chars.saturating_sub(start)).max(1);
        let _ = writeln!(out, "{number} | {line}");
        let _ = writeln!(
            out,
            "{gutter} | {}{}",
            " ".repeat(start),
            paint(severity_colour, &"^".repeat(width))
        );
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "{}: {help}", paint("1;36", "help"));
    }
    out
}

/// Source lines longer than this are cut around the caret, so a minified or hostile file
/// cannot flood the terminal.
const MAX_SHOWN_LINE: usize = 100;

/// The part of `line` worth showing and the 1-based column within it.
fn visible_window(line: &str, column: usize) -> (String, usize) {
    let characters: Vec<char> = line.chars().collect();
    if characters.len() <= MAX_SHOWN_LINE {
        return (line.to_string(), column);
    }
    let first = column
        .saturating_sub(MAX_SHOWN_LINE / 2)
        .min(characters.len().saturating_sub(MAX_SHOWN_LINE));
    let last = (first + MAX_SHOWN_LINE).min(characters.len());
    let mut shown: String = characters[first..last].iter().collect();
    let mut column = column - first;
    if first > 0 {
        shown.insert(0, '…');
        column += 1;
    }
    if last < characters.len() {
        shown.push('…');
    }
    (shown, column)
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    severity: Severity,
    code: &'static str,
    message: &'a str,
    help: Option<&'a str>,
}

/// One JSON object, for `--format json` (one per line, so tools can stream them).
#[must_use]
pub fn render_json(file: &str, diagnostic: &Diagnostic) -> String {
    let record = JsonDiagnostic {
        file,
        line: diagnostic.span.map(|span| span.start.line),
        column: diagnostic.span.map(|span| span.start.column),
        severity: diagnostic.severity,
        code: diagnostic.code.as_str(),
        message: &diagnostic.message,
        help: diagnostic.help.as_deref(),
    };
    serde_json::to_string(&record).unwrap_or_default()
}

/// The closest candidate to a misspelt word, if any is close enough to be a likely typo.
#[must_use]
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lowered = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&lowered, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = Code::ALL.iter().map(|code| code.as_str()).collect();
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(before, codes.len());
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("replica", ["replicas", "public"]),
            Some("replicas")
        );
        assert_eq!(
            did_you_mean("contianers", ["containers", "name"]),
            Some("containers")
        );
        assert_eq!(did_you_mean("xyz", ["replicas", "public"]), None);
    }

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let line = "x".repeat(5000);
        let (shown, column) = visible_window(&line, 3000);
        assert!(shown.chars().count() <= MAX_SHOWN_LINE + 2);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(column, 51);
    }

    #[test]
    fn renders_location_caret_and_help() {
        let source = SourceFile::new("m.yaml", "name: web\nreplica: 3\n");
        let diagnostic = Diagnostic::error(
            Code::UnknownField,
            Some(Span {
                start: crate::source::Position { line: 2, column: 1 },
                end: crate::source::Position { line: 2, column: 8 },
            }),
            "unknown field `replica`",
        )
        .with_help("did you mean `replicas`?");
        assert_eq!(
            render_human(&source, &diagnostic, Colour::Never),
            "m.yaml:2:1: error: unknown field `replica` [I2K003]\n2 | replica: 3\n  | ^^^^^^^\nhelp: did you mean `replicas`?\n"
        );
    }
}
