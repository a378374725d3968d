//! The roles pass: each workload acts as the IAM role of the account its pods run as.

use crate::diagnostic::{Code, Diagnostic, did_you_mean, one_slip_from};
use crate::model::intent::scaling::ROLE_ANNOTATION;
use crate::model::intent::{Identity, ServiceAccount, Workload};
use crate::model::{InstanceRole, RoleGiver};
use crate::role_arn::trust_policy_reminder;

/// The account every pod runs as unless it names another; Kubernetes makes one per namespace.
const DEFAULT_ACCOUNT: &str = "default";

/// Gives each Deployment the role of the account its pods run as, and says for each role that
/// its trust policy must admit EC2 (once, at the annotation); an account defined twice in one
/// namespace is an error; warns about a named account the input lacks, and about a role no
/// Deployment uses.
pub fn resolve_accounts(
    accounts: &[ServiceAccount],
    deployments: &mut [Workload],
    sink: &mut Vec<Diagnostic>,
) {
    let mut kept: Vec<&ServiceAccount> = Vec::new();
    for account in accounts {
        if kept
            .iter()
            .any(|other| other.name == account.name && other.namespace == account.namespace)
        {
            // Which of the two roles the VMs would get is the author's choice, not i2kit's:
            // keeping either silently could hand them the more powerful one.
            sink.push(
                Diagnostic::error(
                    Code::DuplicateDeployment,
                    Some(account.span),
                    format!(
                        "ServiceAccount `{}` is defined twice in namespace `{}`",
                        account.name, account.namespace
                    ),
                )
                .with_help("`kubectl apply` would keep only the later one; keep one of them"),
            );
        } else {
            kept.push(account);
        }
    }
    let mut users: Vec<Vec<String>> = vec![Vec::new(); kept.len()];
    for pending in deployments.iter_mut().filter(|pending| !pending.failed) {
        let Identity::Account(named) = &pending.identity else {
            continue;
        };
        let named = named.as_ref();
        let wanted = named.map_or(DEFAULT_ACCOUNT, |(name, _)| name.as_str());
        let namespace = &pending.deployment.namespace;
        let found = kept
            .iter()
            .position(|account| account.name == wanted && account.namespace == *namespace);
        match (found, named) {
            (Some(index), _) => {
                let account = kept[index];
                if let Some((arn, role_name, _)) = &account.role {
                    pending.deployment.role = Some(InstanceRole {
                        giver: RoleGiver::ServiceAccount {
                            namespace: account.namespace.clone(),
                            name: account.name.clone(),
                        },
                        span: Some(account.span),
                        arn: arn.clone(),
                        name: role_name.clone(),
                    });
                    users[index].push(pending.deployment.name.as_str().to_string());
                }
            }
            (None, Some((name, span))) if name != DEFAULT_ACCOUNT => {
                let names: Vec<&str> = kept
                    .iter()
                    .filter(|account| account.namespace == *namespace)
                    .map(|account| account.name.as_str())
                    .collect();
                let hint = match did_you_mean(name, names.iter().copied())
                    .or_else(|| one_slip_from(name, names))
                {
                    Some(suggestion) => format!("did you mean `{suggestion}`? If not, "),
                    None => String::new(),
                };
                let help = format!(
                    "{hint}add the ServiceAccount, annotated with `{ROLE_ANNOTATION}`, to the input, or remove serviceAccountName"
                );
                sink.push(
                    Diagnostic::warning(
                        Code::InstanceRole,
                        Some(*span),
                        format!("the pods of `{}` run as ServiceAccount `{name}`, which is not in namespace `{namespace}` of this input: its VMs get no IAM role", pending.deployment.name),
                    )
                    .with_help(help),
                );
            }
            (None, _) => {}
        }
    }
    for (account, users) in kept.iter().zip(users) {
        let Some((_, role_name, span)) = &account.role else {
            continue;
        };
        if users.is_empty() {
            sink.push(Diagnostic::warning(
                Code::InstanceRole,
                Some(*span),
                format!("ServiceAccount `{}` has a role, but no Deployment in namespace `{}` of this input runs as it: no instance profile is made", account.name, account.namespace),
            ).with_help("set `serviceAccountName` in the pod template of the Deployments that need the role"));
        } else {
            let users: Vec<&str> = users.iter().map(String::as_str).collect();
            sink.push(trust_policy_reminder(role_name, &users, Some(*span)));
        }
    }
}
