//! What each container runs, once the image is known: a pass over the model that applies the
//! image lock (`--images`) to every container, or keeps what a compiler can do without it.
//!
//! LinuxKit takes from an image only its entrypoint+cmd, env and working directory, and the
//! build file's `command` and `env` replace the first two outright (moby/config.go); it never
//! reads USER. So with the image's config at hand, i2kit writes what a container runtime
//! would have run: Kubernetes' command/args rules, the runtime's env merge, the image's user,
//! and the image pinned by digest.

use crate::container_process::{args_without_command, runs_as_root, with_default_path};
use crate::diagnostic::{Code, Diagnostic};
use crate::image_lock::{Found, ImageLock, ImageUser, RECIPE};
use crate::model::{Application, Container};

/// Settles every container of `application` against `lock` (none when no `--images`).
pub fn resolve_images(application: &mut Application, lock: Option<&ImageLock>) -> Vec<Diagnostic> {
    resolve_containers(
        application.deployments.iter_mut().flat_map(|deployment| {
            deployment
                .containers
                .iter_mut()
                .chain(deployment.init_containers.iter_mut())
        }),
        lock,
    )
}

/// [`resolve_images`] over any containers: also over those of an input with errors, whose
/// image-dependent problems are reported with the others.
pub fn resolve_containers<'a>(
    containers: impl Iterator<Item = &'a mut Container>,
    lock: Option<&ImageLock>,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for container in containers {
        match lock.and_then(|lock| lock.find(&container.image)) {
            Some(found) => diagnostics.extend(apply_image(container, found)),
            None => diagnostics.extend(keep_unknown(container, lock)),
        }
    }
    diagnostics
}

/// Without the image: today's rules, which never guess what the image holds.
fn keep_unknown(container: &mut Container, lock: Option<&ImageLock>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let lock_name = lock.map(|lock| lock.name.as_str());
    if container.args_after_entrypoint.take().is_some() {
        diagnostics.push(args_without_command(container.spans.args, lock_name));
    }
    if let Some(span) = container.non_root_required
        && container.uid.unwrap_or(0) == 0
    {
        diagnostics.push(runs_as_root(Some(span)));
    }
    // LinuxKit's env replaces the image's, PATH included; Docker's default PATH keeps the
    // container's binaries findable in most images.
    container.env = container.env.take().map(with_default_path);
    if let Some(lock_name) = lock_name {
        diagnostics.push(not_in_lock(container, lock_name));
    }
    diagnostics
}

/// A lock was given but misses this image: it runs unpinned, as uid 0 unless the manifest
/// says otherwise, and a manifest `env` hides the image's environment.
fn not_in_lock(container: &Container, lock_name: &str) -> Diagnostic {
    let image = &container.image;
    let message = if container.env.is_some() {
        format!(
            "image `{image}` is not in {lock_name}: its `env` replaces an image environment i2kit cannot see (PATH is a guess)"
        )
    } else {
        format!(
            "image `{image}` is not in {lock_name}: it is not pinned by digest and its USER is not read"
        )
    };
    Diagnostic::warning(Code::ImageNotInLock, container.spans.image, message).with_help(format!(
        "{RECIPE}; regenerate {lock_name} after changing images"
    ))
}

fn apply_image(container: &mut Container, found: Found<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let config = found.config;
    // Kubernetes: `args` alone keep the entrypoint and replace the cmd. Empty args mean
    // none, so the image's own entrypoint and cmd run, as LinuxKit does without `command`.
    if let Some(args) = container.args_after_entrypoint.take()
        && !args.is_empty()
    {
        container.command = Some(config.entrypoint.iter().cloned().chain(args).collect());
    }
    // A container with values known only at boot runs through a wrapper, which must name the
    // program: with neither `command` nor `args`, that is the image's entrypoint and cmd, as
    // LinuxKit would have run them.
    if container.command.is_none() && !container.boot_env.is_empty() {
        let image_argv: Vec<String> = config
            .entrypoint
            .iter()
            .chain(&config.cmd)
            .cloned()
            .collect();
        if !image_argv.is_empty() {
            container.command = Some(image_argv);
        }
    }
    if let Some(written) = container.env.take() {
        container.env = Some(with_default_path(merge_env(&config.env, written)));
    }
    // Docker: a `--user` given at run time replaces USER whole, group included.
    if container.uid.is_none() {
        match &config.user {
            ImageUser::Unset => {}
            ImageUser::Ids { uid, gid } => {
                container.uid = Some(*uid);
                container.gid = container.gid.or(*gid);
            }
            ImageUser::Named(name) => diagnostics.push(
                Diagnostic::error(
                    Code::NamedImageUser,
                    container.spans.image,
                    format!(
                        "image `{}` runs as USER `{name}`, a name LinuxKit cannot resolve (it needs uid and gid numbers)",
                        container.image
                    ),
                )
                .with_help(format!(
                    "set the numeric ids (`uid`/`gid`, or `runAsUser`/`runAsGroup`); `docker run --rm --entrypoint id {}` prints them",
                    container.image
                )),
            ),
        }
    }
    if let Some(span) = container.non_root_required
        && container.uid.unwrap_or(0) == 0
        && !matches!(config.user, ImageUser::Named(_))
    {
        diagnostics.push(
            Diagnostic::error(
                Code::InvalidValue,
                Some(span),
                format!(
                    "runAsNonRoot is set, but image `{}` runs as root",
                    container.image
                ),
            )
            .with_help("set `runAsUser` to a non-zero uid"),
        );
    }
    if container.working_dir.is_none() {
        container.working_dir.clone_from(&config.working_dir);
    }
    match found.digest {
        Some(digest) if !container.image.contains('@') => {
            container.image = format!("{}@{digest}", container.image);
        }
        Some(_) => {}
        None => diagnostics.push(
            Diagnostic::warning(
                Code::UnpinnedImage,
                container.spans.image,
                format!(
                    "image `{}` has no digest in the image lock, so a build may pull other bytes",
                    container.image
                ),
            )
            .with_help("pull the image from its registry before `docker image inspect` (an image only built locally has no RepoDigests), or key the entry `name:tag@sha256:…`"),
        ),
    }
    diagnostics
}

/// A container runtime's env merge: the image's entries first, each replaced in place by a
/// manifest entry of the same name; the manifest's other entries follow in order.
#[must_use]
pub fn merge_env(
    image: &[(String, String)],
    written: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let mut merged = image.to_vec();
    for (name, value) in written {
        match merged.iter_mut().find(|(existing, _)| *existing == name) {
            Some(entry) => entry.1 = value,
            None => merged.push((name, value)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_lock::read_lock;
    use crate::model::{Capabilities, ContainerSpans, Resources};
    use crate::source::SourceFile;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
            .collect()
    }

    fn container(image: &str) -> Container {
        Container {
            name: "app".into(),
            image: image.into(),
            command: None,
            args_after_entrypoint: None,
            env: None,
            working_dir: None,
            capabilities: Capabilities::All,
            uid: None,
            gid: None,
            additional_gids: Vec::new(),
            read_only_root: false,
            no_new_privileges: false,
            mounts: Vec::new(),
            resources: Resources::default(),
            boot_env: Vec::new(),
            non_root_required: None,
            spans: ContainerSpans::default(),
        }
    }

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn lock(user: &str) -> ImageLock {
        let text = serde_json::json!({
            format!("app:1@{DIGEST}"): {"config": {
                "Entrypoint": ["/entry"], "Cmd": ["serve"], "User": user,
                "Env": ["PATH=/opt/app/bin:/bin", "JAVA_HOME=/opt/java"], "WorkingDir": "/srv"
            }}
        })
        .to_string();
        read_lock(&SourceFile::new("lock.json", text)).expect("valid")
    }

    #[test]
    fn env_merges_by_name_image_first() {
        assert_eq!(
            merge_env(
                &pairs(&[("PATH", "/x"), ("A", "1")]),
                pairs(&[("A", "2"), ("B", "3")])
            ),
            pairs(&[("PATH", "/x"), ("A", "2"), ("B", "3")])
        );
    }

    #[test]
    fn a_locked_image_fills_what_linuxkit_loses() {
        let mut c = container("app:1");
        c.args_after_entrypoint = Some(vec!["--port".into(), "80".into()]);
        c.env = Some(pairs(&[("LOG", "debug")]));
        let lock = lock("101:102");
        let found = lock.find(&c.image).expect("locked");
        assert!(apply_image(&mut c, found).is_empty());
        assert_eq!(
            c.command,
            Some(vec!["/entry".into(), "--port".into(), "80".into()])
        );
        assert_eq!(
            c.env,
            Some(pairs(&[
                ("PATH", "/opt/app/bin:/bin"),
                ("JAVA_HOME", "/opt/java"),
                ("LOG", "debug")
            ]))
        );
        assert_eq!((c.uid, c.gid), (Some(101), Some(102)));
        assert_eq!(c.working_dir.as_deref(), Some("/srv"));
        assert_eq!(c.image, format!("app:1@{DIGEST}"));
    }

    #[test]
    fn the_manifest_user_wins_and_names_need_ids() {
        let lock = lock("app");
        let mut c = container("app:1");
        c.uid = Some(5);
        let found = lock.find(&c.image).expect("locked");
        assert!(apply_image(&mut c, found).is_empty());
        assert_eq!((c.uid, c.gid), (Some(5), None));
        let mut c = container("app:1");
        let problems = apply_image(&mut c, found);
        assert_eq!(
            problems.iter().map(|d| d.code).collect::<Vec<_>>(),
            vec![Code::NamedImageUser]
        );
    }

    #[test]
    fn without_the_image_nothing_changes_but_a_default_path() {
        let mut c = container("other:1");
        c.env = Some(pairs(&[("A", "1")]));
        let mut application = Application {
            deployments: Vec::new(),
            services: Vec::new(),
            ..Application::default()
        };
        assert!(resolve_images(&mut application, None).is_empty());
        let problems = keep_unknown(&mut c, None);
        assert!(problems.is_empty());
        assert_eq!(
            c.env,
            Some(pairs(&[
                ("A", "1"),
                ("PATH", crate::container_process::DEFAULT_PATH)
            ]))
        );
        assert_eq!(c.image, "other:1");
        c.args_after_entrypoint = Some(Vec::new());
        let lock = lock("");
        let problems = keep_unknown(&mut c, Some(&lock));
        assert_eq!(
            problems.iter().map(|d| d.code).collect::<Vec<_>>(),
            vec![Code::ArgsWithoutCommand, Code::ImageNotInLock]
        );
    }
}
