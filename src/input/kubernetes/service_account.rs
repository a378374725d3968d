//! ServiceAccount → the IAM role of the VMs that run as it. On EKS the annotation
//! `eks.amazonaws.com/role-arn` gives the account's pods that role (IRSA); on VMs the same
//! role reaches them through an instance profile, one per account, shared by every Deployment
//! whose pods run as the account (`serviceAccountName`, else the namespace's `default`).

use super::metadata::{Metadata, read_metadata};
use super::preamble::Preamble;
use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::intent::ServiceAccount;
use crate::model::intent::scaling::ROLE_ANNOTATION;
use crate::role_arn::{invalid_role_arn, parse_role_arn};
use crate::source::Span;

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
