//! Linux capabilities: names, the runtimes' default set, and add/drop arithmetic. Both readers
//! apply them while reading a container's capabilities, and nothing downstream does, so they
//! live with the readers.

use crate::model::Capabilities;
use std::collections::BTreeSet;

/// The kernel's capability list, as LinuxKit accepts it (moby/sys/capability's `ListKnown`).
pub const KNOWN: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// What Docker and containerd grant a container that asks for nothing (moby's
/// `oci/caps/defaults.go`); Kubernetes pods start from the same set.
pub const RUNTIME_DEFAULT: [&str; 14] = [
    "CAP_AUDIT_WRITE",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_MKNOD",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_RAW",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

/// A requested change to the default set; `ALL` is accepted in `drop` (and in `add`, meaning
/// every capability), as Kubernetes does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapabilityName {
    All,
    Named(String),
}

/// `net_admin`, `NET_ADMIN`, `cap_net_admin` and `CAP_NET_ADMIN` all name `CAP_NET_ADMIN`.
///
/// # Errors
/// The normalised name, when the kernel has no such capability.
pub fn normalise(name: &str) -> Result<CapabilityName, String> {
    let upper = name.trim().to_ascii_uppercase();
    if upper == "ALL" {
        return Ok(CapabilityName::All);
    }
    let full = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    if KNOWN.contains(&full.as_str()) {
        Ok(CapabilityName::Named(full))
    } else {
        Err(full)
    }
}

/// The error for a capability name the kernel does not have, with the closest known one.
#[must_use]
pub fn unknown_capability(
    written: &str,
    normalised: &str,
    span: Option<crate::source::Span>,
) -> crate::diagnostic::Diagnostic {
    use crate::diagnostic::{Code, Diagnostic};
    let problem = Diagnostic::error(
        Code::UnknownCapability,
        span,
        format!("unknown capability `{written}`"),
    );
    match suggest(normalised) {
        Some(known) => problem.with_help(format!(
            "did you mean `{}`?",
            known.trim_start_matches("CAP_")
        )),
        None => problem.with_help("see capabilities(7) for the names the kernel knows"),
    }
}

/// The closest known capability to an unknown one, for a did-you-mean.
#[must_use]
pub fn suggest(unknown: &str) -> Option<&'static str> {
    // Compare without the shared `CAP_` prefix, which would make every name look close.
    let bare = unknown.trim_start_matches("CAP_");
    let suggestion = crate::diagnostic::did_you_mean(
        bare,
        KNOWN.iter().map(|name| name.trim_start_matches("CAP_")),
    )?;
    KNOWN
        .iter()
        .copied()
        .find(|name| name.trim_start_matches("CAP_") == suggestion)
}

/// The runtime default set, minus `drop`, plus `add`; everything when privileged. Drop is
/// applied before add, so `drop: [ALL], add: [NET_BIND_SERVICE]` leaves exactly one.
#[must_use]
pub fn effective(
    privileged: bool,
    add: &[CapabilityName],
    drop: &[CapabilityName],
) -> Capabilities {
    if privileged || add.contains(&CapabilityName::All) {
        return Capabilities::All;
    }
    let mut set: BTreeSet<String> = RUNTIME_DEFAULT
        .iter()
        .map(|name| (*name).to_string())
        .collect();
    for name in drop {
        match name {
            CapabilityName::All => set.clear(),
            CapabilityName::Named(name) => {
                set.remove(name);
            }
        }
    }
    for name in add {
        if let CapabilityName::Named(name) = name {
            set.insert(name.clone());
        }
    }
    Capabilities::Only(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> CapabilityName {
        CapabilityName::Named(name.to_string())
    }

    #[test]
    fn normalises_every_spelling() {
        for spelling in [
            "NET_ADMIN",
            "net_admin",
            "cap_net_admin",
            "CAP_NET_ADMIN",
            " Net_Admin ",
        ] {
            assert_eq!(normalise(spelling), Ok(named("CAP_NET_ADMIN")));
        }
        assert_eq!(normalise("all"), Ok(CapabilityName::All));
        assert_eq!(normalise("NET_ADMN"), Err("CAP_NET_ADMN".to_string()));
        assert_eq!(suggest("CAP_NET_ADMN"), Some("CAP_NET_ADMIN"));
        assert_eq!(suggest("CAP_FLY"), None);
    }

    #[test]
    fn default_is_the_runtime_set() {
        let Capabilities::Only(set) = effective(false, &[], &[]) else {
            panic!("not privileged")
        };
        assert_eq!(set.len(), 14);
        assert!(set.iter().all(|name| KNOWN.contains(&name.as_str())));
    }

    #[test]
    fn drop_all_then_add() {
        let result = effective(
            false,
            &[named("CAP_NET_BIND_SERVICE")],
            &[CapabilityName::All],
        );
        assert_eq!(
            result,
            Capabilities::Only(BTreeSet::from(["CAP_NET_BIND_SERVICE".to_string()]))
        );
    }

    #[test]
    fn privileged_means_all() {
        assert_eq!(
            effective(true, &[], &[CapabilityName::All]),
            Capabilities::All
        );
    }
}
