//! Inference, one stage between the readers and the emitters: passes over the intent model
//! (`crate::model::intent`) that settle what the input left implicit or spread over several
//! objects, in the order [`run::run`] names them, then passes over the resolved application
//! (`images`, `link`, `host_zones`, `group`), called in order by `crate::compile`. Both input
//! forms reach here as the same intent, so they infer alike by construction.

pub mod accounts;
pub mod autoscaling;
pub mod boot;
pub mod calls;
pub mod disruption;
pub mod egress_policy;
pub mod endpoints;
pub mod external_names;
pub mod group;
pub mod host_zones;
pub mod images;
pub mod ingress_semantics;
pub mod instance_type;
pub mod label_selector;
pub mod link;
pub mod load_balancer;
pub mod network_policy;
pub mod ordinals;
pub mod protocol;
pub mod rollout;
pub mod routing;
pub mod run;
pub mod selection;
