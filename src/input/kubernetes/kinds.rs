//! What i2kit does with each kind of Kubernetes object it does not compile into VMs: kinds
//! with no meaning once every pod is its own VM are warned about and skipped, workloads a VM
//! group cannot run are refused with the reason, and anything else is an unknown kind.

use super::reader::{Object, Sink};
use super::restriction::{Restriction, Waivers, unenforced};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;

/// Kinds a manifest repository commonly holds, for did-you-mean on a misspelt kind.
pub(super) const COMMON_KINDS: [&str; 24] = [
    "Deployment",
    "Service",
    "List",
    "ConfigMap",
    "Secret",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "Ingress",
    "IngressClass",
    "Namespace",
    "PersistentVolumeClaim",
    "StorageClass",
    "ServiceAccount",
    "Pod",
    "ReplicaSet",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
    "Role",
    "RoleBinding",
    "PodDisruptionBudget",
    "Endpoints",
    "EndpointSlice",
];

/// How a kind that is neither a Deployment nor a Service is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Nothing to build: a warning says why (an error under `--strict`).
    Meaningless(&'static str),
    /// A restriction of access that i2kit does not enforce yet: an error unless waived (see
    /// `restriction`).
    NotEnforced(Restriction),
    /// A workload VMs in an Auto Scaling group cannot run as Kubernetes would: an error with
    /// what is missing and what to do instead.
    Refused {
        why: &'static str,
        instead: &'static str,
    },
}

/// The disposition of `kind`, or `None` for a kind i2kit does not know at all.
#[must_use]
pub fn disposition(kind: &str) -> Option<Disposition> {
    let meaningless = Disposition::Meaningless;
    Some(match kind {
        "Namespace" => meaningless(
            "namespaces create nothing on VMs; they name Services (<service>.<namespace>.svc.cluster.local) and scope selectors, read from each object's metadata.namespace",
        ),
        "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => meaningless(
            "RBAC governs a Kubernetes API server, and there is none; what VMs may do is governed by IAM",
        ),
        "ResourceQuota" | "LimitRange" => meaningless(
            "every pod has a VM of its own, sized by its requests and limits, so there is no shared node capacity to apportion",
        ),
        "PriorityClass" => {
            meaningless("there is no scheduler: every pod gets its own VM, so none is preempted")
        }
        "RuntimeClass" => meaningless("every pod runs under LinuxKit's runc in a VM of its own"),
        "DaemonSet" => Disposition::Refused {
            why: "a DaemonSet runs one pod on every node, and there are no nodes: each pod is its own VM",
            instead: "add the agent as a container of the pods that need it, or to the LinuxKit image",
        },
        "Job" | "CronJob" => Disposition::Refused {
            why: "a Job runs to completion, and an Auto Scaling group keeps its VMs running for good",
            instead: "run batch work as AWS Batch jobs or scheduled ECS tasks, and keep this object out of the compiled files",
        },
        "Pod" | "ReplicaSet" | "ReplicationController" => Disposition::Refused {
            why: "i2kit compiles the pod templates of Deployments, which own their rollout",
            instead: "wrap the pod template in a Deployment (apps/v1)",
        },
        _ => return None,
    })
}

/// Reports an object of a `kind` i2kit does not compile (`kind_span` is where its kind is
/// written): by its disposition, or as an unknown kind with a likely spelling.
pub fn report_uncompiled(mut object: Object<'_>, kind: &str, kind_span: Span, sink: &mut Sink) {
    match kind {
        other if disposition(other).is_some() => {
            let name = object
                .object("metadata", sink)
                .and_then(|mut metadata| {
                    let name = metadata.string("name", sink);
                    metadata.accept_all();
                    name
                })
                .unwrap_or_default();
            object.accept_all();
            sink.push(kind_diagnostic(other, &name, kind_span, sink.waivers));
        }
        other => {
            let mut problem = Diagnostic::error(
                Code::UnknownKind,
                Some(kind_span),
                format!(
                    "kind `{other}` cannot be compiled: i2kit reads Deployment, StatefulSet, PersistentVolumeClaim, StorageClass, Service, ConfigMap, Ingress, IngressClass, ServiceAccount, HorizontalPodAutoscaler, PodDisruptionBudget, NetworkPolicy, Endpoints, EndpointSlice and List"
                ),
            );
            problem =
                match did_you_mean(other, COMMON_KINDS).filter(|suggestion| *suggestion != other) {
                    Some(suggestion) => problem.with_help(format!("did you mean `{suggestion}`?")),
                    None => {
                        problem.with_help("keep other objects in files that i2kit does not compile")
                    }
                };
            sink.push(problem);
        }
    }
}

/// The warning or error for a kind with a known disposition (see `kinds`).
fn kind_diagnostic(kind: &str, name: &str, span: Span, waivers: Waivers) -> Diagnostic {
    let object = if name.is_empty() {
        format!("{kind} object")
    } else {
        format!("{kind} `{name}`")
    };
    match disposition(kind) {
        Some(Disposition::Meaningless(why)) => Diagnostic::warning(
            Code::IgnoredKind,
            Some(span),
            format!("{object} is ignored: {why}"),
        ),
        Some(Disposition::NotEnforced(restriction)) => {
            unenforced(restriction, span, &object, waivers)
        }
        Some(Disposition::Refused { why, instead }) => Diagnostic::error(
            Code::UnknownKind,
            Some(span),
            format!("{object} cannot be compiled: {why}"),
        )
        .with_help(instead),
        None => Diagnostic::error(
            Code::UnknownKind,
            Some(span),
            format!("kind `{kind}` cannot be compiled"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_vms_cannot_run_are_refused_and_typos_unknown() {
        for kind in ["DaemonSet", "Job", "CronJob"] {
            assert!(matches!(
                disposition(kind),
                Some(Disposition::Refused { .. })
            ));
        }
        assert_eq!(disposition("Deploymnet"), None);
        assert_eq!(disposition("Certificate"), None);
    }
}
