//! Checks shared by both input formats, each small enough to test alone.

use crate::diagnostic::{Code, Diagnostic};
use crate::health_check_timing::clamp;
use crate::image_reference::parse_image_reference;
use crate::input::capabilities::{CapabilityName, normalise, unknown_capability};
use crate::model::intent::requests::Amount;
use crate::source::Span;

/// Service names that the generated image already uses for its own system services.
pub const RESERVED_SERVICE_NAMES: [&str; 4] = ["rngd", "dhcpcd", "dhcpcd2", "sysctl"];

pub use crate::model::dns_label::is_dns_label;

/// Whether `name` is a DNS subdomain (RFC 1123), as Kubernetes requires of the names of
/// objects that never become host names, such as ConfigMaps (`kube-root-ca.crt`).
#[must_use]
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|part| {
            let bytes = part.as_bytes();
            !bytes.is_empty()
                && bytes
                    .iter()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
                && bytes.first() != Some(&b'-')
                && bytes.last() != Some(&b'-')
        })
}

/// Container names become containerd ids (`[A-Za-z0-9]+([._-][A-Za-z0-9]+)*`).
#[must_use]
pub fn check_container_name(name: &str, span: Option<Span>) -> Option<Diagnostic> {
    let mut previous_separator = true;
    let mut valid = !name.is_empty() && name.len() <= 76;
    for character in name.chars() {
        let separator = matches!(character, '.' | '_' | '-');
        if separator && previous_separator || !(separator || character.is_ascii_alphanumeric()) {
            valid = false;
        }
        previous_separator = separator;
    }
    if previous_separator {
        valid = false;
    }
    if !valid {
        return Some(
            Diagnostic::error(
                Code::InvalidName,
                span,
                format!("container name `{name}` cannot name a LinuxKit service"),
            )
            .with_help("use letters and digits, separated by single '.', '_' or '-'"),
        );
    }
    RESERVED_SERVICE_NAMES.contains(&name).then(|| {
        Diagnostic::error(
            Code::InvalidName,
            span,
            format!("container name `{name}` is taken by a system service of the VM"),
        )
        .with_help(format!("rename the container, e.g. `app-{name}`"))
    })
}

/// An image LinuxKit can pull, pinned: an error for text outside the reference grammar
/// Docker, containerd and LinuxKit share (it would reach `linuxkit build`, and `i2kit images`
/// prints it for a shell's `docker image inspect $(…)`), and a warning for an image without
/// a fixed tag or digest, since immutable infrastructure wants the same bytes on every build.
#[must_use]
pub fn check_image(image: &str, span: Option<Span>) -> Option<Diagnostic> {
    let reference = match parse_image_reference(image) {
        Ok(reference) => reference,
        Err(problem) => {
            return Some(
                Diagnostic::error(
                    Code::InvalidImageReference,
                    span,
                    format!("`{image}` is not an image reference: {}", problem.reason()),
                )
                .with_help("write `[registry[:port]/]name[:tag][@sha256:<64 hex digits>]` with a lower-case name, e.g. `nginx:1.27` or `ghcr.io/org/app@sha256:…`"),
            );
        }
    };
    if reference.digest.is_some() {
        return None;
    }
    let message = match reference.tag.as_deref() {
        None => format!("image `{image}` has no tag, so it means `latest`"),
        Some("latest") => format!("image `{image}` uses the moving tag `latest`"),
        Some(_) => return None,
    };
    Some(
        Diagnostic::warning(Code::UnpinnedImage, span, message)
            .with_help("pin a version tag or a digest (`name@sha256:…`) so every VM image build runs the same code"),
    )
}

/// LinuxKit's build rewrites every scalar of a local build file that starts with '@', keys
/// and values alike: `processTemplates` and `handleTemplate` (src/cmd/linuxkit/moby/config.go)
/// pass each scalar node to the resolver of `createPackageResolver`
/// (src/cmd/linuxkit/buildtemplate.go), which replaces `@pkg:PATH` with the tag of the package
/// it builds from PATH on the build machine, and any other text starting with '@' with the
/// empty string. LinuxKit has no escape for it, so a value that would start an emitted scalar
/// with '@' is refused.
#[must_use]
pub fn check_linuxkit_scalar(
    text: &str,
    field: LinuxKitField,
    span: Option<Span>,
) -> Option<Diagnostic> {
    text.starts_with('@').then(|| {
        Diagnostic::error(
            Code::LinuxKitTemplate,
            span,
            format!(
                "{} `{text}` starts with '@', which `linuxkit build` rewrites (`@pkg:PATH` into a package built from the build machine's disk, any other '@' text into an empty string)",
                field.name()
            ),
        )
        .with_help(field.help())
    })
}

/// A field of the build file whose text comes from the input and may start a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinuxKitField {
    CommandWord,
    EnvName,
    FileContents,
}

impl LinuxKitField {
    fn name(self) -> &'static str {
        match self {
            LinuxKitField::CommandWord => "command word",
            LinuxKitField::EnvName => "environment variable name",
            LinuxKitField::FileContents => "file contents",
        }
    }

    fn help(self) -> &'static str {
        match self {
            LinuxKitField::CommandWord => {
                "LinuxKit cannot escape a leading '@'; run the program through a shell so no word starts with it, e.g. `[sh, -c, 'exec curl -d @/data/body http://x']`"
            }
            LinuxKitField::EnvName => "start the name with a letter or '_'",
            LinuxKitField::FileContents => {
                "LinuxKit cannot write a file that starts with '@'; build the file into the container image instead"
            }
        }
    }
}

/// OCI's `process.cwd` "MUST be an absolute path" (opencontainers/runtime-spec config.md),
/// and LinuxKit passes `cwd` to runc unchanged.
#[must_use]
pub fn check_working_dir(path: &str, span: Option<Span>) -> Option<Diagnostic> {
    (!path.starts_with('/') || path.chars().any(char::is_control)).then(|| {
        Diagnostic::error(
            Code::InvalidValue,
            span,
            format!("working directory `{path}` is not an absolute path"),
        )
        .with_help("write the directory inside the container starting with '/', e.g. `/app` (OCI requires an absolute `cwd`)")
    })
}

/// A capability as written (`net_admin`, `CAP_NET_ADMIN`, `ALL`…), normalised.
///
/// # Errors
/// An unknown capability, with the closest known name as help.
pub fn capability_name(written: &str, span: Option<Span>) -> Result<CapabilityName, Diagnostic> {
    normalise(written).map_err(|full| unknown_capability(written, &full, span))
}

#[must_use]
pub fn check_absolute_path(path: &str, span: Option<Span>) -> Option<Diagnostic> {
    (!path.starts_with('/') || path.contains(':')).then(|| {
        Diagnostic::error(
            Code::InvalidValue,
            span,
            format!("`{path}` is not an absolute path"),
        )
        .with_help("write a path inside the container starting with '/', without ':'")
    })
}

/// A `hostPath` is a directory of the VM, written into a LinuxKit bind `source:target[:ro]`:
/// a relative path or a `:` would make another bind than the one meant.
#[must_use]
pub fn check_host_path(path: &str, span: Option<Span>) -> Option<Diagnostic> {
    (!path.starts_with('/') || path.contains(':')).then(|| {
        Diagnostic::error(
            Code::InvalidValue,
            span,
            format!("hostPath `{path}` is not an absolute path of the VM"),
        )
        .with_help("write the VM's directory starting with '/', without ':' (LinuxKit binds are `source:target`)")
    })
}

/// A health check path is appended to the target (`HTTP:80/healthz` on a classic load
/// balancer), so it must start with `/`; a space or control character is no URL path.
#[must_use]
pub fn check_probe_path(path: &str, span: Option<Span>) -> Option<Diagnostic> {
    let valid = path.starts_with('/')
        && path.len() <= 1024
        && !path.chars().any(|c| c.is_whitespace() || c.is_control());
    (!valid).then(|| {
        Diagnostic::error(
            Code::InvalidValue,
            span,
            format!("probe path `{path}` is not a URL path the load balancer can request"),
        )
        .with_help("start it with '/', e.g. `/healthz`, without spaces (at most 1024 characters)")
    })
}

/// The error for a deployment name that is not a DNS label, with a corrected suggestion.
#[must_use]
pub fn invalid_dns_label(given: &str, span: Option<Span>) -> Diagnostic {
    let suggestion: String = given
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .chars()
        .take(63)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string();
    let diagnostic = Diagnostic::error(
        Code::InvalidName,
        span,
        format!("name `{given}` is not a DNS label"),
    );
    let rule = "use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
    if suggestion.is_empty() || suggestion == given {
        diagnostic.with_help(rule)
    } else {
        diagnostic.with_help(format!("{rule}, e.g. `{suggestion}`"))
    }
}

/// A shared volume becomes the directory `/run/i2kit/volumes/<name>`: a DNS label (as
/// Kubernetes requires of volume names) cannot climb out of it with `..` or `/`.
#[must_use]
pub fn check_volume_name(name: &str, span: Option<Span>) -> Option<Diagnostic> {
    (!is_dns_label(name)).then(|| {
        Diagnostic::error(
            Code::InvalidName,
            span,
            format!("volume name `{name}` is not a DNS label"),
        )
        .with_help(
            "use lowercase letters, digits and '-', at most 63 characters, as Kubernetes requires",
        )
    })
}

#[must_use]
pub fn check_env_name(name: &str, span: Option<Span>) -> Option<Diagnostic> {
    // `NAME=value` is one scalar of the build file, so the name starts it.
    if let Some(problem) = check_linuxkit_scalar(name, LinuxKitField::EnvName, span) {
        return Some(problem);
    }
    (name.is_empty() || name.contains('=') || name.chars().any(char::is_control)).then(|| {
        Diagnostic::error(
            Code::InvalidValue,
            span,
            format!("`{name}` cannot name an environment variable"),
        )
        .with_help("a name is non-empty and has no '=' or control characters")
    })
}

pub use crate::model::MAX_GROUP_SIZE;

/// A replica count as written, within [`MAX_GROUP_SIZE`].
///
/// # Errors
/// A message naming the limit for a negative count or one above it.
pub fn bounded_replicas(value: i64) -> Result<u32, (String, &'static str)> {
    match u32::try_from(value) {
        Ok(count) if count <= MAX_GROUP_SIZE => Ok(count),
        Ok(_) => Err((
            format!(
                "replicas {value} is above {MAX_GROUP_SIZE}, the most VMs i2kit puts in one Auto Scaling group"
            ),
            "split the deployment into several, or ask whether this many VMs is meant",
        )),
        Err(_) => Err((
            format!("replicas cannot be {value}"),
            "use 0 or more; 0 keeps the group but runs no VM",
        )),
    }
}

/// `"25%"` → 25.
///
/// # Errors
/// A message when the text is not a percentage from 0 to 100.
pub fn parse_percent(text: &str) -> Result<u32, String> {
    text.strip_suffix('%')
        .and_then(|digits| digits.parse::<u32>().ok())
        .filter(|percent| *percent <= 100)
        .ok_or_else(|| format!("`{text}` is not a percentage from 0% to 100%"))
}

/// A `maxSurge` or `maxUnavailable` as the manifest wrote it.
pub enum WrittenAmount<'a> {
    Count(i64),
    Text(&'a str),
}

/// A count of VMs, or a percentage of the replicas.
///
/// # Errors
/// A message for a negative count (naming `field`) or text that is not a percentage.
pub fn parse_amount(written: WrittenAmount<'_>, field: &str) -> Result<Amount, String> {
    match written {
        WrittenAmount::Count(count) if count < 0 => Err(format!("`{field}` cannot be negative")),
        WrittenAmount::Count(count) => u32::try_from(count)
            .ok()
            .filter(|count| *count <= MAX_GROUP_SIZE)
            .map(Amount::Count)
            .ok_or_else(|| {
                format!("`{field}` {count} is above {MAX_GROUP_SIZE}, the most VMs one Auto Scaling group holds here")
            }),
        WrittenAmount::Text(text) => parse_percent(text).map(Amount::Percent),
    }
}

/// An update that may neither add nor remove a VM could never finish, so both amounts being
/// zero is an error, whatever replica count they are taken of.
#[must_use]
pub fn check_surge_and_unavailable(
    surge: Amount,
    unavailable: Amount,
    span: Option<Span>,
) -> Option<Diagnostic> {
    (surge.is_zero() && unavailable.is_zero()).then(|| {
        Diagnostic::error(
            Code::InvalidValue,
            span,
            "maxSurge and maxUnavailable cannot both be 0",
        )
    })
}

/// `value` moved into `range`, with a warning at `span` when it had to move; `message` words
/// the warning from the value used.
pub fn clamp_reported(
    value: i64,
    range: (u32, u32),
    span: Span,
    message: impl FnOnce(u32) -> String,
) -> (u32, Option<Diagnostic>) {
    let (clamped, moved) = clamp(value, range);
    let warning = moved.then(|| Diagnostic::warning(Code::Clamped, Some(span), message(clamped)));
    (clamped, warning)
}

/// [`clamp_reported`] for a setting AWS bounds, such as a health check's interval.
pub fn clamp_to_aws_range(
    what: &str,
    value: i64,
    range: (u32, u32),
    span: Span,
) -> (u32, Option<Diagnostic>) {
    clamp_reported(value, range, span, |clamped| {
        format!(
            "{what} {value} is outside AWS's range {}–{}; using {clamped}",
            range.0, range.1
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_label_suggestion() {
        let diagnostic = invalid_dns_label("My_App", None);
        assert!(
            diagnostic
                .help
                .unwrap_or_default()
                .ends_with("e.g. `my-app`")
        );
    }

    #[test]
    fn dns_subdomains() {
        assert!(is_dns_subdomain("kube-root-ca.crt"));
        assert!(is_dns_subdomain("app-config"));
        assert!(!is_dns_subdomain("app..config"));
        assert!(!is_dns_subdomain(".app"));
        assert!(!is_dns_subdomain("App"));
        assert!(!is_dns_subdomain("a_b"));
        assert!(!is_dns_subdomain(""));
        assert!(!is_dns_subdomain(&"a.".repeat(127)));
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("nginx-deployment"));
        assert!(is_dns_label("a1"));
        assert!(!is_dns_label("Nginx"));
        assert!(!is_dns_label("-a"));
        assert!(!is_dns_label(&"a".repeat(64)));
        assert!(!is_dns_label("a_b"));
    }

    #[test]
    fn paths_and_volume_names() {
        assert!(check_host_path("/data", None).is_none());
        assert!(check_host_path("relative", None).is_some());
        assert!(check_host_path("/a:/b", None).is_some());
        assert!(check_probe_path("/healthz", None).is_none());
        assert!(check_probe_path("healthz", None).is_some());
        assert!(check_probe_path("/a b", None).is_some());
        assert!(check_volume_name("cache-1", None).is_none());
        assert!(check_volume_name("../etc", None).is_some());
        assert!(check_volume_name("Data", None).is_some());
    }

    #[test]
    fn container_names() {
        assert!(check_container_name("web.v2_a-b", None).is_none());
        assert!(check_container_name("web--x", None).is_some());
        assert!(check_container_name("web!", None).is_some());
        assert!(check_container_name("rngd", None).is_some());
        assert!(check_container_name("", None).is_some());
    }

    #[test]
    fn images() {
        let code = |image| check_image(image, None).map(|problem| problem.code);
        assert_eq!(code("nginx:1.27.3"), None);
        assert_eq!(
            code(
                "localhost:5000/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            ),
            None
        );
        assert_eq!(code("localhost:5000/app"), Some(Code::UnpinnedImage));
        assert_eq!(code("redis:latest"), Some(Code::UnpinnedImage));
        assert_eq!(code("*"), Some(Code::InvalidImageReference));
        assert_eq!(
            code("--format={{json .}} nginx"),
            Some(Code::InvalidImageReference)
        );
        assert_eq!(
            code("localhost:5000/app@sha256:abc"),
            Some(Code::InvalidImageReference)
        );
    }

    #[test]
    fn at_signs_linuxkit_would_rewrite() {
        let code =
            |text| check_linuxkit_scalar(text, LinuxKitField::CommandWord, None).map(|p| p.code);
        assert_eq!(code("@pkg:./tools"), Some(Code::LinuxKitTemplate));
        assert_eq!(code("@/data/body"), Some(Code::LinuxKitTemplate));
        assert_eq!(code("a@pkg:x"), None);
        assert_eq!(code(" @x"), None);
        assert_eq!(
            check_env_name("@X", None).map(|p| p.code),
            Some(Code::LinuxKitTemplate)
        );
    }

    #[test]
    fn working_dirs_are_absolute() {
        assert!(check_working_dir("/srv/app", None).is_none());
        assert!(check_working_dir("/", None).is_none());
        assert!(check_working_dir("srv", None).is_some());
        assert!(check_working_dir("", None).is_some());
        assert!(check_working_dir("./srv", None).is_some());
        assert!(check_working_dir("/srv\n", None).is_some());
    }

    #[test]
    fn capability_names() {
        assert_eq!(
            capability_name("net_admin", None),
            Ok(CapabilityName::Named("CAP_NET_ADMIN".to_string()))
        );
        assert!(capability_name("NET_ADMN", None).is_err());
    }

    #[test]
    fn amounts() {
        assert_eq!(
            parse_amount(WrittenAmount::Count(2), "maxSurge"),
            Ok(Amount::Count(2))
        );
        assert_eq!(
            parse_amount(WrittenAmount::Count(-1), "maxSurge"),
            Err("`maxSurge` cannot be negative".to_string())
        );
        assert_eq!(
            parse_amount(WrittenAmount::Text("30%"), "maxSurge"),
            Ok(Amount::Percent(30))
        );
        assert!(check_surge_and_unavailable(Amount::Count(0), Amount::Percent(0), None).is_some());
        assert!(check_surge_and_unavailable(Amount::Count(0), Amount::Percent(1), None).is_none());
    }

    #[test]
    fn clamping_warns_only_when_moved() {
        let span = Span::default();
        assert_eq!(clamp_to_aws_range("x", 10, (5, 300), span), (10, None));
        let (used, warning) = clamp_to_aws_range("periodSeconds", 1, (5, 300), span);
        assert_eq!(used, 5);
        assert_eq!(
            warning.map(|warning| warning.message),
            Some("periodSeconds 1 is outside AWS's range 5–300; using 5".to_string())
        );
    }

    #[test]
    fn percents() {
        assert_eq!(parse_percent("25%"), Ok(25));
        assert!(parse_percent("125%").is_err());
        assert!(parse_percent("25").is_err());
    }
}
