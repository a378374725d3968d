//! How a container's process starts under LinuxKit, which a reader and the image pass both
//! decide: the one command line (Kubernetes' `command` and `args`), the `PATH` a replaced
//! environment still needs, and the errors for what only the image could tell (its entrypoint,
//! its user). Neither layer owns these rules, so they live beside both.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// Docker's default `PATH`, added when a manifest sets `env` without one: LinuxKit's `env`
/// replaces the image's environment, PATH included (moby/config.go), and a container without
/// PATH cannot find its own binaries.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `command` then `args` as the one command line LinuxKit runs; `args` alone come back
/// separately, since they follow the image's entrypoint (Kubernetes: `command` replaces the
/// entrypoint, `args` the cmd), which only an image lock can supply.
#[must_use]
pub fn join_command(
    command: Option<Vec<String>>,
    args: Option<Vec<String>>,
) -> (Option<Vec<String>>, Option<Vec<String>>) {
    match command {
        Some(mut argv) => {
            argv.extend(args.unwrap_or_default());
            (Some(argv), None)
        }
        None => (None, args),
    }
}

/// The environment with [`DEFAULT_PATH`] appended when it has no `PATH`.
#[must_use]
pub fn with_default_path(mut env: Vec<(String, String)>) -> Vec<(String, String)> {
    if !env.iter().any(|(name, _)| name == "PATH") {
        env.push(("PATH".to_string(), DEFAULT_PATH.to_string()));
    }
    env
}

/// `args` without `command` for an image whose entrypoint is unknown: not in the image lock
/// named `lock`, or no lock at all.
#[must_use]
pub fn args_without_command(span: Option<Span>, lock: Option<&str>) -> Diagnostic {
    let help = match lock {
        None => "LinuxKit replaces the entrypoint and cmd with one command line; pass an image lock with `--images FILE` (made from `i2kit images`, see README) so i2kit puts the image's entrypoint before the arguments, or set `command` to it".to_string(),
        Some(lock) => format!("the image is not in {lock}; add it (`docker image inspect $(i2kit images FILE) > {lock}` after a pull), or set `command` to the image's entrypoint"),
    };
    Diagnostic::error(
        Code::ArgsWithoutCommand,
        span,
        "`args` without `command`: the image's entrypoint is unknown here",
    )
    .with_help(help)
}

/// `runAsNonRoot` on a container that would run as uid 0.
#[must_use]
pub fn runs_as_root(span: Option<Span>) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidValue,
        span,
        "runAsNonRoot is set, but the container would run as root",
    )
    .with_help("LinuxKit ignores the image's USER; set `runAsUser` to the numeric uid the image expects, or pass `--images FILE` so i2kit reads the image's USER")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_path_only_when_missing() {
        let env = with_default_path(vec![("A".into(), "1".into())]);
        assert_eq!(env.last().map(|(name, _)| name.as_str()), Some("PATH"));
        let env = with_default_path(vec![("PATH".into(), "/bin".into())]);
        assert_eq!(env.len(), 1);
    }

    #[test]
    fn commands_join_args() {
        let words = |items: &[&str]| Some(items.iter().map(|item| (*item).to_string()).collect());
        assert_eq!(
            join_command(words(&["sh", "-c"]), words(&["true"])),
            (words(&["sh", "-c", "true"]), None)
        );
        assert_eq!(join_command(None, None), (None, None));
        assert_eq!(join_command(None, words(&["x"])), (None, words(&["x"])));
    }
}
