//! A workload as read: one pod template to run as a group of identical VMs, with what the
//! passes still have to settle (its Services, autoscaler, budget, role and rollout).

use super::ReadName;
use super::requests::{AutoscalerRequest, HealthCheckRequest, InstanceRequest, RolloutRequest};
use crate::model::document_order::DocumentOrder;
use crate::model::{Container, Deployment, DeploymentName};
use crate::source::Span;

/// A Deployment (or a short manifest's deployment) read, waiting for the Services that select
/// it. `deployment` holds what was read, its name refused when the reader reported it; its
/// `rollout`, `instance_type`, `autoscaling`, `role` and `disruption_budget` are placeholders
/// until the passes resolve them.
#[derive(Debug)]
pub struct Workload {
    pub order: DocumentOrder,
    pub deployment: Deployment<ReadName<DeploymentName>>,
    pub labels: Vec<(String, String)>,
    pub ports: Vec<ContainerPort>,
    pub readiness: Option<HealthCheckRequest>,
    pub liveness_delay: Option<u32>,
    pub span: Span,
    /// Reading it found errors: it still counts for Service selection, so a Service is not
    /// reported as selecting nothing, but it is not compiled.
    pub failed: bool,
    /// Containers read with errors (the others are in `deployment`): never compiled, but the
    /// image pass reports on them with the rest when nothing compiles.
    pub failed_containers: Vec<Container>,
    /// Whose IAM role its VMs act as.
    pub identity: Identity,
    /// The running containers' CPU requests, in millicores: what an autoscaler's
    /// utilisation is a percentage of.
    pub cpu_request_millis: u64,
    /// The rolling update as written: resolved into `deployment.rollout` by the rollout pass,
    /// and again against an autoscaler's bounds.
    pub rollout: RolloutRequest,
    /// Resolved into `deployment.instance_type` by the instance-type pass.
    pub instance: InstanceRequest,
    /// An autoscaler written with the workload itself (the short manifest's `autoscaling:`),
    /// rather than one that names it.
    pub autoscaler: Option<AutoscalerRequest>,
    /// Where `spec.replicas` is written, if it is.
    pub replicas_span: Option<Span>,
}

/// Where a workload's IAM role comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// A Kubernetes pod runs as a ServiceAccount: the one named, and where (`None`: the
    /// namespace's `default`); the roles pass gives it that account's role.
    Account(Option<(String, Span)>),
    /// The workload's own role, set as read (a short manifest's `role:`), or none.
    Own,
}

/// A port a container declares, for Services and probes to refer to by number or name.
#[derive(Debug, Clone)]
pub struct ContainerPort {
    pub container: String,
    pub name: Option<String>,
    pub number: crate::model::Port,
    pub udp: bool,
    pub span: Span,
}
