//! Pure rules that fill in what a manifest leaves implicit. Each input parser calls them while
//! building the model, so both input formats infer alike.

pub mod capabilities;
pub mod instance_type;
pub mod load_balancer;
pub mod probe;
pub mod protocol;
pub mod rollout;
