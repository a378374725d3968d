//! Kubernetes manifests → the intent: Deployments, Services, Ingresses, ServiceAccounts,
//! HorizontalPodAutoscalers and PodDisruptionBudgets as read, each pod's ConfigMap and Secret
//! references settled (the passes of `crate::infer` do the rest). Fields with no meaning
//! on a VM are reported, at their line, and fields that would be wrong to guess are errors.

pub mod alb_annotations;
pub mod alb_authentication;
pub mod autoscaler;
pub mod base64;
pub mod call_targets;
pub mod collect;
pub mod config_map;
pub mod deployment;
pub mod disruption_budget;
pub mod endpoint_slice;
pub mod endpoints;
pub mod external_secrets;
pub mod fields;
pub mod helm;
pub mod ingress;
pub mod ingress_class;
pub mod kinds;
pub mod list;
pub mod metadata;
pub mod network_policy;
pub mod nginx_annotations;
pub mod object_key;
pub mod objects;
pub mod persistent_volume_claim;
pub mod pod;
pub mod preamble;
pub mod quantity;
pub mod reader;
pub mod references;
pub mod resolved_bytes;
pub mod restriction;
pub mod secret;
pub mod service;
pub mod service_account;
pub mod source_ranges;
pub mod stateful_set;
pub mod storage_class;
pub mod volume_claim;

use crate::yaml::Node;

pub use collect::collect;
pub use objects::Objects;

#[must_use]
pub fn is_kubernetes(root: &Node) -> bool {
    root.get("apiVersion").is_some() || root.get("kind").is_some()
}
