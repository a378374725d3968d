//! Confinement a pod asks for beyond capabilities: seccomp, AppArmor and SELinux profiles, in
//! `securityContext` (pod and container) and in the annotations that preceded those fields.
//!
//! LinuxKit applies none of them. Its build file has no key for a seccomp profile, an AppArmor
//! profile or an SELinux label (../shared/linuxkit/schema.json), and its conversion to an OCI
//! spec (`ConfigToOCI`, moby/config.go) leaves `linux.seccomp` unset: a container runs with no
//! system call filter at all, and with no LSM profile. So `Unconfined` is exactly what the
//! container gets and is accepted; any other profile restricts the container more than i2kit
//! can, so it is an error at its line, unless the author names the kind with
//! `--allow-unenforced confinement`: then a warning that still says the container runs without
//! it.

use super::super::reader::{Object, Sink};
use super::super::restriction::{Restriction, Waivers};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;

/// The profile kinds of `seccompProfile` and `appArmorProfile` (Kubernetes API validation).
const PROFILE_TYPES: [&str; 3] = ["RuntimeDefault", "Localhost", "Unconfined"];

/// What the container gets instead of each mechanism's profile.
#[derive(Debug, Clone, Copy)]
enum Mechanism {
    Seccomp,
    AppArmor,
    SeLinux,
}

impl Mechanism {
    fn consequence(self) -> &'static str {
        match self {
            Mechanism::Seccomp => {
                "LinuxKit runs containers with no seccomp filter (its OCI conversion leaves linux.seccomp unset), so every system call is allowed"
            }
            Mechanism::AppArmor => {
                "LinuxKit applies no AppArmor profile to containers, so none confines this one"
            }
            Mechanism::SeLinux => {
                "LinuxKit applies no SELinux label to containers, so none confines this one"
            }
        }
    }
}

/// What LinuxKit does apply of a pod's confinement.
const APPLIED: &str = "capabilities, `allowPrivilegeEscalation: false`, `readOnlyRootFilesystem` and `runAsUser` are applied";

fn not_applied(mechanism: Mechanism, span: Span, what: &str, waivers: Waivers) -> Diagnostic {
    let flag = Restriction::Confinement.flag_value();
    let consequence = mechanism.consequence();
    if waivers.allows(Restriction::Confinement) {
        Diagnostic::warning(
            Code::UnappliedConfinement,
            Some(span),
            format!(
                "{what} is NOT applied (allowed by `--allow-unenforced {flag}`): {consequence}"
            ),
        )
        .with_help(format!("LinuxKit has no setting for it; {APPLIED}"))
    } else {
        Diagnostic::error(
            Code::UnappliedConfinement,
            Some(span),
            format!("{what} confines the container, and LinuxKit cannot apply it: {consequence}"),
        )
        .with_help(format!(
            "LinuxKit has no setting for it ({APPLIED}): remove it knowingly, or pass `--allow-unenforced {flag}` to compile without it (a warning then)"
        ))
    }
}

/// Reads `seccompProfile`, `appArmorProfile` and `seLinuxOptions` of a pod's or a container's
/// `securityContext`.
pub fn read_confinement(security: &mut Object<'_>, sink: &mut Sink) {
    for (key, mechanism) in [
        ("seccompProfile", Mechanism::Seccomp),
        ("appArmorProfile", Mechanism::AppArmor),
    ] {
        let Some(span) = security.key_span(key) else {
            continue;
        };
        let path = security.child(key);
        let Some(mut profile) = security.object(key, sink) else {
            continue;
        };
        let type_span = profile.value_span("type");
        let kind = profile.string("type", sink);
        profile.accept(&["localhostProfile"]);
        profile.finish(sink, |_| None);
        match kind.as_deref() {
            Some("Unconfined") => {}
            Some(kind) if PROFILE_TYPES.contains(&kind) => {
                let problem =
                    not_applied(mechanism, span, &format!("`{path}` ({kind})"), sink.waivers);
                sink.push(problem);
            }
            Some(other) => {
                let mut problem = Diagnostic::error(
                    Code::InvalidValue,
                    type_span,
                    format!(
                        "`{path}.type` cannot be `{other}`: expected RuntimeDefault, Localhost or Unconfined"
                    ),
                );
                if let Some(suggestion) = did_you_mean(other, PROFILE_TYPES) {
                    problem = problem.with_help(format!("did you mean `{suggestion}`?"));
                }
                sink.push(problem);
            }
            None => sink.push(Diagnostic::error(
                Code::MissingField,
                Some(span),
                format!("`{path}` has no `type`"),
            )),
        }
    }
    if let Some(span) = security.key_span("seLinuxOptions") {
        let path = security.child("seLinuxOptions");
        security.accept(&["seLinuxOptions"]);
        let problem = not_applied(Mechanism::SeLinux, span, &format!("`{path}`"), sink.waivers);
        sink.push(problem);
    }
}

/// The annotations that asked for seccomp and AppArmor profiles before the `securityContext`
/// fields existed (`seccomp.security.alpha.kubernetes.io/pod`,
/// `container.seccomp.security.alpha.kubernetes.io/<container>`,
/// `container.apparmor.security.beta.kubernetes.io/<container>`), on the pod template.
pub fn check_confinement_annotations(annotations: &[(String, String, Span)], sink: &mut Sink) {
    for (key, value, span) in annotations {
        let mechanism = if key == "seccomp.security.alpha.kubernetes.io/pod"
            || key.starts_with("container.seccomp.security.alpha.kubernetes.io/")
        {
            Mechanism::Seccomp
        } else if key.starts_with("container.apparmor.security.beta.kubernetes.io/") {
            Mechanism::AppArmor
        } else {
            continue;
        };
        if value.trim() != "unconfined" {
            let problem = not_applied(
                mechanism,
                *span,
                &format!("annotation `{key}: {value}`"),
                sink.waivers,
            );
            sink.push(problem);
        }
    }
}
