//! The IAM role a workload's VMs act as, and the one instance profile that hands it to them.
//! A pod with a role of its own (a ServiceAccount's `eks.amazonaws.com/role-arn`, a short
//! manifest's `role:`) keeps it, and i2kit attaches to it what the VMs need beyond the pod:
//! reading the Secrets fetched at boot (`secrets_access`), attaching the workload's volumes
//! (`ordinals`). A pod without one gets a role of the stack's own that EC2 may assume and that
//! can do exactly those things. A launch template names one instance profile, so every
//! permission the VMs need goes to that one role.

use crate::emit::intrinsic::Expr;
use crate::emit::naming::Names;
use crate::emit::scaling::instance_profile_id;
use crate::model::Deployment;
use serde_json::{Value, json};

/// Whether the VMs need a permission of i2kit's making: Secrets to fetch or volumes to attach.
#[must_use]
pub fn needs_permissions(deployment: &Deployment) -> bool {
    deployment
        .stateful
        .as_ref()
        .is_some_and(|stateful| !stateful.claims.is_empty())
        || !deployment.fetched_secrets().is_empty()
}

/// Whether the stack makes the role: the VMs need permissions and the pod brings no role.
#[must_use]
pub fn own_role_needed(deployment: &Deployment) -> bool {
    deployment.role.is_none() && needs_permissions(deployment)
}

#[must_use]
pub fn own_role_id(names: &Names) -> String {
    names.with("VmRole")
}

#[must_use]
pub fn own_profile_id(names: &Names) -> String {
    names.with("VmInstanceProfile")
}

/// The instance profile the launch template names, if any.
#[must_use]
pub fn profile_id(deployment: &Deployment, names: &Names) -> Option<String> {
    match &deployment.role {
        Some(role) => Some(instance_profile_id(role)),
        None => own_role_needed(deployment).then(|| own_profile_id(names)),
    }
}

/// The role a policy of i2kit's attaches to, as an `AWS::IAM::Policy`'s `Roles` entry: the
/// pod's own role by name, or the stack's.
#[must_use]
pub fn role_entry(deployment: &Deployment, names: &Names) -> Expr {
    match &deployment.role {
        Some(role) => Expr::text(role.name.clone()),
        None => Expr::reference(own_role_id(names)),
    }
}

/// The stack's own role: EC2 may assume it, and it can do nothing but what the policies
/// attached to it allow.
#[must_use]
pub fn own_role() -> Value {
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Service": "ec2.amazonaws.com" },
                    "Action": "sts:AssumeRole"
                }]
            }
        }
    })
}

/// The instance profile of [`own_role`].
#[must_use]
pub fn own_profile(names: &Names) -> Value {
    json!({
        "Type": "AWS::IAM::InstanceProfile",
        "Properties": { "Roles": [Expr::reference(own_role_id(names))] }
    })
}
