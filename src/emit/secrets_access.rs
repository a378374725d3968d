//! The IAM a deployment's VMs need to fetch the Secrets it keeps outside the input
//! (`crate::model::boot`): read access to exactly those secrets (or parameters), and
//! `kms:Decrypt` on the one key the pod template names, if any. Never a `*` resource. A pod
//! with a role of its own gets a policy attached to that role; a pod with none gets a role
//! and instance profile of the stack's own.

use crate::emit::intrinsic::Expr;
use crate::emit::naming::Names;
use crate::model::Deployment;
use crate::model::boot::{ExternalSecret, SecretStore};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The secrets the deployment's containers fetch at boot, sorted and without repeats.
#[must_use]
pub fn fetched_secrets(deployment: &Deployment) -> BTreeSet<&ExternalSecret> {
    deployment
        .containers
        .iter()
        .chain(&deployment.init_containers)
        .flat_map(|container| &container.boot_env)
        .filter_map(crate::model::boot::BootVariable::secret)
        .chain(deployment.boot_volumes.iter().map(|volume| &volume.secret))
        .collect()
}

/// The logical ids of the policy (on the pod's own role), or the role and the instance
/// profile (when it has none).
#[must_use]
pub fn policy_id(names: &Names) -> String {
    names.with("SecretsPolicy")
}
#[must_use]
pub fn role_id(names: &Names) -> String {
    names.with("SecretsRole")
}
#[must_use]
pub fn profile_id(names: &Names) -> String {
    names.with("SecretsInstanceProfile")
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:` of the stack's own account and region, then `rest`.
fn own_arn(service: &str, rest: Vec<Expr>) -> Expr {
    let mut parts = vec![
        Expr::text("arn:"),
        Expr::reference("AWS::Partition"),
        Expr::text(format!(":{service}:")),
        Expr::reference("AWS::Region"),
        Expr::text(":"),
        Expr::reference("AWS::AccountId"),
        Expr::text(":"),
    ];
    parts.extend(rest);
    Expr::Concat(parts)
}

/// The ARN that IAM matches for `secret`. Secrets Manager's ARN is the name, `-` and six
/// random characters; `-??????` matches exactly those six, as AWS's IAM guide for Secrets
/// Manager recommends. Any other secret's ARN has its own six after its own name, so no other
/// name fits the pattern (`db-??????` never matches `db-admin-AbCdEf`).
fn secret_arn(secret: &ExternalSecret) -> Expr {
    match secret.store {
        SecretStore::SecretsManager => own_arn(
            "secretsmanager",
            vec![Expr::text(format!("secret:{}-??????", secret.id))],
        ),
        SecretStore::ParameterStore => own_arn(
            "ssm",
            vec![Expr::text(format!(
                "parameter/{}",
                secret.id.trim_start_matches('/')
            ))],
        ),
    }
}

/// The policy document: read each secret, decrypt with the named key.
#[must_use]
pub fn policy_document(deployment: &Deployment) -> Value {
    let secrets = fetched_secrets(deployment);
    let mut statements = Vec::new();
    for (store, action) in [
        (SecretStore::SecretsManager, "secretsmanager:GetSecretValue"),
        (SecretStore::ParameterStore, "ssm:GetParameter"),
    ] {
        let resources: Vec<Expr> = secrets
            .iter()
            .filter(|secret| secret.store == store)
            .map(|secret| secret_arn(secret))
            .collect();
        if !resources.is_empty() {
            statements.push(json!({ "Effect": "Allow", "Action": action, "Resource": resources }));
        }
    }
    if let Some(key) = &deployment.secrets_kms_key {
        statements.push(json!({ "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// A policy on the pod's own role (named `role_name`).
#[must_use]
pub fn role_policy(deployment: &Deployment, role_name: &str) -> Value {
    json!({
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": format!("{}-boot-secrets", deployment.name),
            "Roles": [role_name],
            "PolicyDocument": policy_document(deployment)
        }
    })
}

/// A role of the stack's own, which EC2 may assume, allowed only to read the secrets.
#[must_use]
pub fn own_role(deployment: &Deployment) -> Value {
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
            },
            "Policies": [{
                "PolicyName": "boot-secrets",
                "PolicyDocument": policy_document(deployment)
            }]
        }
    })
}

/// The instance profile of [`own_role`].
#[must_use]
pub fn own_profile(names: &Names) -> Value {
    json!({
        "Type": "AWS::IAM::InstanceProfile",
        "Properties": { "Roles": [Expr::reference(role_id(names))] }
    })
}
