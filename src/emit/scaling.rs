//! What a group gets beside itself: the target-tracking policy of an autoscaler, and the
//! instance profile that hands its VMs an IAM role.

use crate::emit::intrinsic::Expr;
use crate::emit::naming::{Names, Owner};
use crate::model::{DEFAULT_NAMESPACE, Deployment, InstanceRole, RoleGiver};
use serde_json::{Value, json};

/// The logical id of a role's instance profile, shared by every deployment its giver gives
/// the role to: `<Name>InstanceProfile`, a ServiceAccount's name prefixed by its namespace
/// outside `default`. Two givers can meet (`team` + `admin`, `default` + `team-admin`); the
/// [`profile_owner`] of each id makes that an error rather than one profile for both.
#[must_use]
pub fn instance_profile_id(role: &InstanceRole) -> String {
    let stem = match &role.giver {
        RoleGiver::ServiceAccount { namespace, name } if namespace == DEFAULT_NAMESPACE => {
            Names::new(name)
        }
        RoleGiver::ServiceAccount { namespace, name } => Names::new(&format!("{namespace}-{name}")),
        RoleGiver::Manifest { deployment } => Names::new(deployment.as_str()),
    };
    stem.with("InstanceProfile")
}

/// Who owns a role's instance profile: deployments share it exactly when they share this.
#[must_use]
pub fn profile_owner(role: &InstanceRole) -> Owner {
    let what = match &role.giver {
        RoleGiver::ServiceAccount { namespace, name } => {
            format!("the role of ServiceAccount `{name}` in namespace `{namespace}`")
        }
        RoleGiver::Manifest { deployment } => format!("the `role:` of `{deployment}`"),
    };
    Owner::new(what, role.span)
}

/// An instance profile lists its role by name: the ARN's path is not part of it.
#[must_use]
pub fn instance_profile(role: &InstanceRole) -> Value {
    json!({
        "Type": "AWS::IAM::InstanceProfile",
        "Properties": { "Roles": [role.name] }
    })
}

/// The logical id of a deployment's scaling policy.
#[must_use]
pub fn scaling_policy_id(names: &Names) -> String {
    names.with("ScalingPolicy")
}

/// The CPU target (tenths of a percent) a scaling policy tracks, when the autoscaler has one.
#[must_use]
pub fn cpu_target_tenths(deployment: &Deployment) -> Option<u32> {
    deployment.autoscaling?.cpu_target_tenths
}

/// Target tracking on the group's average CPU at `tenths` (see [`cpu_target_tenths`]). A new
/// VM's metrics count once it could pass its health check (the deployment's grace period),
/// rather than after the policy's default warm-up of 300 s.
#[must_use]
pub fn scaling_policy(deployment: &Deployment, names: &Names, tenths: u32) -> Value {
    json!({
        "Type": "AWS::AutoScaling::ScalingPolicy",
        "Properties": {
            "AutoScalingGroupName": Expr::reference(names.with("AutoScalingGroup")),
            "EstimatedInstanceWarmup": deployment.grace_period_seconds,
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {
                "PredefinedMetricSpecification": { "PredefinedMetricType": "ASGAverageCPUUtilization" },
                "TargetValue": f64::from(tenths) / 10.0
            }
        }
    })
}
