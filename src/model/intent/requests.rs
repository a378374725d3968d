//! Requests as the input wrote them, before the passes resolve them: ports to expose, health
//! checks, rollout amounts, autoscaler bounds and budget floors. `None` in a field means the
//! input left it to inference.

use crate::model::{Port, Protocol};
use crate::source::Span;

/// One exposed port as the manifest wrote it; `None` means "infer it".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRequest {
    /// The container that listens on `container_port`.
    pub container: String,
    pub listener_port: Port,
    pub container_port: Port,
    pub listener_protocol: Option<Protocol>,
    pub target_protocol: Option<Protocol>,
    pub certificate: Option<String>,
    pub span: Option<Span>,
}

/// Health check settings the manifest asked for; unset ones take the defaults below.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthCheckRequest {
    pub protocol: Option<Protocol>,
    pub port: Option<Port>,
    pub path: Option<String>,
    pub interval_seconds: Option<u32>,
    pub timeout_seconds: Option<u32>,
    pub healthy_threshold: Option<u32>,
    pub unhealthy_threshold: Option<u32>,
    pub span: Option<Span>,
}

/// A Kubernetes `IntOrString` for maxSurge / maxUnavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Count(u32),
    Percent(u32),
}

impl Amount {
    /// Zero whatever the replica count: `0` or `0%`.
    #[must_use]
    pub fn is_zero(self) -> bool {
        matches!(self, Amount::Count(0) | Amount::Percent(0))
    }
}

/// A budget's one field (Kubernetes forbids both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetAmount {
    MinAvailable(Amount),
    MaxUnavailable(Amount),
}

/// Of what a written CPU percentage is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuBasis {
    /// Kubernetes: of the pod's CPU requests, summed over its containers (init containers
    /// are not running when the autoscaler measures), in millicores; 0 when none requests CPU.
    PodRequests { millis: u64 },
    /// The short manifest: of the instance's CPU, what the group tracks already.
    Instance,
}

/// Kubernetes' target when an autoscaler names no metric: 80% average CPU utilisation
/// (autoscaling/v1's `targetCPUUtilizationPercentage` default, and v2's documented default).
pub const DEFAULT_CPU_PERCENT: u32 = 80;

/// A CPU target as written.
#[derive(Debug, Clone, Copy)]
pub struct CpuRequest {
    pub percent: u32,
    pub basis: CpuBasis,
    pub span: Option<Span>,
}

/// An autoscaler read and checked (bounds within limits, minimum ≥ 1, maximum ≥ minimum).
#[derive(Debug, Clone)]
pub struct AutoscalerRequest {
    /// How diagnostics name it: "HorizontalPodAutoscaler `web`", "`autoscaling`".
    pub what: String,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub cpu: Option<CpuRequest>,
    /// The Deployment's maxSurge and maxUnavailable as written (defaults included).
    pub strategy: (Amount, Amount),
    /// Where the deployment wrote `replicas`, if it did.
    pub replicas_span: Option<Span>,
    /// Where the maximum is written: what a group too large for it is reported at.
    pub max_span: Option<Span>,
}

/// A Kubernetes `IntOrString`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrString {
    Int(i64),
    Text(String),
}

/// Kubernetes' defaults: 25% surge, 25% unavailable.
pub const DEFAULT_SURGE: Amount = Amount::Percent(25);
pub const DEFAULT_UNAVAILABLE: Amount = Amount::Percent(25);
/// Wait after each batch so a fresh VM can boot and pass its health check before the next
/// batch goes; LinuxKit VMs boot in seconds, and two 10 s checks fit well inside a minute.
pub const DEFAULT_PAUSE_SECONDS: u32 = 60;

/// A rolling update as written, defaults included: resolved against the replica count (or an
/// autoscaler's bounds) by the rollout pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutRequest {
    pub max_surge: Amount,
    pub max_unavailable: Amount,
    pub pause_seconds: u32,
    /// Replace every VM at once (Kubernetes `Recreate`).
    pub recreate: bool,
    /// Where an update too large for one group is reported: the strategy, else `replicas`.
    pub span: Option<Span>,
}

/// The instance type of a workload whose input names none and requests nothing.
pub const DEFAULT_INSTANCE_TYPE: &str = "t3.micro";

/// Annotation on a Deployment that sets the instance type instead of sizing from requests.
pub const INSTANCE_TYPE_ANNOTATION: &str = "i2kit.io/instance-type";

/// The instance type as the input decided it: named, or to be sized from the pod's requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceRequest {
    /// Named by the input (checked where it was read), or i2kit's default when nothing is
    /// requested.
    Named(String),
    /// The smallest type in i2kit's table that fits these requests; `span` is where an
    /// error says none does.
    Fitting {
        cpu_millis: u64,
        memory_bytes: u64,
        span: Span,
    },
}
