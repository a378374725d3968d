//! A deployment → the LinuxKit build file for its VM image (`linuxkit build --format aws`).

use crate::dns;
use crate::emit::boot;
use crate::emit::volume_boot::boot_steps;
use crate::internal_error::InternalError;
use crate::model::{
    CPU_PERIOD_MICROS, Capabilities, Container, Deployment, Mount, VmFile, VmFileContent,
};
use crate::platform;
use serde::Serialize;

#[derive(Serialize)]
struct BuildFile<'a> {
    kernel: Kernel,
    init: Vec<&'static str>,
    onboot: Vec<Service<'a>>,
    services: Vec<Service<'a>>,
    files: Vec<File>,
}

/// A file LinuxKit writes into the image.
#[derive(Serialize)]
struct File {
    /// Relative to the image root, as LinuxKit's examples write it.
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    directory: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contents: Option<String>,
    /// Octal text: LinuxKit parses it with `strconv.ParseInt(mode, 8, 32)` (moby/build.go).
    mode: String,
}

impl File {
    fn from_model(file: &VmFile) -> File {
        let (directory, contents) = match &file.content {
            VmFileContent::Text(text) => (None, Some(text.clone())),
            VmFileContent::Directory => (Some(true), None),
        };
        File {
            path: file.path.trim_start_matches('/').to_string(),
            directory,
            contents,
            mode: format!("{:04o}", file.mode),
        }
    }
}

#[derive(Serialize)]
struct Kernel {
    image: &'static str,
    cmdline: &'static str,
}

/// A LinuxKit `onboot` or `services` entry; keys are LinuxKit's, in its documented order.
#[derive(Serialize, Default)]
struct Service<'a> {
    name: &'a str,
    image: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    capabilities: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    binds: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cwd: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uts: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    readonly: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gid: Option<u32>,
    #[serde(rename = "additionalGids", skip_serializing_if = "Vec::is_empty")]
    additional_gids: Vec<u32>,
    #[serde(rename = "noNewPrivileges", skip_serializing_if = "Option::is_none")]
    no_new_privileges: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<ResourceLimits>,
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime: Option<Runtime>,
}

/// What LinuxKit prepares on the VM before the container starts.
#[derive(Serialize)]
struct Runtime {
    mkdir: Vec<String>,
}

/// The OCI LinuxResources subset LinuxKit reads: lower-case keys, integer values.
#[derive(Serialize)]
struct ResourceLimits {
    #[serde(skip_serializing_if = "Option::is_none")]
    memory: Option<MemoryLimit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu: Option<CpuLimit>,
}

#[derive(Serialize)]
struct MemoryLimit {
    limit: u64,
}

#[derive(Serialize)]
struct CpuLimit {
    #[serde(skip_serializing_if = "Option::is_none")]
    shares: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quota: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<u64>,
}

static DHCPCD_ONBOOT: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    platform::DHCPCD_ONBOOT_COMMAND
        .iter()
        .map(ToString::to_string)
        .collect()
});
static DHCPCD_SERVICE: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    platform::DHCPCD_SERVICE_COMMAND
        .iter()
        .map(ToString::to_string)
        .collect()
});

/// The build file's YAML text.
///
/// # Errors
/// When the build file does not serialize (an internal error, never the input's).
pub fn emit_linuxkit(deployment: &Deployment) -> Result<String, InternalError> {
    let mut onboot = vec![
        Service {
            name: "sysctl",
            image: platform::SYSCTL_IMAGE,
            ..Service::default()
        },
        Service {
            name: "dhcpcd",
            image: platform::DHCPCD_IMAGE,
            command: Some(DHCPCD_ONBOOT.clone()),
            ..Service::default()
        },
    ];
    let volume_steps = deployment
        .stateful
        .as_ref()
        .map(|stateful| boot_steps(&stateful.claims, stateful.fs_group))
        .unwrap_or_default();
    onboot.extend(volume_steps.iter().map(|step| Service {
        name: step.name,
        image: step.image,
        binds: step.binds.clone(),
        command: Some(step.command.clone()),
        runtime: (!step.mkdir.is_empty()).then(|| Runtime {
            mkdir: step.mkdir.clone(),
        }),
        ..Service::default()
    }));
    // The fetch's busybox is named by its place among the onboot entries, so it goes after
    // every step before it.
    let busybox = boot::needs_boot_step(deployment).then(|| {
        let path = boot::busybox_host_path(onboot.len());
        onboot.extend(boot_services(boot::fetch_arguments(deployment)));
        path
    });
    let busybox = busybox.as_deref();
    onboot.extend(
        deployment
            .init_containers
            .iter()
            .map(|container| pod_service(container, deployment, busybox)),
    );
    let mut services = vec![
        Service {
            name: "rngd",
            image: platform::RNGD_IMAGE,
            ..Service::default()
        },
        Service {
            name: "dhcpcd2",
            image: platform::DHCPCD_IMAGE,
            command: Some(DHCPCD_SERVICE.clone()),
            ..Service::default()
        },
    ];
    services.extend(
        deployment
            .containers
            .iter()
            .map(|container| pod_service(container, deployment, busybox)),
    );
    let file = BuildFile {
        kernel: Kernel {
            image: platform::KERNEL_IMAGE,
            cmdline: platform::KERNEL_CMDLINE,
        },
        init: platform::INIT_IMAGES.to_vec(),
        onboot,
        services,
        files: std::iter::once(File {
            path: dns::RESOLV_CONF_PATH.trim_start_matches('/').to_string(),
            directory: None,
            contents: Some(dns::resolv_conf(&deployment.namespace)),
            mode: "0644".to_string(),
        })
        .chain(deployment.files.iter().map(File::from_model))
        .collect(),
    };
    crate::emit::yaml_text::to_yaml_text(&file, "a LinuxKit build file")
}

/// The two onboot entries of [`boot`]: the busybox whose root filesystem wrapped containers
/// bind, and the fetch, given `arguments`.
fn boot_services(arguments: Vec<String>) -> [Service<'static>; 2] {
    let mut command: Vec<String> = ["/bin/sh", "-c", boot::FETCH_SCRIPT, boot::FETCH_SERVICE]
        .into_iter()
        .map(str::to_string)
        .collect();
    command.extend(arguments);
    [
        Service {
            name: boot::BUSYBOX_SERVICE,
            image: platform::BUSYBOX_IMAGE,
            capabilities: Some(vec!["none".to_string()]),
            command: Some(vec!["/bin/busybox".to_string(), "true".to_string()]),
            readonly: Some(true),
            ..Service::default()
        },
        Service {
            name: boot::FETCH_SERVICE,
            image: platform::AWS_CLI_IMAGE,
            // To hand each container its files; it runs as root, which owns what it writes.
            capabilities: Some(vec!["CAP_CHOWN".to_string()]),
            // The VPC's resolver, to find the stores' endpoints: a container of LinuxKit
            // sees only the resolver configuration it is given.
            binds: vec![
                [dns::RESOLV_CONF_PATH, dns::CONTAINER_RESOLV_CONF, "ro"].join(":"),
                [boot::VALUES_ROOT, boot::VALUES_ROOT].join(":"),
            ],
            tmpfs: vec!["/tmp".to_string()],
            command: Some(command),
            runtime: Some(Runtime {
                mkdir: vec![boot::VALUES_ROOT.to_string()],
            }),
            ..Service::default()
        },
    ]
}

fn pod_service<'a>(
    container: &'a Container,
    deployment: &'a Deployment,
    busybox: Option<&str>,
) -> Service<'a> {
    // LinuxKit: no `capabilities` key means none at all, so the set is always written out.
    let capabilities = match &container.capabilities {
        Capabilities::All => vec!["all".to_string()],
        Capabilities::Only(set) if set.is_empty() => vec!["none".to_string()],
        Capabilities::Only(set) => set.iter().cloned().collect(),
    };
    // The pod's own resolver configuration (Kubernetes' search list), read-only, in place of
    // the VM's: see `dns::RESOLV_CONF_PATH`.
    let mut binds = vec![[dns::RESOLV_CONF_PATH, dns::CONTAINER_RESOLV_CONF, "ro"].join(":")];
    let mut tmpfs = Vec::new();
    let mut mkdir = Vec::new();
    for mount in &container.mounts {
        match mount {
            Mount::Tmpfs { path, size_bytes } => tmpfs.push(match size_bytes {
                Some(size) => format!("{path}:size={size}"),
                None => path.clone(),
            }),
            Mount::Bind {
                source,
                target,
                read_only,
                create,
            } => {
                binds.push(format!(
                    "{source}:{target}{}",
                    if *read_only { ":ro" } else { "" }
                ));
                if *create && !mkdir.contains(source) {
                    mkdir.push(source.clone());
                }
            }
        }
    }
    let mut command = container.command.clone();
    if let (Some(busybox), false) = (busybox, container.boot_env.is_empty()) {
        binds.extend(boot::wrapped_binds(container, busybox));
        // `crate::infer::boot` refused a container whose command line is unknown.
        command = command
            .as_deref()
            .map(|argv| boot::wrapped_command(argv, container.env.as_deref().unwrap_or_default()));
    }
    let resources = &container.resources;
    let memory = resources
        .memory_limit_bytes
        .map(|limit| MemoryLimit { limit });
    let cpu = (resources.cpu_shares.is_some() || resources.cpu_quota_micros.is_some()).then(|| {
        CpuLimit {
            shares: resources.cpu_shares,
            quota: resources.cpu_quota_micros,
            period: resources.cpu_quota_micros.map(|_| CPU_PERIOD_MICROS),
        }
    });
    Service {
        name: &container.name,
        image: &container.image,
        capabilities: Some(capabilities),
        binds,
        tmpfs,
        command,
        env: container.env.as_ref().map(|env| {
            env.iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect()
        }),
        cwd: container.working_dir.as_deref(),
        // runc sets a hostname only in a UTS namespace of the container's own.
        uts: deployment.hostname.is_some().then_some("new"),
        readonly: container.read_only_root.then_some(true),
        uid: container.uid,
        gid: container.gid,
        additional_gids: container.additional_gids.clone(),
        no_new_privileges: container.no_new_privileges.then_some(true),
        hostname: deployment.hostname.as_deref(),
        resources: (memory.is_some() || cpu.is_some()).then_some(ResourceLimits { memory, cpu }),
        runtime: (!mkdir.is_empty()).then_some(Runtime { mkdir }),
    }
}
