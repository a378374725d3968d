//! The image lock: what `docker image inspect` or `crane config` printed about each image,
//! read from a file (nothing is fetched), so the compiler knows what LinuxKit otherwise
//! loses: the entrypoint (`command` replaces it), the environment (`env` replaces it), the
//! USER (never read) and the digest (a tag can move between two builds).
//!
//! Two shapes are accepted, both JSON (which the YAML loader reads, keeping positions):
//! - the array `docker image inspect IMAGE...` prints, matched by `RepoTags` and `RepoDigests`;
//! - an object from references (`name:tag`, optionally `@sha256:…`) to OCI image
//!   configs, as `crane config` and `skopeo inspect --config` print them.
//!
//! `schema/images-lock.schema.json` describes both. Every string that can reach an output is
//! checked here, where its position is known.

use crate::diagnostic::{Code, Diagnostic, sort_diagnostics};
use crate::image_reference::{ImageReference, is_sha256_digest, parse_image_reference};
use crate::input::rules::{LinuxKitField, check_linuxkit_scalar};
use crate::source::{SourceFile, Span};
use crate::yaml::{Node, Value, parse_documents};

/// Every image the lock describes, in file order (the first entry for a reference wins).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImageLock {
    /// The lock file as named on the command line, for diagnostics about the manifest.
    pub name: String,
    entries: Vec<LockedImage>,
}

#[derive(Debug, Clone, PartialEq)]
struct LockedImage {
    /// Normalised `repository:tag` references the entry answers to.
    tags: Vec<String>,
    /// Normalised repository and the registry digest it was pulled by.
    digests: Vec<(String, String)>,
    config: ImageConfig,
}

/// What LinuxKit would otherwise lose of an image's config.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageConfig {
    pub entrypoint: Vec<String>,
    /// `Cmd`: what runs after the entrypoint when the manifest writes neither `command` nor
    /// `args`. LinuxKit runs it itself then; i2kit needs it only to wrap such a container
    /// (values known at boot, `crate::emit::boot`).
    pub cmd: Vec<String>,
    /// `NAME=value` entries, split, in image order.
    pub env: Vec<(String, String)>,
    pub user: ImageUser,
    /// Absolute, when set.
    pub working_dir: Option<String>,
}

/// An image's `USER`, as far as a compiler can read it without the image's `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ImageUser {
    /// No USER: the runtime's default, root.
    #[default]
    Unset,
    Ids {
        uid: u32,
        gid: Option<u32>,
    },
    /// A user or group name, which only the image's `/etc/passwd` or `/etc/group` resolves.
    Named(String),
}

impl ImageUser {
    /// Docker's `USER` forms: `uid`, `uid:gid`, `name`, `name:group`. `root` is uid 0 and
    /// group 0 in every image, so it needs no lookup.
    #[must_use]
    pub fn parse(text: &str) -> ImageUser {
        let id = |part: &str| match part {
            "root" => Some(0),
            _ if part.bytes().all(|byte| byte.is_ascii_digit()) => part.parse::<u32>().ok(),
            _ => None,
        };
        if text.is_empty() {
            return ImageUser::Unset;
        }
        let (user, group) = match text.split_once(':') {
            Some((user, group)) => (user, Some(group)),
            None => (text, None),
        };
        match (id(user), group.map(id)) {
            (Some(uid), None) => ImageUser::Ids { uid, gid: None },
            (Some(uid), Some(Some(gid))) => ImageUser::Ids {
                uid,
                gid: Some(gid),
            },
            _ => ImageUser::Named(text.to_string()),
        }
    }
}

/// A lock entry found for a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'a> {
    pub config: &'a ImageConfig,
    /// The digest to pin the reference to; `None` when the lock has none for its repository.
    pub digest: Option<&'a str>,
}

impl ImageLock {
    /// The entry for `reference` as a manifest writes it. A reference with a digest matches
    /// only that digest; one without matches by tag (`latest` when none is written).
    #[must_use]
    pub fn find(&self, reference: &str) -> Option<Found<'_>> {
        let wanted = parse_image_reference(reference).ok()?;
        if let Some(digest) = &wanted.digest {
            return self.entries.iter().find_map(|entry| {
                entry
                    .digests
                    .iter()
                    .find(|(repository, known)| *repository == wanted.repository && known == digest)
                    .map(|(_, known)| Found {
                        config: &entry.config,
                        digest: Some(known.as_str()),
                    })
            });
        }
        let tagged = wanted.tagged();
        self.entries
            .iter()
            .find(|entry| entry.tags.contains(&tagged))
            .map(|entry| Found {
                config: &entry.config,
                digest: entry
                    .digests
                    .iter()
                    .find(|(repository, _)| *repository == wanted.repository)
                    .map(|(_, digest)| digest.as_str()),
            })
    }
}

/// Reads the lock file.
///
/// # Errors
/// Every problem found, located in the lock file.
pub fn read_lock(source: &SourceFile) -> Result<ImageLock, Vec<Diagnostic>> {
    let documents = parse_documents(&source.text).map_err(|problem| vec![problem])?;
    let mut reader = Reader::default();
    match documents.as_slice() {
        [document] => match &document.root.value {
            Value::Sequence(items) => items.iter().for_each(|item| reader.inspected(item)),
            Value::Mapping(entries) => entries
                .iter()
                .for_each(|(key, value)| reader.configured(key, value)),
            Value::Null => reader.problems.push(empty_lock(None)),
            _ => reader.problems.push(
                Diagnostic::error(
                    Code::WrongType,
                    Some(document.root.span),
                    format!(
                        "an image lock is a JSON array or object, found {}",
                        document.root.type_name()
                    ),
                )
                .with_help(RECIPE),
            ),
        },
        [] => reader.problems.push(empty_lock(None)),
        [_, second, ..] => reader.problems.push(
            Diagnostic::error(
                Code::WrongType,
                Some(second.root.span),
                "an image lock holds one JSON value",
            )
            .with_help("concatenate `docker image inspect` runs into one call, or merge the objects with `jq -s add`"),
        ),
    }
    if reader.problems.iter().any(Diagnostic::is_error) {
        sort_diagnostics(&mut reader.problems);
        Err(reader.problems)
    } else {
        Ok(ImageLock {
            name: source.name.clone(),
            entries: reader.entries,
        })
    }
}

/// How to make a lock, for helps.
pub const RECIPE: &str = "make it with `docker image inspect $(i2kit images FILE) > images.lock.json` after pulling the images";

fn empty_lock(span: Option<Span>) -> Diagnostic {
    Diagnostic::error(Code::MissingField, span, "the image lock is empty").with_help(RECIPE)
}

#[derive(Default)]
struct Reader {
    entries: Vec<LockedImage>,
    problems: Vec<Diagnostic>,
}

impl Reader {
    /// One object of `docker image inspect`'s array. Docker prints many more fields (Id,
    /// Created, RootFS…); they are ignored, as they say nothing LinuxKit loses.
    fn inspected(&mut self, item: &Node) {
        if !matches!(item.value, Value::Mapping(_)) {
            self.problems.push(wrong_type(
                item,
                "an image object of `docker image inspect`",
            ));
            return;
        }
        let mut tags = Vec::new();
        for (text, span) in self.strings(item.get("RepoTags")) {
            match parse_image_reference(&text)
                .ok()
                .filter(|r| r.tag.is_some() && r.digest.is_none())
            {
                Some(reference) => tags.push(reference.tagged()),
                None => self.problems.push(invalid(
                    span,
                    format!("`{text}` is not a `name:tag` reference"),
                )),
            }
        }
        let mut digests = Vec::new();
        for (text, span) in self.strings(item.get("RepoDigests")) {
            match parse_image_reference(&text) {
                Ok(ImageReference {
                    repository,
                    tag: None,
                    digest: Some(digest),
                }) if is_sha256_digest(&digest) => digests.push((repository, digest)),
                _ => self.problems.push(invalid(
                    span,
                    format!("`{text}` is not a `name@sha256:<64 hex digits>` reference"),
                )),
            }
        }
        if tags.is_empty() && digests.is_empty() {
            self.problems.push(
                Diagnostic::error(
                    Code::MissingField,
                    Some(item.span),
                    "this image has neither `RepoTags` nor `RepoDigests`, so no manifest can refer to it",
                )
                .with_help("inspect images by the references the manifest uses (`i2kit images FILE` lists them)"),
            );
        }
        let config = self.config(item.get("Config"));
        self.entries.push(LockedImage {
            tags,
            digests,
            config,
        });
    }

    /// One `"reference": {OCI image config}` entry.
    fn configured(&mut self, key: &Node, value: &Node) {
        let Some(text) = key.as_str() else {
            self.problems.push(wrong_type(key, "an image reference"));
            return;
        };
        let reference = match parse_image_reference(text) {
            Ok(reference) => reference,
            Err(problem) => {
                self.problems.push(invalid(
                    key.span,
                    format!("`{text}` is not an image reference: {}", problem.reason()),
                ));
                return;
            }
        };
        let mut digests = Vec::new();
        if let Some(digest) = &reference.digest {
            if is_sha256_digest(digest) {
                digests.push((reference.repository.clone(), digest.clone()));
            } else {
                self.problems.push(invalid(
                    key.span,
                    format!(
                        "`{digest}` is not a digest: write `sha256:` and 64 lower-case hex digits"
                    ),
                ));
            }
        }
        // A key with only a digest answers to that digest; otherwise to its tag (or latest).
        let tags = if reference.digest.is_some() && reference.tag.is_none() {
            Vec::new()
        } else {
            vec![reference.tagged()]
        };
        if !matches!(value.value, Value::Mapping(_)) {
            self.problems.push(wrong_type(
                value,
                "an OCI image config (`crane config` prints one)",
            ));
            return;
        }
        let config = self.config(value.get("config"));
        self.entries.push(LockedImage {
            tags,
            digests,
            config,
        });
    }

    /// The `Config` of `docker image inspect` and the `config` of an OCI image config use the
    /// same field names (the OCI image spec took Docker's).
    fn config(&mut self, node: Option<&Node>) -> ImageConfig {
        let mut config = ImageConfig::default();
        let Some(node) = node.filter(|node| node.value != Value::Null) else {
            return config;
        };
        if !matches!(node.value, Value::Mapping(_)) {
            self.problems.push(wrong_type(node, "a mapping"));
            return config;
        }
        config.entrypoint = self.command_words(node.get("Entrypoint"), "an entrypoint word");
        config.cmd = self.command_words(node.get("Cmd"), "a Cmd word");
        for (entry, span) in self.strings(node.get("Env")) {
            match entry.split_once('=') {
                Some((name, value))
                    if !name.is_empty()
                        && !name.chars().any(char::is_control)
                        && !value.contains('\0') =>
                {
                    match check_linuxkit_scalar(name, LinuxKitField::EnvName, Some(span)) {
                        Some(problem) => self.problems.push(problem),
                        None => config.env.push((name.to_string(), value.to_string())),
                    }
                }
                _ => self.problems.push(invalid(
                    span,
                    format!("environment entry `{entry}` is not NAME=value"),
                )),
            }
        }
        if let Some(user) = self.text(node.get("User")) {
            config.user = ImageUser::parse(&user.0);
        }
        if let Some((directory, span)) = self.text(node.get("WorkingDir"))
            && !directory.is_empty()
        {
            if directory.starts_with('/') && !directory.chars().any(char::is_control) {
                config.working_dir = Some(directory);
            } else {
                self.problems.push(invalid(
                    span,
                    format!("working directory `{directory}` is not an absolute path"),
                ));
            }
        }
        config
    }

    /// Words of a command line (`Entrypoint`, `Cmd`), each checked as LinuxKit will take it.
    fn command_words(&mut self, node: Option<&Node>, what: &str) -> Vec<String> {
        let mut words = Vec::new();
        for (word, span) in self.strings(node) {
            // execve takes NUL-terminated strings: a NUL could never reach the process.
            if word.contains('\0') {
                self.problems
                    .push(invalid(span, format!("{what} holds a NUL character")));
            } else if let Some(problem) =
                check_linuxkit_scalar(&word, LinuxKitField::CommandWord, Some(span))
            {
                self.problems.push(problem);
            } else {
                words.push(word);
            }
        }
        words
    }

    /// A list of strings; absent and `null` (Docker prints `"Entrypoint": null`) are empty.
    fn strings(&mut self, node: Option<&Node>) -> Vec<(String, Span)> {
        let Some(node) = node else {
            return Vec::new();
        };
        match &node.value {
            Value::Null => Vec::new(),
            Value::Sequence(items) => items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::String(text) => Some((text.clone(), item.span)),
                    _ => {
                        self.problems.push(wrong_type(item, "a string"));
                        None
                    }
                })
                .collect(),
            _ => {
                self.problems.push(wrong_type(node, "a list of strings"));
                Vec::new()
            }
        }
    }

    fn text(&mut self, node: Option<&Node>) -> Option<(String, Span)> {
        let node = node?;
        match &node.value {
            Value::Null => None,
            Value::String(text) => Some((text.clone(), node.span)),
            _ => {
                self.problems.push(wrong_type(node, "a string"));
                None
            }
        }
    }
}

fn wrong_type(node: &Node, expected: &str) -> Diagnostic {
    Diagnostic::error(
        Code::WrongType,
        Some(node.span),
        format!("expected {expected}, found {}", node.type_name()),
    )
    .with_help(RECIPE)
}

fn invalid(span: Span, message: String) -> Diagnostic {
    Diagnostic::error(Code::InvalidValue, Some(span), message)
        .with_help("the lock is read as `docker image inspect` or `crane config` writes it; regenerate it rather than editing it")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn lock(text: &str) -> Result<ImageLock, Vec<Diagnostic>> {
        read_lock(&SourceFile::new("images.lock.json", text))
    }

    #[test]
    fn users() {
        assert_eq!(ImageUser::parse(""), ImageUser::Unset);
        assert_eq!(
            ImageUser::parse("101"),
            ImageUser::Ids {
                uid: 101,
                gid: None
            }
        );
        assert_eq!(
            ImageUser::parse("101:102"),
            ImageUser::Ids {
                uid: 101,
                gid: Some(102)
            }
        );
        assert_eq!(
            ImageUser::parse("root"),
            ImageUser::Ids { uid: 0, gid: None }
        );
        assert_eq!(ImageUser::parse("nginx"), ImageUser::Named("nginx".into()));
        assert_eq!(
            ImageUser::parse("101:nginx"),
            ImageUser::Named("101:nginx".into())
        );
        assert_eq!(
            ImageUser::parse("99999999999"),
            ImageUser::Named("99999999999".into())
        );
    }

    #[test]
    fn references_normalise_like_docker() {
        let parse = |text| parse_image_reference(text).ok().map(|r| r.tagged());
        assert_eq!(parse("nginx"), Some("nginx:latest".into()));
        assert_eq!(
            parse("docker.io/library/nginx:1.27"),
            Some("nginx:1.27".into())
        );
        assert_eq!(
            parse("docker.io/bitnami/redis:7"),
            Some("bitnami/redis:7".into())
        );
        assert_eq!(
            parse("localhost:5000/app"),
            Some("localhost:5000/app:latest".into())
        );
        assert_eq!(parse("ghcr.io/a/b:1"), Some("ghcr.io/a/b:1".into()));
        assert_eq!(parse(""), None);
        assert_eq!(parse("a b"), None);
    }

    #[test]
    fn reads_docker_inspect() {
        let text = serde_json::json!([{
            "Id": "sha256:ffff",
            "RepoTags": ["nginx:1.27", "nginx:latest"],
            "RepoDigests": [format!("nginx@{DIGEST}")],
            "Config": {"Entrypoint": ["/docker-entrypoint.sh"], "Cmd": ["nginx"], "Env": ["PATH=/bin", "A=b=c"], "User": "101", "WorkingDir": "/srv"}
        }])
        .to_string();
        let lock = lock(&text).expect("valid lock");
        let found = lock.find("docker.io/library/nginx:1.27").expect("found");
        assert_eq!(found.digest, Some(DIGEST));
        assert_eq!(found.config.entrypoint, vec!["/docker-entrypoint.sh"]);
        assert_eq!(found.config.cmd, vec!["nginx"]);
        assert_eq!(
            found.config.env,
            vec![("PATH".into(), "/bin".into()), ("A".into(), "b=c".into())]
        );
        assert_eq!(found.config.working_dir.as_deref(), Some("/srv"));
        assert!(lock.find("nginx").is_some());
        assert!(lock.find("nginx:1.26").is_none());
        assert!(lock.find(&format!("nginx@{DIGEST}")).is_some());
        assert!(lock.find(&format!("redis@{DIGEST}")).is_none());
    }

    #[test]
    fn reads_oci_configs() {
        let text = serde_json::json!({
            format!("postgres:17@{DIGEST}"): {"architecture": "amd64", "config": {"User": "999:999", "Env": ["PATH=/usr/lib/postgresql/17/bin:/bin"]}},
            "busybox:1.37": {"config": null}
        })
        .to_string();
        let lock = lock(&text).expect("valid lock");
        let found = lock.find("postgres:17").expect("found");
        assert_eq!(found.digest, Some(DIGEST));
        assert_eq!(
            found.config.user,
            ImageUser::Ids {
                uid: 999,
                gid: Some(999)
            }
        );
        assert_eq!(
            lock.find("busybox:1.37").map(|found| found.digest),
            Some(None)
        );
    }

    #[test]
    fn locates_bad_values() {
        let text = "[\n  {\"RepoTags\": [\"a:1\"],\n   \"RepoDigests\": [\"a@sha256:12\"]}\n]\n";
        let problems = lock(text).expect_err("bad digest");
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0]
                .span
                .map(|span| (span.start.line, span.start.column)),
            Some((3, 20))
        );
        let problems = lock("{\"a:1\": {\"config\": {\"WorkingDir\": \"srv\", \"Env\": [\"X\"]}}}")
            .expect_err("relative directory, bad env");
        assert_eq!(problems.len(), 2);
        assert!(lock("").is_err());
        assert!(lock("[1]").is_err());
        assert!(lock("\"text\"").is_err());
        assert!(lock("[{\"RepoTags\": []}]").is_err());
        assert!(lock("{\"a:1\": {\"config\": {\"Entrypoint\": [\"a\\u0000b\"]}}}").is_err());
        let problems =
            lock("{\"a:1\": {\"config\": {\"Entrypoint\": [\"@pkg:./x\"], \"Env\": [\"@A=1\"]}}}")
                .expect_err("LinuxKit would rewrite both");
        assert_eq!(
            problems.iter().map(|p| p.code).collect::<Vec<_>>(),
            vec![Code::LinuxKitTemplate, Code::LinuxKitTemplate]
        );
    }
}
