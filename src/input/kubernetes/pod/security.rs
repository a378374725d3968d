//! Pod and container `securityContext` → the uid, gids, capabilities and privilege flags a
//! LinuxKit service runs with.

use super::super::reader::{Object, Sink, integer, text};
use super::confinement::read_confinement;
use crate::diagnostic::{Code, Diagnostic};
use crate::input::capabilities::{CapabilityName, effective};
use crate::input::rules;
use crate::model::Capabilities;

/// Pod-level security settings that containers inherit unless they override them.
#[derive(Default, Clone)]
pub struct PodSecurity {
    run_as_user: Option<u32>,
    run_as_group: Option<u32>,
    run_as_non_root: Option<(bool, crate::source::Span)>,
    pub supplemental_groups: Vec<u32>,
    /// `fsGroup` and where it is written: the group of the pod's volume claims, and a
    /// supplementary group of its containers when it has claims (`super::read_pod_with_claims`).
    pub fs_group: Option<(u32, crate::source::Span)>,
}

/// What a container runs as, once the pod's settings and its own are combined.
pub struct Privileges {
    pub capabilities: Capabilities,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub read_only_root: bool,
    pub no_new_privileges: bool,
    /// `runAsNonRoot: true` with no uid set: the image's USER decides, once known.
    pub non_root_required: Option<crate::source::Span>,
}

/// Reads the pod's `securityContext`.
pub fn read_pod_security(mut object: Object<'_>, sink: &mut Sink) -> PodSecurity {
    let mut security = PodSecurity {
        run_as_user: id(&mut object, "runAsUser", sink),
        run_as_group: id(&mut object, "runAsGroup", sink),
        run_as_non_root: object
            .boolean("runAsNonRoot", sink)
            .map(|flag| (flag, object.key_span("runAsNonRoot").unwrap_or_default())),
        supplemental_groups: Vec::new(),
        fs_group: None,
    };
    let fs_group_span = object.key_span("fsGroup");
    security.fs_group = id(&mut object, "fsGroup", sink).zip(fs_group_span);
    read_confinement(&mut object, sink);
    for (index, node) in object.list("supplementalGroups", sink).iter().enumerate() {
        let path = format!("{}.supplementalGroups[{index}]", object.path());
        if let Some(value) = integer(node, &path, sink).and_then(|value| u32::try_from(value).ok())
        {
            security.supplemental_groups.push(value);
        }
    }
    object.finish(sink, |key| match key {
        "fsGroupChangePolicy" => Some(
            "a volume claim's directory is given the fsGroup at every boot, its files keep theirs",
        ),
        "windowsOptions" => Some("it applies to Windows containers only"),
        "seLinuxChangePolicy" => {
            Some("LinuxKit applies no SELinux labels, so there is nothing to relabel")
        }
        "sysctls" => Some("set kernel parameters through LinuxKit's sysctl onboot image"),
        _ => None,
    });
    security
}

fn id(object: &mut Object<'_>, key: &str, sink: &mut Sink) -> Option<u32> {
    let (value, span) = object.integer(key, sink)?;
    match u32::try_from(value) {
        Ok(value) => Some(value),
        Err(_) => {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                Some(span),
                format!("`{}` must be 0 or more", object.child(key)),
            ));
            None
        }
    }
}

/// Container `securityContext`, over the pod's: the container's value wins where both set one.
pub fn read_container_security(
    object: &mut Object<'_>,
    pod: &PodSecurity,
    sink: &mut Sink,
) -> Privileges {
    let mut uid = pod.run_as_user;
    let mut gid = pod.run_as_group;
    let mut read_only_root = false;
    let mut no_new_privileges = false;
    let mut run_as_non_root = pod.run_as_non_root;
    let mut privileged = false;
    let mut add = Vec::new();
    let mut drop = Vec::new();
    if let Some(mut security) = object.object("securityContext", sink) {
        uid = id(&mut security, "runAsUser", sink).or(uid);
        gid = id(&mut security, "runAsGroup", sink).or(gid);
        if let Some(flag) = security.boolean("runAsNonRoot", sink) {
            run_as_non_root = Some((flag, security.key_span("runAsNonRoot").unwrap_or_default()));
        }
        privileged = security.boolean("privileged", sink).unwrap_or(false);
        read_only_root = security
            .boolean("readOnlyRootFilesystem", sink)
            .unwrap_or(false);
        // Kubernetes: allowPrivilegeEscalation false sets no_new_privs; true (or unset) does not.
        no_new_privileges = security.boolean("allowPrivilegeEscalation", sink) == Some(false);
        if let Some(mut capabilities) = security.object("capabilities", sink) {
            add = capability_list(&mut capabilities, "add", sink);
            drop = capability_list(&mut capabilities, "drop", sink);
            capabilities.finish(sink, |_| None);
        }
        read_confinement(&mut security, sink);
        security.finish(sink, |key| match key {
            "windowsOptions" => Some("it applies to Windows containers only"),
            "procMount" => Some("LinuxKit's own masked paths of /proc apply (its `maskedPaths` setting), not the pod's"),
            _ => None,
        });
    }
    let mut non_root_required = None;
    if let Some((true, span)) = run_as_non_root {
        match uid {
            Some(0) => sink.push(crate::container_process::runs_as_root(Some(span))),
            Some(_) => {}
            None => non_root_required = Some(span),
        }
    }
    Privileges {
        capabilities: effective(privileged, &add, &drop),
        uid,
        gid,
        read_only_root,
        no_new_privileges,
        non_root_required,
    }
}

fn capability_list(object: &mut Object<'_>, key: &str, sink: &mut Sink) -> Vec<CapabilityName> {
    let path = object.child(key);
    let mut names = Vec::new();
    for (index, node) in object.list(key, sink).iter().enumerate() {
        let Some(name) = text(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        match rules::capability_name(&name, Some(node.span)) {
            Ok(name) => names.push(name),
            Err(problem) => sink.push(problem),
        }
    }
    names
}
