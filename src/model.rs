//! The one normalised description of what to build, whatever the input format was.
//! Input parsers produce it (running the `infer` rules on the way); emitters read only it.

use std::collections::BTreeSet;

/// Everything one input file asks for, in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub deployments: Vec<Deployment>,
}

/// One pod template run as `replicas` identical VMs.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// A DNS label: it names the Route 53 record and the LinuxKit file.
    pub name: String,
    pub replicas: u32,
    pub instance_type: String,
    pub containers: Vec<Container>,
    /// Containers that run to completion before the others start, in order.
    pub init_containers: Vec<Container>,
    pub load_balancer: Option<LoadBalancer>,
    pub rollout: Rollout,
    /// Let the Auto Scaling group replace VMs the load balancer finds unhealthy.
    pub replace_unhealthy: Option<ReplaceUnhealthy>,
    pub hostname: Option<String>,
    /// Containers see each other's processes (Kubernetes `shareProcessNamespace`).
    pub share_process_namespace: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// A containerd id, unique within the deployment.
    pub name: String,
    pub image: String,
    /// The full argv, replacing the image's entrypoint and cmd; `None` keeps the image's.
    pub command: Option<Vec<String>>,
    /// The full environment, replacing the image's; `None` keeps the image's.
    pub env: Option<Vec<(String, String)>>,
    pub working_dir: Option<String>,
    pub capabilities: Capabilities,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub additional_gids: Vec<u32>,
    pub read_only_root: bool,
    pub no_new_privileges: bool,
    pub mounts: Vec<Mount>,
    pub resources: Resources,
}

/// The capability bounding set a container runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capabilities {
    /// Every capability: only for privileged containers.
    All,
    /// Exactly these `CAP_*` names; empty means none at all.
    Only(BTreeSet<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mount {
    /// A memory-backed directory; `size_bytes` caps it.
    Tmpfs {
        path: String,
        size_bytes: Option<u64>,
    },
    /// A directory of the VM bound into the container; `create` makes the VM directory first
    /// (LinuxKit `runtime.mkdir`), as a directory shared between containers needs.
    Bind {
        source: String,
        target: String,
        read_only: bool,
        create: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resources {
    pub memory_limit_bytes: Option<u64>,
    /// Relative CPU weight (cgroup cpu.shares, 1024 = one CPU).
    pub cpu_shares: Option<u64>,
    /// CPU time allowed per [`CPU_PERIOD_MICROS`], in microseconds.
    pub cpu_quota_micros: Option<u64>,
}

/// The CFS period that CPU quotas are expressed against (the kernel's and runc's default).
pub const CPU_PERIOD_MICROS: u64 = 100_000;

/// How the deployment's listeners reach its containers.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancer {
    pub kind: LoadBalancerKind,
    pub public: bool,
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoadBalancerKind {
    Application,
    Network,
    Classic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Http,
    Https,
    Tcp,
    Tls,
    Udp,
}

impl Protocol {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Https => "HTTPS",
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Udp => "UDP",
        }
    }

    #[must_use]
    pub fn is_http_family(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Https)
    }

    #[must_use]
    pub fn terminates_tls(self) -> bool {
        matches!(self, Protocol::Https | Protocol::Tls)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Certificate {
    /// No TLS on this listener.
    None,
    /// An ARN written in the manifest.
    Arn(String),
    /// Supplied at deploy time through the template's certificate parameter.
    Parameter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Listener {
    pub port: u16,
    pub protocol: Protocol,
    pub target_port: u16,
    pub target_protocol: Protocol,
    pub certificate: Certificate,
    pub health_check: HealthCheck,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub protocol: Protocol,
    pub port: u16,
    /// Only for HTTP/HTTPS checks.
    pub path: Option<String>,
    /// Which HTTP answers count as healthy (HTTP/HTTPS checks only).
    pub success: HttpSuccess,
    pub interval_seconds: u32,
    pub timeout_seconds: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

/// Which HTTP status codes a health check accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpSuccess {
    /// 200–399, as a Kubernetes httpGet probe: for a path the manifest named.
    Success,
    /// 200–499: any answer proves the server is up. The default when no path was named, since
    /// many services answer `/` with 404, and a failing default check would have the Auto
    /// Scaling group replace healthy VMs forever.
    AnyAnswer,
}

impl HttpSuccess {
    #[must_use]
    pub fn codes(self) -> &'static str {
        match self {
            HttpSuccess::Success => "200-399",
            HttpSuccess::AnyAnswer => "200-499",
        }
    }
}

/// The Auto Scaling group's rolling update, in Kubernetes terms already resolved to counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollout {
    /// Extra VMs allowed above `replicas` during an update.
    pub max_surge: u32,
    /// VMs allowed out of service during an update.
    pub max_unavailable: u32,
    pub pause_seconds: u32,
    /// Replace every VM at once (Kubernetes `Recreate`).
    pub recreate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplaceUnhealthy {
    pub grace_period_seconds: u32,
}
