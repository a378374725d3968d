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

/// The logical id of the policy.
#[must_use]
pub fn policy_id(names: &Names) -> String {
    names.with("SecretsPolicy")
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
    let secrets = deployment.fetched_secrets();
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

/// The policy that lets `role` (the one the VMs act as, `vm_role::role_entry`) read the
/// secrets. Its name is the stack's and the workload's, so stacks attaching to one shared
/// ServiceAccount role do not replace each other's policy (an inline policy is keyed by name
/// on its role).
#[must_use]
pub fn role_policy(deployment: &Deployment, role: Expr) -> Value {
    json!({
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": Expr::Concat(vec![
                Expr::reference("AWS::StackName"),
                Expr::text(format!("-{}-boot-secrets", deployment.name)),
            ]),
            "Roles": [role],
            "PolicyDocument": policy_document(deployment)
        }
    })
}
