//! i2kit: a pure, deterministic compiler from Kubernetes-style deployments to LinuxKit VM
//! images and CloudFormation templates. See README.md for the mapping it implements.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod arn;
pub mod cidr;
pub mod cli;
pub mod compile;
pub mod container_process;
pub mod diagnostic;
pub mod dns;
pub mod emit;
pub mod gather;
pub mod health_check_timing;
pub mod image_lock;
pub mod image_reference;
pub mod infer;
pub mod input;
pub mod internal_error;
pub mod model;
pub mod output;
pub mod platform;
pub mod role_arn;
pub mod source;
pub mod success_codes;
pub mod terminal;
pub mod yaml;

pub use cli::run;
