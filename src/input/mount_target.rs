//! Where a container mounts something, checked the same way for both readers: an absolute
//! path, once per container (Kubernetes' `ValidateVolumeMounts`: "must be unique"), and not
//! over what the VM sets up for every container. LinuxKit keys a container's mounts by their
//! destination (`moby/config.go`, `ConfigToOCI`), so a second mount at a path, or one at
//! `/etc/resolv.conf` or `/proc`, does not add to the first: it silently replaces it.

use crate::diagnostic::{Code, Diagnostic};
use crate::dns;
use crate::input::rules;
use crate::source::Span;

/// VM directories i2kit fills itself (ConfigMap files, shared emptyDirs, the resolver file):
/// their layout is no contract, and a `hostPath` into them would reach around the read-only
/// binds that carry them.
const I2KIT_OWNED_ROOTS: [&str; 2] = ["/etc/i2kit", "/run/i2kit"];

/// Why a mount at `path` (cleaned) would replace what the container must keep, if it would.
fn reserved(path: &str) -> Option<&'static str> {
    Some(match path {
        "/" => "it would cover the container's whole image",
        dns::CONTAINER_RESOLV_CONF => {
            "the VM binds the pod's resolver configuration there, which finding other deployments by name needs; LinuxKit would keep only one of the two"
        }
        "/.i2kit" | "/.i2kit/env" | "/.i2kit/busybox" => {
            "i2kit binds what sets the container's boot-time values there"
        }
        "/proc" | "/sys" | "/sys/fs/cgroup" | "/dev" | "/dev/pts" => {
            "the container's own proc, sysfs, cgroup and device mounts are there; LinuxKit would replace them"
        }
        _ => return None,
    })
}

/// `path` as `path.Clean` has it, lexically: no empty, `.` or `..` segments, no trailing `/`.
/// Absolute paths only (checked before).
#[must_use]
pub fn clean_absolute(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    ["/", segments.join("/").as_str()].concat()
}

/// The mount points of one container, each checked as it is added.
#[derive(Default)]
pub struct MountTargets {
    seen: Vec<String>,
}

impl MountTargets {
    /// Adds `path`, written at `span`; the problem with it, if any (it is then not added).
    pub fn add(&mut self, path: &str, span: Option<Span>) -> Option<Diagnostic> {
        if let Some(problem) = rules::check_absolute_path(path, span) {
            return Some(problem);
        }
        let cleaned = clean_absolute(path);
        if let Some(why) = reserved(&cleaned) {
            return Some(
                Diagnostic::error(
                    Code::PodConflict,
                    span,
                    format!("nothing can be mounted at `{path}`: {why}"),
                )
                .with_help("mount it at another path and point the program there"),
            );
        }
        if self.seen.contains(&cleaned) {
            return Some(
                Diagnostic::error(
                    Code::PodConflict,
                    span,
                    format!("`{path}` is already a mount point of this container"),
                )
                .with_help("Kubernetes refuses two mounts at one path (mountPath must be unique); LinuxKit would keep only one of them: mount the second elsewhere"),
            );
        }
        self.seen.push(cleaned);
        None
    }
}

/// Whether VM path `path` (absolute) is, or lies inside, a directory i2kit fills itself.
#[must_use]
pub fn is_i2kit_owned(path: &str) -> bool {
    let cleaned = clean_absolute(path);
    I2KIT_OWNED_ROOTS.iter().any(|root| {
        cleaned == *root
            || cleaned
                .strip_prefix(root)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_compared_clean() {
        assert_eq!(clean_absolute("/data/"), "/data");
        assert_eq!(
            clean_absolute("//etc/./x/../resolv.conf"),
            "/etc/resolv.conf"
        );
        assert_eq!(clean_absolute("/.."), "/");
        let mut targets = MountTargets::default();
        assert!(targets.add("/data", None).is_none());
        assert!(targets.add("/cache", None).is_none());
        for again in ["/data", "/data/", "//data", "/x/../data"] {
            let problem = targets.add(again, None);
            assert_eq!(problem.map(|d| d.code), Some(Code::PodConflict), "{again}");
        }
    }

    #[test]
    fn what_the_vm_sets_up_is_refused() {
        for path in [
            "/",
            "/etc/resolv.conf",
            "/etc/../etc/resolv.conf",
            "/proc",
            "/dev/",
            "/sys/fs/cgroup",
        ] {
            let problem = MountTargets::default().add(path, None);
            assert_eq!(problem.map(|d| d.code), Some(Code::PodConflict), "{path}");
        }
        for path in ["/etc/hosts", "/etc/resolv", "/procfs", "/etc/nginx"] {
            assert!(MountTargets::default().add(path, None).is_none(), "{path}");
        }
        let relative = MountTargets::default().add("data", None);
        assert_eq!(relative.map(|d| d.code), Some(Code::InvalidValue));
    }

    #[test]
    fn i2kit_directories_are_its_own() {
        for path in [
            "/etc/i2kit",
            "/etc/i2kit/volumes/site",
            "/run/i2kit/",
            "/run/x/../i2kit/volumes",
        ] {
            assert!(is_i2kit_owned(path), "{path}");
        }
        for path in [
            dns::RESOLV_CONF_PATH,
            crate::input::kubernetes::pod::CONFIG_VOLUME_ROOT,
            crate::input::kubernetes::pod::SHARED_VOLUME_ROOT,
        ] {
            assert!(is_i2kit_owned(path), "{path}");
        }
        for path in ["/etc", "/", "/etc/i2kitten", "/run", "/var/run/i2kit"] {
            assert!(!is_i2kit_owned(path), "{path}");
        }
    }
}
