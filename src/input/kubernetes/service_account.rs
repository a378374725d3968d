//! ServiceAccount → the IAM role of the VMs that run as it. On EKS the annotation
//! `eks.amazonaws.com/role-arn` gives the account's pods that role (IRSA); on VMs the same
//! role reaches them through an instance profile, one per account, shared by every Deployment
//! whose pods run as the account (`serviceAccountName`, else the namespace's `default`).

use super::deployment::PendingDeployment;
use super::metadata::{Metadata, read_metadata};
use super::preamble::Preamble;
use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::role_arn::{invalid_role_arn, parse_role_arn, trust_policy_reminder};
use crate::model::{InstanceRole, RoleGiver};
use crate::source::Span;

/// The annotation EKS reads the role from.
pub const ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

/// The account every pod runs as unless it names another; Kubernetes makes one per namespace.
const DEFAULT_ACCOUNT: &str = "default";

/// A ServiceAccount read.
#[derive(Debug, Clone)]
pub struct ServiceAccount {
    pub name: String,
    pub namespace: String,
    pub span: Span,
    /// The role's ARN (checked), its name, and where the annotation's value is.
    pub role: Option<(String, String, Span)>,
}

/// Reads a `v1 ServiceAccount`.
pub fn collect(
    object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<ServiceAccount> {
    if !preamble.accepts_api_version(&["v1"], sink) {
        return None;
    }
    read_service_account(object, preamble.kind_span, sink)
}

/// Reads a `v1 ServiceAccount`. Without the role annotation it means nothing on VMs, and says
/// so at `kind_span`.
fn read_service_account(
    mut object: Object<'_>,
    kind_span: Span,
    sink: &mut Sink,
) -> Option<ServiceAccount> {
    let Metadata {
        name,
        name_span,
        namespace,
        annotations,
    } = read_metadata(&mut object, sink);
    object.finish(sink, |key| match key {
        "secrets" => {
            Some("the VMs' AWS credentials come from the instance profile, not from a token Secret")
        }
        "imagePullSecrets" => Some(
            "images are pulled once, by `linuxkit build`; give that step the registry credentials",
        ),
        "automountServiceAccountToken" => Some("there is no Kubernetes API for a token to talk to"),
        _ => None,
    });
    let mut role = None;
    // A malformed ARN is an error; the account is still kept, so the pods that name it are
    // not also told that it is missing.
    let mut annotated = false;
    for (key, value, span) in &annotations {
        if key == ROLE_ANNOTATION {
            annotated = true;
            match parse_role_arn(value) {
                Ok(arn) => role = Some((value.clone(), arn.name, *span)),
                Err(problem) => sink.push(invalid_role_arn(
                    &format!("`{ROLE_ANNOTATION}`"),
                    value,
                    problem,
                    Some(*span),
                )),
            }
        } else if key.starts_with("eks.amazonaws.com/") {
            sink.ignored(
                *span,
                &format!("metadata.annotations.{key}"),
                "it configures the web identity token of EKS pods; VMs get their role's credentials from the instance profile",
            );
        }
    }
    if !annotated && !name.is_empty() {
        sink.push(
            Diagnostic::warning(
                Code::IgnoredKind,
                Some(kind_span),
                format!("ServiceAccount `{name}` is ignored: without the `{ROLE_ANNOTATION}` annotation it gives the VMs no AWS identity, and there is no Kubernetes API for its token"),
            )
            .with_help(format!("to give the VMs of the Deployments that run as it an IAM role, annotate it with `{ROLE_ANNOTATION}: arn:aws:iam::ACCOUNT:role/NAME`")),
        );
    }
    (!name.is_empty()).then_some(ServiceAccount {
        name,
        namespace,
        span: name_span,
        role,
    })
}

/// Gives each Deployment the role of the account its pods run as, and says for each role that
/// its trust policy must admit EC2 (once, at the annotation); an account defined twice in one
/// namespace is an error; warns about a named account the input lacks, and about a role no
/// Deployment uses.
pub fn resolve(
    accounts: &[ServiceAccount],
    deployments: &mut [PendingDeployment],
    sink: &mut Sink,
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
        let named = pending.service_account.as_ref();
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
                    users[index].push(pending.deployment.name.clone());
                }
            }
            (None, Some((name, span))) if name != DEFAULT_ACCOUNT => sink.push(
                Diagnostic::warning(
                    Code::InstanceRole,
                    Some(*span),
                    format!("the pods of `{}` run as ServiceAccount `{name}`, which is not in namespace `{namespace}` of this input: its VMs get no IAM role", pending.deployment.name),
                )
                .with_help(format!("add the ServiceAccount, annotated with `{ROLE_ANNOTATION}`, to the input, or remove serviceAccountName")),
            ),
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
