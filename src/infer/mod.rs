//! Pure rules that fill in what a manifest leaves implicit. Readers call the per-object rules
//! while building the model, so both input formats infer alike; `link` runs over the whole
//! model afterwards, for what depends on several objects; `images` runs before it, for what
//! depends on the images (the `--images` lock, or its absence).

pub mod autoscaling;
pub mod disruption;
pub mod group;
pub mod host_zones;
pub mod images;
pub mod instance_type;
pub mod link;
pub mod load_balancer;
pub mod protocol;
pub mod rollout;
