//! An image reference, parsed as Docker, containerd and LinuxKit parse it: the grammar and
//! checks of github.com/distribution/reference (`regexp.go`, `Parse` in `reference.go`,
//! `ParseNormalizedNamed` and `splitDockerDomain` in `normalize.go`) and the digest
//! algorithms github.com/opencontainers/go-digest registers (`algorithm.go`).
//!
//! The patterns below are `regexp.go`'s, transcribed: Go's and Rust's regex engines share
//! RE2's syntax and leftmost-first semantics, so a reviewer can compare them line by line.
//! Go's `\w` is ASCII, hence the spelled-out classes.

use regex::Regex;
use std::sync::LazyLock;

/// A reference that parses, with its repository in the short form `docker image inspect`
/// prints (`nginx`, `bitnami/redis`, `ghcr.io/a/b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Why a text is not an image reference, in the words of distribution/reference's errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceError {
    Empty,
    /// 64 hex digits name an image id, not a repository (`ParseNormalizedNamed`).
    HexIdentifier,
    Uppercase,
    /// More than [`REPOSITORY_NAME_MAX`] characters after the registry.
    NameTooLong,
    /// A digest of an algorithm go-digest does not register, or of the wrong length.
    Digest,
    Format,
}

impl ReferenceError {
    /// What is wrong, for a diagnostic's message.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            ReferenceError::Empty => "it is empty",
            ReferenceError::HexIdentifier => {
                "64 hexadecimal digits name an image id, not a repository"
            }
            ReferenceError::Uppercase => "the repository name must be lowercase",
            ReferenceError::NameTooLong => "the repository name is longer than 255 characters",
            ReferenceError::Digest => {
                "the digest is not `sha256:` and 64, or `sha512:` and 128, lower-case hex digits"
            }
            ReferenceError::Format => "it is not `[registry[:port]/]name[:tag][@digest]`",
        }
    }
}

/// `RepositoryNameTotalLengthMax` (reference.go): the limit on the path after the registry.
pub const REPOSITORY_NAME_MAX: usize = 255;

const DOCKER_HUB: &str = "docker.io";

macro_rules! domain_and_port {
    () => {
        concat!(
            // host: domainName | ipv6address
            r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*",
            r"|\[(?:[a-fA-F0-9:]+)\])",
            // optionalPort
            r"(?::[0-9]+)?"
        )
    };
}

macro_rules! remote_name {
    () => {
        // pathComponent = alphanumeric (separator alphanumeric)*, joined by '/'
        r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*"
    };
}

macro_rules! digest {
    () => {
        r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}"
    };
}

/// `referencePat`: name, tag, digest.
static REFERENCE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        "^(",
        "(?:",
        domain_and_port!(),
        "/)?",
        remote_name!(),
        ")",
        r"(?::([0-9A-Za-z_][0-9A-Za-z_.-]{0,127}))?",
        "(?:@(",
        digest!(),
        "))?$"
    ))
    .ok()
});

/// `anchoredNamePat`: the registry, then the path.
static NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        "^(?:(",
        domain_and_port!(),
        ")/)?(",
        remote_name!(),
        ")$"
    ))
    .ok()
});

/// Parses `text` as `ParseNormalizedNamed` does (the function `docker pull` and LinuxKit's
/// image handling call).
///
/// # Errors
/// The first rule `text` breaks.
pub fn parse_image_reference(text: &str) -> Result<ImageReference, ReferenceError> {
    if text.is_empty() {
        return Err(ReferenceError::Empty);
    }
    if text.len() == 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
    {
        return Err(ReferenceError::HexIdentifier);
    }
    let (domain, remainder) = split_docker_domain(text);
    let remote = remainder.split(':').next().unwrap_or_default();
    if remote.to_lowercase() != remote {
        return Err(ReferenceError::Uppercase);
    }
    let full = format!("{domain}/{remainder}");
    let (Some(reference), Some(name_pattern)) = (REFERENCE.as_ref(), NAME.as_ref()) else {
        return Err(ReferenceError::Format);
    };
    let Some(parts) = reference.captures(&full) else {
        let lower = full.to_lowercase();
        return Err(if lower != full && reference.is_match(&lower) {
            ReferenceError::Uppercase
        } else {
            ReferenceError::Format
        });
    };
    let name = parts.get(1).map_or("", |found| found.as_str());
    let (domain, path) = match name_pattern.captures(name) {
        Some(name_parts) => (
            name_parts.get(1).map_or("", |found| found.as_str()),
            name_parts.get(2).map_or(name, |found| found.as_str()),
        ),
        None => ("", name),
    };
    if path.len() > REPOSITORY_NAME_MAX {
        return Err(ReferenceError::NameTooLong);
    }
    let digest = parts.get(3).map(|found| found.as_str().to_string());
    if let Some(digest) = &digest
        && !is_registered_digest(digest)
    {
        return Err(ReferenceError::Digest);
    }
    Ok(ImageReference {
        repository: familiar_repository(domain, path),
        tag: parts.get(2).map(|found| found.as_str().to_string()),
        digest,
    })
}

impl ImageReference {
    /// `repository:tag`, `latest` when no tag is written, as `RepoTags` print it.
    #[must_use]
    pub fn tagged(&self) -> String {
        format!(
            "{}:{}",
            self.repository,
            self.tag.as_deref().unwrap_or("latest")
        )
    }
}

/// `splitDockerDomain`: the first component is a registry when it is `localhost`, holds a
/// `.` or `:`, or has upper-case letters; otherwise the reference is on Docker Hub, and a
/// one-component name is in its `library/` namespace.
fn split_docker_domain(text: &str) -> (&str, String) {
    let (domain, remote) = match text.split_once('/') {
        None => (DOCKER_HUB, text),
        Some(("index.docker.io", remote)) => (DOCKER_HUB, remote),
        Some((first, remote))
            if first == "localhost"
                || first.contains(['.', ':'])
                || first.to_lowercase() != first =>
        {
            (first, remote)
        }
        Some(_) => (DOCKER_HUB, text),
    };
    if domain == DOCKER_HUB && !remote.contains('/') {
        (domain, format!("library/{remote}"))
    } else {
        (domain, remote.to_string())
    }
}

/// The short form `docker image inspect` prints in `RepoTags`: Docker Hub's `library/` and
/// domain left out (`familiarizeName`).
fn familiar_repository(domain: &str, path: &str) -> String {
    if domain == DOCKER_HUB {
        path.strip_prefix("library/")
            .filter(|short| !short.contains('/'))
            .unwrap_or(path)
            .to_string()
    } else {
        format!("{domain}/{path}")
    }
}

/// go-digest registers sha256 and sha512 by default (sha384 only on request), each lower-case
/// hex of its exact length (`Algorithm.Validate`).
fn is_registered_digest(digest: &str) -> bool {
    let hex_of = |encoded: &str, length: usize| {
        encoded.len() == length
            && encoded
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
    };
    match digest.split_once(':') {
        Some(("sha256", encoded)) => hex_of(encoded, 64),
        Some(("sha512", encoded)) => hex_of(encoded, 128),
        _ => false,
    }
}

/// `sha256:` and 64 lower-case hex digits: the only digest form registries give today, and
/// the one an image lock pins.
#[must_use]
pub fn is_sha256_digest(text: &str) -> bool {
    text.strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && is_registered_digest(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn parse(text: &str) -> Result<(String, Option<String>, Option<String>), ReferenceError> {
        parse_image_reference(text).map(|found| (found.repository, found.tag, found.digest))
    }

    #[test]
    fn the_patterns_compile() {
        assert!(REFERENCE.is_some());
        assert!(NAME.is_some());
    }

    #[test]
    fn accepts_what_docker_accepts() {
        let ok = |text: &str, repository: &str, tag: Option<&str>| {
            let (found, found_tag, _) = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(
                (found.as_str(), found_tag.as_deref()),
                (repository, tag),
                "{text}"
            );
        };
        ok("nginx", "nginx", None);
        ok("nginx:1.27", "nginx", Some("1.27"));
        ok("docker.io/library/nginx:1.27", "nginx", Some("1.27"));
        ok("index.docker.io/library/nginx", "nginx", None);
        ok("docker.io/bitnami/redis:7", "bitnami/redis", Some("7"));
        ok("localhost:5000/app", "localhost:5000/app", None);
        ok("localhost/app:v_1.0-rc", "localhost/app", Some("v_1.0-rc"));
        ok("ghcr.io/a/b:1", "ghcr.io/a/b", Some("1"));
        ok("Registry.Example.com/a", "Registry.Example.com/a", None);
        ok("[::1]:5000/a/b", "[::1]:5000/a/b", None);
        ok(
            "10.0.0.1:5000/a__b--c.d_e",
            "10.0.0.1:5000/a__b--c.d_e",
            None,
        );
        ok(
            &format!("a:{}", "t".repeat(128)),
            "a",
            Some(&"t".repeat(128)),
        );
        // The limit counts Docker Hub's `library/` too.
        ok(&"a".repeat(247), &"a".repeat(247), None);
        ok(
            &format!("ghcr.io/{}", "a".repeat(255)),
            &format!("ghcr.io/{}", "a".repeat(255)),
            None,
        );
        let (_, tag, digest) = parse(&format!("postgres:17@{DIGEST}")).expect("tag and digest");
        assert_eq!(
            (tag.as_deref(), digest.as_deref()),
            (Some("17"), Some(DIGEST))
        );
        assert!(parse(&format!("a@sha512:{}", "f".repeat(128))).is_ok());
    }

    #[test]
    fn refuses_the_rest_with_the_reason() {
        let refused = |text: &str| parse(text).err();
        assert_eq!(refused(""), Some(ReferenceError::Empty));
        assert_eq!(refused("*"), Some(ReferenceError::Format));
        assert_eq!(
            refused("--format={{json .}} nginx"),
            Some(ReferenceError::Format)
        );
        assert_eq!(refused("nginx "), Some(ReferenceError::Format));
        assert_eq!(refused("-nginx"), Some(ReferenceError::Format));
        assert_eq!(refused("@pkg:./app"), Some(ReferenceError::Format));
        assert_eq!(refused("a//b"), Some(ReferenceError::Format));
        assert_eq!(refused("a/"), Some(ReferenceError::Format));
        assert_eq!(refused("a:"), Some(ReferenceError::Format));
        assert_eq!(refused("a:-x"), Some(ReferenceError::Format));
        assert_eq!(refused("a___b"), Some(ReferenceError::Format));
        assert_eq!(refused("a:é"), Some(ReferenceError::Format));
        assert_eq!(
            refused(&format!("a:{}", "t".repeat(129))),
            Some(ReferenceError::Format)
        );
        assert_eq!(refused("Nginx"), Some(ReferenceError::Uppercase));
        assert_eq!(refused("library/Nginx:1"), Some(ReferenceError::Uppercase));
        assert_eq!(refused("ghcr.io/A/b"), Some(ReferenceError::Uppercase));
        assert_eq!(refused(&"a".repeat(248)), Some(ReferenceError::NameTooLong));
        assert_eq!(refused("_/x"), Some(ReferenceError::Format));
        assert_eq!(
            refused(&format!("ghcr.io/{}", "a".repeat(256))),
            Some(ReferenceError::NameTooLong)
        );
        assert_eq!(
            refused(&"ab".repeat(32)),
            Some(ReferenceError::HexIdentifier)
        );
        assert_eq!(refused("a@sha256:abc"), Some(ReferenceError::Format));
        assert_eq!(
            refused(&format!("a@md5:{}", "0".repeat(32))),
            Some(ReferenceError::Digest)
        );
        assert_eq!(
            refused(&format!(
                "a@{}",
                DIGEST.to_uppercase().replace("SHA", "sha")
            )),
            Some(ReferenceError::Digest)
        );
        assert_eq!(
            refused(&format!("a@sha256:{}", "0".repeat(63))),
            Some(ReferenceError::Digest)
        );
    }

    #[test]
    fn sha256_digests() {
        assert!(is_sha256_digest(DIGEST));
        assert!(!is_sha256_digest(&DIGEST.to_uppercase()));
        assert!(!is_sha256_digest("sha256:abc"));
        assert!(!is_sha256_digest(&DIGEST.replace("sha256", "sha512")));
    }
}
