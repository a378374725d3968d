//! What a VM does at boot for values its containers learn only then (`crate::model::boot`):
//! an onboot container of the AWS CLI image reads them (IMDSv2, Secrets Manager, Parameter
//! Store) into a tmpfs, one directory per container; each such container then runs through a
//! static busybox, bound read-only from another onboot container's root filesystem, whose
//! constant script exports the files and `exec`s the container's own command line.
//!
//! Both scripts are constants: names, ids and keys travel to them only as arguments, and
//! values only as files, so nothing from the input is ever read as shell code.

use crate::model::boot::{
    BOOT_ENV_ROOT, BootValue, BootVariable, BootVolume, PodInfoContent, PodInfoVolume,
};
use crate::model::{Container, Deployment};

/// The script of the onboot container that fetches the values (`fetch.sh`).
pub const FETCH_SCRIPT: &str = include_str!("boot/fetch.sh");
/// The script that exports a container's values and runs its command (`wrapper.sh`).
pub const WRAPPER_SCRIPT: &str = include_str!("boot/wrapper.sh");

/// The onboot entry whose root filesystem provides the static busybox.
pub const BUSYBOX_SERVICE: &str = "i2kit-busybox";
/// The onboot entry that fetches the values.
pub const FETCH_SERVICE: &str = "i2kit-boot";
/// Where the fetch writes, on the VM's `/run` tmpfs (never the image).
pub const VALUES_ROOT: &str = "/run/i2kit";
/// Where a wrapped container sees the busybox and its values.
pub const CONTAINER_BUSYBOX: &str = "/.i2kit/busybox";
pub const CONTAINER_VALUES: &str = "/.i2kit/env";

/// Whether the VM needs the boot step: a container with boot values, or a `secret` volume.
#[must_use]
pub fn needs_boot_step(deployment: &Deployment) -> bool {
    !deployment.boot_volumes.is_empty()
        || !deployment.pod_info_volumes.is_empty()
        || deployment
            .every_container()
            .any(|container| !container.boot_env.is_empty())
}

/// The host path of the busybox binary: LinuxKit unpacks onboot entry `index` to
/// `/containers/onboot/<index as %03d>-<name>/rootfs` (moby build.go `outputImage`) on the
/// VM's root filesystem, which, unlike `/run`, is not mounted `noexec`.
#[must_use]
pub fn busybox_host_path(index: usize) -> String {
    format!("/containers/onboot/{index:03}-{BUSYBOX_SERVICE}/rootfs/bin/busybox")
}

fn optional(flag: bool) -> String {
    if flag { "optional" } else { "required" }.to_string()
}

/// A mode as `chmod` takes it.
fn octal(mode: u32) -> String {
    format!("{mode:04o}")
}

/// `mkvol NAME`, then per file `info NAME PATH MODE FIELD` or `text NAME PATH MODE TEXT`.
fn pod_info_steps(volume: &PodInfoVolume) -> Vec<String> {
    let mut words = vec!["mkvol".to_string(), volume.name.clone()];
    for (path, mode, content) in &volume.files {
        let (step, value) = match content {
            PodInfoContent::Field(field) => ("info", field.as_str().to_string()),
            PodInfoContent::Text(text) => ("text", text.clone()),
        };
        words.extend([
            step.to_string(),
            volume.name.clone(),
            path.clone(),
            octal(*mode),
            value,
        ]);
    }
    words
}

/// The fetch script's arguments: for each `downwardAPI` volume, its `mkvol`, `info` and `text`
/// steps; for each `secret` volume, `volume NAME STORE ID OPTIONAL
/// MODE` (every key) or one `item NAME STORE ID KEY PATH MODE OPTIONAL` per item; then for
/// each container with boot values, in order, `dir NAME UID GID`, then one step per variable:
/// `field NAME FIELD`, `key NAME STORE ID KEY OPTIONAL`, or `keys PREFIX STORE ID OPTIONAL
/// LATER` (LATER: names, one per line, that a value known when compiling defines after it).
#[must_use]
pub fn fetch_arguments(deployment: &Deployment) -> Vec<String> {
    let mut words = Vec::new();
    for volume in &deployment.boot_volumes {
        words.extend(volume_steps(volume));
    }
    for volume in &deployment.pod_info_volumes {
        words.extend(pod_info_steps(volume));
    }
    let containers = deployment
        .init_containers
        .iter()
        .chain(&deployment.containers);
    for container in containers.filter(|container| !container.boot_env.is_empty()) {
        words.extend([
            "dir".to_string(),
            container.name.clone(),
            container.uid.unwrap_or(0).to_string(),
            container.gid.unwrap_or(0).to_string(),
        ]);
        for variable in &container.boot_env {
            match variable {
                BootVariable::One {
                    name,
                    value: BootValue::Field(field),
                } => words.extend([
                    "field".to_string(),
                    name.clone(),
                    field.as_str().to_string(),
                ]),
                BootVariable::One {
                    name,
                    value:
                        BootValue::SecretKey {
                            secret,
                            key,
                            optional: flag,
                        },
                } => words.extend([
                    "key".to_string(),
                    name.clone(),
                    secret.store.as_str().to_string(),
                    secret.id.clone(),
                    key.clone(),
                    optional(*flag),
                ]),
                BootVariable::AllKeys {
                    secret,
                    prefix,
                    optional: flag,
                    later,
                } => words.extend([
                    "keys".to_string(),
                    prefix.clone(),
                    secret.store.as_str().to_string(),
                    secret.id.clone(),
                    optional(*flag),
                    later.join("\n"),
                ]),
            }
        }
    }
    words
}

fn volume_steps(volume: &BootVolume) -> Vec<String> {
    let secret = &volume.secret;
    if volume.items.is_empty() {
        return vec![
            "volume".to_string(),
            volume.name.clone(),
            secret.store.as_str().to_string(),
            secret.id.clone(),
            optional(volume.optional),
            octal(volume.default_mode),
        ];
    }
    volume
        .items
        .iter()
        .flat_map(|(key, path, mode)| {
            [
                "item".to_string(),
                volume.name.clone(),
                secret.store.as_str().to_string(),
                secret.id.clone(),
                key.clone(),
                path.clone(),
                octal(*mode),
                optional(volume.optional),
            ]
        })
        .collect()
}

/// The wrapped command line of a container whose own is `argv` and whose variables known
/// when compiling are `env`. Those go to the wrapper as `NAME=VALUE` words before `--`, as well
/// as in LinuxKit's `env`: busybox sh drops, from the environment it passes on, every
/// variable whose name is not a shell identifier (`app.mode`, `my-key`), which Kubernetes
/// passes since 1.32; `env` sets them back, in order, before the boot values.
#[must_use]
pub fn wrapped_command(argv: &[String], env: &[(String, String)]) -> Vec<String> {
    [
        CONTAINER_BUSYBOX,
        "sh",
        "-c",
        WRAPPER_SCRIPT,
        "i2kit",
        CONTAINER_VALUES,
    ]
    .into_iter()
    .map(str::to_string)
    .chain(
        env.iter()
            .map(|(name, value)| [name.as_str(), value.as_str()].join("=")),
    )
    .chain(std::iter::once("--".to_string()))
    .chain(argv.iter().cloned())
    .collect()
}

/// The read-only binds a wrapped container needs: the busybox and its own values.
#[must_use]
pub fn wrapped_binds(container: &Container, busybox: &str) -> [String; 2] {
    [
        [busybox, CONTAINER_BUSYBOX, "ro"].join(":"),
        [
            [BOOT_ENV_ROOT, container.name.as_str()].join("/").as_str(),
            CONTAINER_VALUES,
            "ro",
        ]
        .join(":"),
    ]
}
