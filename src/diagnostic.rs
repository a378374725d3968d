//! Problems found in user input, as data: rendered for people or as JSON in one place each.

use crate::internal_error::InternalError;
use crate::source::{Sources, Span};
use crate::terminal::{self, escape};
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
    SkippedFile,
    HelmHook,
    SecretInInput,
    OptionalReferenceAbsent,
    BinaryConfigData,
    IngressBackend,
    IngressConflict,
    IngressLimit,
    IngressHostOutsideZone,
    ScalingTarget,
    UnmappedMetric,
    CpuTarget,
    DisruptionBudget,
    InstanceRole,
    InvalidImageReference,
    LinuxKitTemplate,
    IdClash,
    UnenforcedRestriction,
    UnappliedConfinement,
    PodConflict,
    CredentialInClear,
    /// A backend that requires authentication is also served where no authentication happens.
    AuthenticationBypassed,
    /// WAF Classic, whose support ended on 30 September 2025.
    WafClassic,
    IngressSemantics,
    SourceRange,
    PolicyNotExpressible,
    PolicyConflict,
    PolicyBlocksRoute,
    /// A StatefulSet update strategy CloudFormation cannot carry out as Kubernetes would.
    StatefulUpdate,
    /// A volume claim that cannot become an EBS volume as written.
    VolumeClaim,
    /// A volume claim more than one VM would need at once.
    ClaimSharing,
    /// A value known only at boot that i2kit cannot deliver as written.
    BootValue,
    /// A Secret kept outside the input that cannot be named or decrypted as written.
    ExternalSecret,
    /// An Endpoints or EndpointSlice address no A record can list as written.
    EndpointAddress,
    /// Endpoints or EndpointSlices that cannot stand for their Service as written.
    EndpointsService,
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
        Code::SkippedFile,
        Code::HelmHook,
        Code::SecretInInput,
        Code::OptionalReferenceAbsent,
        Code::BinaryConfigData,
        Code::IngressBackend,
        Code::IngressConflict,
        Code::IngressLimit,
        Code::IngressHostOutsideZone,
        Code::ScalingTarget,
        Code::UnmappedMetric,
        Code::CpuTarget,
        Code::DisruptionBudget,
        Code::InstanceRole,
        Code::InvalidImageReference,
        Code::LinuxKitTemplate,
        Code::IdClash,
        Code::UnenforcedRestriction,
        Code::UnappliedConfinement,
        Code::PodConflict,
        Code::CredentialInClear,
        Code::AuthenticationBypassed,
        Code::WafClassic,
        Code::IngressSemantics,
        Code::SourceRange,
        Code::PolicyNotExpressible,
        Code::PolicyConflict,
        Code::PolicyBlocksRoute,
        Code::StatefulUpdate,
        Code::VolumeClaim,
        Code::ClaimSharing,
        Code::BootValue,
        Code::ExternalSecret,
        Code::EndpointAddress,
        Code::EndpointsService,
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
            Code::SkippedFile => "I2K031",
            Code::HelmHook => "I2K032",
            Code::SecretInInput => "I2K033",
            Code::OptionalReferenceAbsent => "I2K034",
            Code::BinaryConfigData => "I2K035",
            Code::IngressBackend => "I2K036",
            Code::IngressConflict => "I2K037",
            Code::IngressLimit => "I2K038",
            Code::IngressHostOutsideZone => "I2K039",
            Code::ScalingTarget => "I2K040",
            Code::UnmappedMetric => "I2K041",
            Code::CpuTarget => "I2K042",
            Code::DisruptionBudget => "I2K043",
            Code::InstanceRole => "I2K044",
            Code::InvalidImageReference => "I2K050",
            Code::LinuxKitTemplate => "I2K051",
            Code::IdClash => "I2K045",
            Code::UnenforcedRestriction => "I2K047",
            Code::UnappliedConfinement => "I2K048",
            Code::PodConflict => "I2K052",
            Code::CredentialInClear => "I2K053",
            Code::AuthenticationBypassed => "I2K063",
            Code::WafClassic => "I2K064",
            Code::IngressSemantics => "I2K069",
            Code::SourceRange => "I2K061",
            Code::PolicyNotExpressible => "I2K066",
            Code::PolicyConflict => "I2K067",
            Code::PolicyBlocksRoute => "I2K068",
            Code::StatefulUpdate => "I2K075",
            Code::VolumeClaim => "I2K076",
            Code::ClaimSharing => "I2K077",
            Code::BootValue => "I2K070",
            Code::ExternalSecret => "I2K071",
            Code::EndpointAddress => "I2K078",
            Code::EndpointsService => "I2K079",
        }
    }

    /// Whether the source line may be shown under the message: not for a suspected
    /// credential, whose line holds it, and stderr ends up in CI logs.
    #[must_use]
    pub fn shows_source_line(self) -> bool {
        self != Code::CredentialInClear
    }

    /// One line for the code table in the docs.
    #[must_use]
    pub fn summary(self) -> &'static str {
        match self {
            Code::YamlSyntax => "the file is not valid YAML (tabs used for indentation included)",
            Code::DuplicateKey => "a mapping has the same key twice",
            Code::UnknownField => {
                "a field that i2kit's manifest, or Kubernetes for the object's kind and apiVersion, does not define (often a typo)"
            }
            Code::WrongType => "a value of the wrong type, e.g. text where a number belongs",
            Code::MissingField => "a required field is absent",
            Code::InvalidValue => "a value outside its allowed set or range",
            Code::InputLimit => {
                "the input exceeds a safety limit (size, nodes, nesting depth, alias expansion, or what its variables and ConfigMaps expand to)"
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
                "a reference to what the input does not hold: a ConfigMap or key absent from it, a volume claim, a resource limit the container does not set"
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
            Code::IgnoredKind => "a Kubernetes kind with no meaning on VMs, skipped (warning)",
            Code::GuessedHealthCheck => {
                "a load balancer check nothing in the input says will pass, so it does not replace VMs (warning)"
            }
            Code::ImageNotInLock => {
                "an image missing from the image lock given with `--images`: not pinned, USER and environment unseen (warning)"
            }
            Code::NamedImageUser => {
                "an image's USER is a name, which only the image's /etc/passwd resolves; LinuxKit needs numeric ids"
            }
            Code::SkippedFile => {
                "a file of a directory that holds no manifest (kustomization.yaml, Chart.yaml, values.yaml), or a symbolic link that leads out of the directory, skipped (warning)"
            }
            Code::HelmHook => {
                "an object annotated `helm.sh/hook` (a test Pod, an install Job): helm runs it around a release, it is not part of the application; skipped (warning)"
            }
            Code::SecretInInput => {
                "a Secret object in the input: secrets must not be baked into machine images"
            }
            Code::OptionalReferenceAbsent => {
                "an optional ConfigMap or Secret (or key) the input does not hold: the volume is empty or the variable unset (warning)"
            }
            Code::BinaryConfigData => {
                "ConfigMap binaryData mounted as a file that is not UTF-8 text, which LinuxKit's `files:` cannot carry"
            }
            Code::IngressBackend => {
                "an Ingress backend that names no Service or Service port of the input, or one no VM serves"
            }
            Code::IngressConflict => {
                "Ingresses sharing a load balancer (one group.name) that disagree on a setting it has once, hosts claimed twice, or rules an earlier one shadows"
            }
            Code::IngressLimit => {
                "an Ingress beyond an application load balancer's quotas (rules, condition values, listeners, target groups)"
            }
            Code::IngressHostOutsideZone => {
                "a rule host no single hosted zone can hold with the others: it gets no Route 53 record (warning)"
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
            Code::InvalidImageReference => {
                "an image reference outside the grammar Docker, containerd and LinuxKit parse (distribution/reference)"
            }
            Code::LinuxKitTemplate => {
                "a value LinuxKit's build would rewrite: any scalar starting with '@' (`@pkg:` resolves a package on the build machine)"
            }
            Code::IdClash => {
                "two objects (or two hosts of one Ingress) come to one CloudFormation logical id, in any section of the template"
            }
            Code::UnenforcedRestriction => {
                "an access restriction i2kit cannot enforce yet (prefix lists and other controllers' address lists, security groups, authentication, a firewall, request conditions): an error, a warning only where `--allow-unenforced` names its kind"
            }
            Code::UnappliedConfinement => {
                "a seccomp, AppArmor or SELinux profile LinuxKit cannot apply: an error, or with `--allow-unenforced confinement` a warning that the container runs without it"
            }
            Code::PodConflict => {
                "a pod Kubernetes refuses, or a mount that would replace what the VM sets up: two containers, two volumes, two ports of a container or two mounts of a container share a name or path; a mount at /, /etc/resolv.conf, /proc, /sys or /dev; a hostPath inside i2kit's own directories"
            }
            Code::CredentialInClear => {
                "a ConfigMap entry, variable or argument that looks like a credential (a password, token, private key or AWS key): it is baked into the VM image in clear (warning)"
            }
            Code::AuthenticationBypassed => {
                "a backend whose Ingress or Service asks for OIDC or Cognito authentication is also served where no load balancer authenticates: an HTTP listener of the application load balancer, or the Service's own internet-facing network load balancer"
            }
            Code::WafClassic => {
                "a WAF Classic web ACL (`waf-acl-id`): WAF Classic support ended on 30 September 2025; migrate it to WAFv2 and name it with `wafv2-acl-arn`"
            }
            Code::IngressSemantics => {
                "whose semantics an Ingress is compiled with, by its class: the AWS Load Balancer Controller's, or Kubernetes' (internet-facing, longest path first) (warning)"
            }
            Code::SourceRange => {
                "a source range (loadBalancerSourceRanges, load-balancer-source-ranges, inbound-cidrs) that is not a CIDR, is IPv6 on a load balancer IPv4 clients only reach, sets host bits (warning), or would take the security group past its 60 inbound rules, or is written with a NetworkPolicy on the same pods"
            }
            Code::PolicyNotExpressible => {
                "a NetworkPolicy part security groups cannot express exactly (a namespace chosen by labels other than its name, an `except`, peer or destination list over the rule quota, a named port or an SCTP port range on an egress `ipBlock`, egress to pods behind an internet-facing load balancer)"
            }
            Code::PolicyConflict => {
                "one load balancer fronts pods that NetworkPolicies admit different sources to, or that a caller's egress rules allow differently: a security group cannot admit or allow the load balancer for one and refuse it for another"
            }
            Code::PolicyBlocksRoute => {
                "a NetworkPolicy does not admit an Ingress's load balancer to the pods a route reaches: those requests fail, as in Kubernetes (warning)"
            }
            Code::StatefulUpdate => {
                "a StatefulSet update strategy a stack update cannot carry out as Kubernetes would (`OnDelete`, a `partition`, several ordinals at once)"
            }
            Code::VolumeClaim => {
                "a volume claim that cannot become an encrypted EBS volume as written (its size, storage class, access mode or volume mode), or whose VMs' NetworkPolicies keep them from attaching it"
            }
            Code::ClaimSharing => {
                "a PersistentVolumeClaim that more than one VM would attach at once: an EBS volume attaches to one instance (ReadWriteOnce)"
            }
            Code::BootValue => {
                "a value known only when the VM boots (a pod field, a Secret kept outside the input) that i2kit cannot deliver as written: no known command line to wrap, or a `$(VAR)` Kubernetes would expand from it"
            }
            Code::ExternalSecret => {
                "a Secret kept outside the input whose store, name or KMS key (pod template annotations) is not one i2kit can name in an IAM policy, or whose store the VMs' NetworkPolicies put out of reach"
            }
            Code::EndpointAddress => {
                "an Endpoints or EndpointSlice address an A record cannot list: not an IP address, one Kubernetes refuses (unspecified, loopback, link-local, multicast), or IPv6 or FQDN"
            }
            Code::EndpointsService => {
                "Endpoints or EndpointSlices that cannot stand for their Service as written (a port callers dial that the addresses do not serve on that number, a load balancer type), or that belong to no Service without a selector and are ignored (warning)"
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
    /// `None` for problems of the application as a whole (no deployment, template size); a
    /// [`Span::whole_file`] for those of one file.
    pub span: Option<Span>,
    pub help: Option<String>,
    /// Where the located text came from, when the input says: the chart template of a
    /// document `helm template` rendered (its `# Source:` comment). Boxed: a diagnostic is
    /// returned by value through many `Result`s, and stays small.
    pub note: Option<Box<str>>,
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
            note: None,
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
/// then the source line with a caret under the span, then `note:` and `help:`. `FILE` is the
/// span's own file among `sources`.
///
/// Every piece of text is escaped here ([`crate::terminal`]), since messages quote the input
/// and the input may hold what a terminal would obey: this is the one place diagnostics
/// become terminal output, so no message needs escaping where it is written.
#[must_use]
pub fn render_human(sources: &Sources, diagnostic: &Diagnostic, colour: Colour) -> String {
    let paint = |code: &str, text: &str| match colour {
        Colour::Always => format!("\x1b[{code}m{text}\x1b[0m"),
        Colour::Never => text.to_string(),
    };
    let severity_colour = match diagnostic.severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
    };
    let mut out = String::new();
    let name = escape(sources.name_of(diagnostic.span));
    let line_span = diagnostic.span.filter(|span| !span.is_whole_file());
    let location = match line_span {
        Some(span) => format!("{name}:{}", span.start),
        None => name.into_owned(),
    };
    let _ = writeln!(
        out,
        "{}: {}: {} [{}]",
        paint("1", &location),
        paint(severity_colour, diagnostic.severity.as_str()),
        escape(&diagnostic.message),
        diagnostic.code.as_str()
    );
    if let Some(span) = line_span.filter(|_| diagnostic.code.shows_source_line())
        && let Some(line) = sources
            .file(span.file)
            .and_then(|source| source.line_text(span.start.line))
    {
        let number = span.start.line.to_string();
        let gutter = " ".repeat(number.len());
        let quoted = quote_line(line, span);
        let _ = writeln!(out, "{number} | {}", quoted.text);
        let _ = writeln!(
            out,
            "{gutter} | {}{}",
            " ".repeat(quoted.caret_start),
            paint(severity_colour, &"^".repeat(quoted.caret_width))
        );
    }
    if let Some(note) = &diagnostic.note {
        let _ = writeln!(out, "{}: {}", paint("1", "note"), escape(note));
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "{}: {}", paint("1;36", "help"), escape(help));
    }
    out
}

/// Source lines wider than this many terminal columns are cut around the caret, so a
/// minified or hostile file cannot flood the terminal.
const MAX_SHOWN_LINE: usize = 100;

/// A source line as printed under a diagnostic, and where its caret goes, in terminal columns.
#[derive(Debug, PartialEq, Eq)]
struct QuotedLine {
    /// Escaped, and cut (with `…`) around the caret when wider than [`MAX_SHOWN_LINE`].
    text: String,
    caret_start: usize,
    caret_width: usize,
}

/// `line` as shown for `span`: escaped, cut around the span, with the caret under the span's
/// characters whatever their escaped or East Asian widths. Only characters within
/// [`MAX_SHOWN_LINE`] of the caret are examined, so a line of megabytes costs one count.
fn quote_line(line: &str, span: Span) -> QuotedLine {
    let span_characters = if span.end.line == span.start.line && span.end.column > span.start.column
    {
        span.end.column - span.start.column
    } else {
        1
    };
    // Characters are walked only up to the caret's neighbourhood: a diagnostic early on a long
    // (minified) line does not walk the rest of it.
    let mut caret = span.start.column.saturating_sub(1);
    let mut first_candidate = caret.saturating_sub(MAX_SHOWN_LINE);
    let mut cells = shown_cells(
        line,
        first_candidate,
        caret.saturating_add(MAX_SHOWN_LINE + 1),
    );
    if first_candidate + cells.len() < caret {
        // The span starts past the line's end: the caret goes just after its last character.
        caret = line.chars().count();
        first_candidate = caret.saturating_sub(MAX_SHOWN_LINE);
        cells = shown_cells(
            line,
            first_candidate,
            caret.saturating_add(MAX_SHOWN_LINE + 1),
        );
    }
    let region_end = cells
        .last()
        .map_or(line.len(), |(at, character, _)| at + character.len_utf8());
    let more_after = region_end < line.len();
    let width = |range: std::ops::Range<usize>| -> usize {
        cells
            .get(range)
            .map_or(0, |cells| cells.iter().map(|cell| cell.2).sum())
    };
    let caret_cell = caret - first_candidate;
    let (first, end) =
        if first_candidate == 0 && !more_after && width(0..cells.len()) <= MAX_SHOWN_LINE {
            (0, cells.len())
        } else {
            let (mut first, mut end, mut used) = (caret_cell, caret_cell, 0);
            while first > 0 && used + cells[first - 1].2 < MAX_SHOWN_LINE / 2 {
                first -= 1;
                used += cells[first].2;
            }
            while end < cells.len() && used + cells[end].2 <= MAX_SHOWN_LINE {
                used += cells[end].2;
                end += 1;
            }
            // Near the line's end, what is left of the room goes to what comes before.
            while first > 0 && used + cells[first - 1].2 <= MAX_SHOWN_LINE {
                first -= 1;
                used += cells[first].2;
            }
            (first, end)
        };
    let byte_of = |cell: usize| cells.get(cell).map_or(region_end, |cell| cell.0);
    let cut_before = first_candidate + first > 0;
    let cut_after = end < cells.len() || more_after;
    let mut text = String::new();
    if cut_before {
        text.push('…');
    }
    let (from, to) = (byte_of(first), byte_of(end));
    terminal::push_escaped(&mut text, &line[from..to], &line[to..]);
    if cut_after {
        text.push('…');
    }
    let span_end = caret_cell.saturating_add(span_characters);
    // A span that goes on past the cut is underlined into the `…` that says so.
    let into_cut = usize::from(cut_after && span_end > end);
    QuotedLine {
        text,
        caret_start: usize::from(cut_before) + width(first..caret_cell),
        caret_width: (width(caret_cell..span_end.min(end)) + into_cut).max(1),
    }
}

/// (byte offset, character, columns shown) of the characters of `line` from index `from`
/// up to index `to` (exclusive).
fn shown_cells(line: &str, from: usize, to: usize) -> Vec<(usize, char, usize)> {
    // Where character `from` starts: its index when all before it is ASCII, as in most
    // manifests and every minified JSON line, found without decoding them one by one.
    let start = match line.as_bytes().get(..from) {
        Some(prefix) if prefix.is_ascii() => from,
        None if line.is_ascii() => return Vec::new(),
        _ => match line.char_indices().nth(from) {
            Some((at, _)) => at,
            None => return Vec::new(),
        },
    };
    line[start..]
        .char_indices()
        .take(to.saturating_sub(from))
        .map(|(at, character)| {
            let at = start + at;
            let following = &line[at + character.len_utf8()..];
            (at, character, terminal::shown_width(character, following))
        })
        .collect()
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
    /// Present only when there is one, so records of inputs without notes are unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

/// One JSON object, for `--format json` (one per line, so tools can stream them). `file` is
/// the span's own file among `sources`.
///
/// # Errors
/// When the record does not serialize.
pub fn render_json(sources: &Sources, diagnostic: &Diagnostic) -> Result<String, InternalError> {
    let line_span = diagnostic.span.filter(|span| !span.is_whole_file());
    let record = JsonDiagnostic {
        file: sources.name_of(diagnostic.span),
        line: line_span.map(|span| span.start.line),
        column: line_span.map(|span| span.start.column),
        severity: diagnostic.severity,
        code: diagnostic.code.as_str(),
        message: &diagnostic.message,
        help: diagnostic.help.as_deref(),
        note: diagnostic.note.as_deref(),
    };
    serde_json::to_string(&record)
        .map_err(|error| InternalError::serializing("a diagnostic as JSON", &error))
}

/// What the passes (and the readers' sink) ask of a list of diagnostics beyond pushing to it.
pub trait Diagnostics {
    /// How many are errors: a pass compares counts to tell whether its own step failed.
    fn error_count(&self) -> usize;
    /// A field that has no meaning once each pod is its own VM.
    fn ignored(&mut self, span: Span, path: &str, why: &str);
}

impl Diagnostics for Vec<Diagnostic> {
    fn error_count(&self) -> usize {
        self.iter()
            .filter(|diagnostic| diagnostic.is_error())
            .count()
    }

    fn ignored(&mut self, span: Span, path: &str, why: &str) {
        self.push(Diagnostic::warning(
            Code::IgnoredField,
            Some(span),
            format!("`{path}` is ignored: {why}"),
        ));
    }
}

/// "the other is at line N; ", pointing a duplicate's help at the first object of its name
/// when both are in one file (another file's line number alone would mislead).
#[must_use]
pub fn other_line(other: Span, here: Span) -> String {
    if other.file == here.file {
        format!("the other is at line {}; ", other.start.line)
    } else {
        String::new()
    }
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

/// The one candidate a single slip away from `word` (a letter missing, added or changed, or
/// two neighbours swapped), for short names where [`did_you_mean`]'s Jaro–Winkler sees a swap
/// such as `wbe` for `web` as unrelated. None when two candidates are that close: a guess
/// between them would mislead.
#[must_use]
pub fn one_slip_from<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut close = candidates
        .into_iter()
        .filter(|candidate| strsim::damerau_levenshtein(word, candidate) == 1);
    let found = close.next()?;
    close.next().is_none().then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn one_slip_finds_swaps_in_short_words_and_refuses_to_guess() {
        assert_eq!(did_you_mean("wbe", ["web"]), None);
        assert_eq!(one_slip_from("wbe", ["web", "api"]), Some("web"));
        assert_eq!(one_slip_from("ap", ["app"]), Some("app"));
        assert_eq!(one_slip_from("api", ["cart"]), None);
        assert_eq!(one_slip_from("web", ["web"]), None);
        assert_eq!(one_slip_from("wb", ["web", "wbe"]), None);
    }

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

    fn span_on_line_one(start: usize, end: usize) -> Span {
        Span {
            file: 0,
            start: crate::source::Position {
                line: 1,
                column: start,
            },
            end: crate::source::Position {
                line: 1,
                column: end,
            },
        }
    }

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let line = "x".repeat(5000);
        let quoted = quote_line(&line, span_on_line_one(3000, 3003));
        assert_eq!(quoted.text.chars().count(), MAX_SHOWN_LINE + 2);
        assert!(quoted.text.starts_with('…') && quoted.text.ends_with('…'));
        assert_eq!(quoted.caret_start, MAX_SHOWN_LINE / 2);
        assert_eq!(quoted.caret_width, 3);
        let long_span = quote_line(&line, span_on_line_one(10, 4000));
        assert_eq!(long_span.caret_start, 9);
        assert_eq!(
            long_span.caret_width,
            MAX_SHOWN_LINE - 9 + 1,
            "into the `…`"
        );
        let end = quote_line(&line, span_on_line_one(5000, 5001));
        assert!(end.text.starts_with('…') && !end.text.ends_with('…'));
        assert_eq!(end.text.chars().count(), MAX_SHOWN_LINE + 1);
        assert_eq!(end.caret_start, MAX_SHOWN_LINE);
        let wide = "名".repeat(5000);
        let quoted = quote_line(&wide, span_on_line_one(3000, 3001));
        assert!(quoted.text.chars().count() <= MAX_SHOWN_LINE / 2 + 2);
        assert_eq!(quoted.caret_start, 1 + 2 * 24);
        assert_eq!(quoted.caret_width, 2);
    }

    #[test]
    fn the_caret_stays_under_its_characters_after_escaping() {
        // Before the span: a terminal sequence, a wide character and a combining accent.
        let line = "a: \"\x1b[2J名e\u{301}\" # ok";
        let quoted = quote_line(line, span_on_line_one(14, 15));
        assert_eq!(quoted.text, "a: \"\\u{1b}[2J名e\u{301}\" # ok");
        let before: String = "a: \"\\u{1b}[2J名e\u{301}\" ".into();
        use unicode_width::UnicodeWidthStr as _;
        assert_eq!(quoted.caret_start, before.width());
        assert_eq!(quoted.caret_width, 1);
        let wide = quote_line(line, span_on_line_one(5, 10));
        assert_eq!(
            (wide.caret_start, wide.caret_width),
            (4, "\\u{1b}[2J名".width())
        );
        // A caret past the end of the line, and an empty line.
        assert_eq!(quote_line("ab", span_on_line_one(3, 3)).caret_start, 2);
        assert_eq!(quote_line("ab", span_on_line_one(10, 12)).caret_start, 2);
        let past = quote_line(&"é".repeat(500), span_on_line_one(900, 901));
        assert!(past.text.starts_with('…') && !past.text.ends_with('…'));
        assert_eq!(past.caret_start, past.text.chars().count());
        let empty = quote_line("", span_on_line_one(1, 1));
        assert_eq!(
            (empty.text.as_str(), empty.caret_start, empty.caret_width),
            ("", 0, 1)
        );
    }

    #[test]
    fn renders_location_caret_and_help() {
        let source = Sources::single(SourceFile::new("m.yaml", "name: web\nreplica: 3\n"));
        let diagnostic = Diagnostic::error(
            Code::UnknownField,
            Some(Span {
                file: 0,
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

    #[test]
    fn renders_each_diagnostic_in_its_own_file() {
        let sources = Sources::new(
            vec![
                SourceFile::new("a.yaml", "name: web\n"),
                SourceFile::new("deploy/b.yaml", "kind: Deployment\nspec: 3\n"),
            ],
            "a.yaml",
        );
        let mut diagnostic = Diagnostic::error(
            Code::WrongType,
            Some(Span::at(2, 7).in_file(1)),
            "`spec` must be a mapping",
        );
        diagnostic.note = Some("rendered from chart/templates/web.yaml".into());
        assert_eq!(
            render_human(&sources, &diagnostic, Colour::Never),
            "deploy/b.yaml:2:7: error: `spec` must be a mapping [I2K004]\n2 | spec: 3\n  |       ^\nnote: rendered from chart/templates/web.yaml\n"
        );
        let record: serde_json::Value =
            serde_json::from_str(&render_json(&sources, &diagnostic).expect("serializes"))
                .expect("JSON");
        assert_eq!(record["file"], "deploy/b.yaml");
        assert_eq!(record["line"], 2);
        assert_eq!(record["note"], "rendered from chart/templates/web.yaml");

        let whole = Diagnostic::warning(Code::SkippedFile, Some(Span::whole_file(1)), "skipped");
        assert_eq!(
            render_human(&sources, &whole, Colour::Never),
            format!(
                "deploy/b.yaml: warning: skipped [{}]\n",
                Code::SkippedFile.as_str()
            )
        );
        let record: serde_json::Value =
            serde_json::from_str(&render_json(&sources, &whole).expect("serializes"))
                .expect("JSON");
        assert_eq!(record["line"], serde_json::Value::Null);
        assert!(record.get("note").is_none());
        let application = Diagnostic::error(Code::MissingField, None, "no deployment");
        assert!(render_human(&sources, &application, Colour::Never).starts_with("a.yaml: error"));
    }

    #[test]
    fn every_text_of_a_diagnostic_is_printed_escaped() {
        let osc52 = "\x1b]52;c;aGVsbG8=\x07";
        let sources = Sources::single(SourceFile::new(
            "web\x1b[2J.yaml",
            format!("name: web # {osc52}\nreplica: 3\n"),
        ));
        let mut diagnostic = Diagnostic::error(
            Code::UnknownField,
            Some(Span {
                file: 0,
                start: crate::source::Position {
                    line: 1,
                    column: 13,
                },
                end: crate::source::Position {
                    line: 1,
                    column: 29,
                },
            }),
            format!("value `{osc52}`"),
        )
        .with_help(format!("remove \u{202e}{osc52}"));
        diagnostic.note = Some(format!("from {osc52}").into());
        let shown = "\\u{1b}]52;c;aGVsbG8=\\u{7}";
        assert_eq!(
            render_human(&sources, &diagnostic, Colour::Never),
            format!(
                "web\\u{{1b}}[2J.yaml:1:13: error: value `{shown}` [I2K003]\n\
                 1 | name: web # {shown}\n  | {}{}\n\
                 note: from {shown}\nhelp: remove \\u{{202e}}{shown}\n",
                " ".repeat("name: web # ".len()),
                "^".repeat(shown.len())
            )
        );
        let coloured = render_human(&sources, &diagnostic, Colour::Always);
        assert!(!coloured.contains(osc52) && !coloured.contains("\x1b[2J"));
    }
}
