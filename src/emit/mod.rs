//! Output writers. They read only the model.

pub mod alb_quotas;
pub mod application_security_group;
pub mod aws_quotas;
pub mod balancer_product;
pub mod boot;
pub mod cloudformation;
pub mod cluster_dns;
pub mod compute;
pub mod ingress;
pub mod instance_security_group;
pub mod intrinsic;
pub mod linuxkit;
pub mod load_balancing;
pub mod naming;
pub mod ordinals;
pub mod policy_rules;
pub mod quotas;
pub mod scaling;
pub mod secrets_access;
pub mod template_builder;
pub mod vm_role;
pub mod volume_boot;
pub mod yaml_text;
