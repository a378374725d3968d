//! Values a container learns only when its VM boots: the pod's own fields that differ per VM
//! (the kubelet's Downward API) and Secrets kept outside the input, in AWS Secrets Manager or
//! SSM Parameter Store. Nothing here holds a value: only where each one is fetched from at
//! boot, so no value can reach an image, a template or a message.

/// Where the boot step publishes what it fetched, on the VM's `/run` tmpfs: one directory per
/// container's variables, one per `secret` volume. The whole tree appears at once, only when
/// every value was fetched.
pub const BOOT_ENV_ROOT: &str = "/run/i2kit/pod/env";
pub const BOOT_VOLUME_ROOT: &str = "/run/i2kit/pod/volumes";

/// The VM directory of `secret` volume `volume` (a DNS label, checked where declared).
#[must_use]
pub fn boot_volume_dir(volume: &str) -> String {
    [BOOT_VOLUME_ROOT, volume].join("/")
}

/// A `secret` volume of a Secret kept outside the input: its files, fetched at boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootVolume {
    /// The volume's name (a DNS label).
    pub name: String,
    pub secret: ExternalSecret,
    /// A missing secret leaves the volume empty, a missing key its file out.
    pub optional: bool,
    /// `(key, relative path, mode)` of `items`; empty projects every key, under its own name,
    /// with `default_mode`.
    pub items: Vec<(String, String, u32)>,
    pub default_mode: u32,
}

/// A `downwardAPI` volume: files of the pod's fields, written at boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodInfoVolume {
    /// The volume's name (a DNS label).
    pub name: String,
    /// `(relative path, mode, content)`.
    pub files: Vec<(String, u32, PodInfoContent)>,
}

/// What a `downwardAPI` file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodInfoContent {
    /// A field that differs per VM.
    Field(PodField),
    /// A field known when compiling (namespace, labels, annotations).
    Text(String),
}

/// A value of the pod that differs per VM, read from the instance metadata service at boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodField {
    /// `metadata.name`: the instance tag `i2kit-pod-name` when the VM has it (a StatefulSet's
    /// ordinal name), else the instance id.
    Name,
    /// `metadata.uid`: the instance id, unique to the VM for its lifetime, as a pod's uid is.
    Uid,
    /// `status.podIP(s)` and `status.hostIP(s)`: the VM's primary private IPv4 address.
    Ip,
    /// `spec.nodeName`: the VM's private DNS host name.
    NodeName,
}

impl PodField {
    /// The word the boot script takes for this field.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PodField::Name => "pod-name",
            PodField::Uid => "pod-uid",
            PodField::Ip => "pod-ip",
            PodField::NodeName => "node-name",
        }
    }
}

/// Where Secrets absent from the input are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum SecretStore {
    /// AWS Secrets Manager: a secret whose SecretString is a JSON object of keys.
    #[default]
    SecretsManager,
    /// SSM Parameter Store: a (SecureString) parameter whose value is a JSON object of keys.
    ParameterStore,
}

impl SecretStore {
    /// The word the boot script and the annotation take for this store.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SecretStore::SecretsManager => "secrets-manager",
            SecretStore::ParameterStore => "parameter-store",
        }
    }
}

/// One secret of a store: a Kubernetes Secret that is not in the input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExternalSecret {
    pub store: SecretStore,
    /// The secret's name (Secrets Manager) or the parameter's name (Parameter Store),
    /// checked by [`check_secret_id`].
    pub id: String,
}

/// What one boot-time variable of a container comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootValue {
    Field(PodField),
    /// One key of the secret's JSON object; `optional` leaves the variable unset when the
    /// secret or the key is missing, as Kubernetes does.
    SecretKey {
        secret: ExternalSecret,
        key: String,
        optional: bool,
    },
}

/// A step of a container's boot-time environment, in the kubelet's order: a later step
/// defining a name replaces what an earlier one defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootVariable {
    /// One variable.
    One { name: String, value: BootValue },
    /// `envFrom.secretRef`: every key of the secret, after `prefix`, except the names in
    /// `later` (defined after it with values known when compiling, which win).
    AllKeys {
        secret: ExternalSecret,
        prefix: String,
        optional: bool,
        later: Vec<String>,
    },
}

impl BootVariable {
    /// The secret this step reads, if any.
    #[must_use]
    pub fn secret(&self) -> Option<&ExternalSecret> {
        match self {
            BootVariable::One {
                value: BootValue::SecretKey { secret, .. },
                ..
            }
            | BootVariable::AllKeys { secret, .. } => Some(secret),
            BootVariable::One { .. } => None,
        }
    }
}

/// Why `id` cannot name a secret of `store`, if it cannot. Secrets Manager names are 1–512 of
/// `A-Za-z0-9/_+=.@-`; Parameter Store names are 1–1011 of `A-Za-z0-9_.-/` (a `/`-path is
/// absolute). Neither set holds `$`, `{`, `*` or `?`, so an id can reach an IAM resource
/// through `Fn::Sub` unchanged and never widens to a wildcard.
#[must_use]
pub fn check_secret_id(store: SecretStore, id: &str) -> Option<String> {
    let (most, extra, what) = match store {
        SecretStore::SecretsManager => (512, "/_+=.@-", "a Secrets Manager secret name"),
        SecretStore::ParameterStore => (1011, "_.-/", "a Parameter Store name"),
    };
    if id.is_empty() || id.len() > most {
        return Some(format!("{what} has 1 to {most} characters"));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || extra.contains(*c)))
    {
        return Some(format!(
            "{what} holds only letters, digits and `{extra}`, not `{bad}`"
        ));
    }
    // `linuxkit build` rewrites a command word that starts with '@'.
    if id.starts_with('@') {
        return Some(format!("{what} passed to the VM cannot start with `@`"));
    }
    if store == SecretStore::ParameterStore && id.contains('/') && !id.starts_with('/') {
        return Some(format!("{what} with `/` is a path that starts with `/`"));
    }
    None
}

impl crate::model::Deployment {
    /// The Secrets the VMs fetch at boot (variables and `secret` volumes), sorted and without
    /// repeats: what their role must be allowed to read, and only that.
    #[must_use]
    pub fn fetched_secrets(&self) -> std::collections::BTreeSet<&ExternalSecret> {
        self.every_container()
            .flat_map(|container| &container.boot_env)
            .filter_map(BootVariable::secret)
            .chain(self.boot_volumes.iter().map(|volume| &volume.secret))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_ids_hold_no_wildcard_or_substitution() {
        for id in ["a*", "a?", "${AWS::Region}", "a b", ""] {
            assert!(
                check_secret_id(SecretStore::SecretsManager, id).is_some(),
                "{id}"
            );
            assert!(
                check_secret_id(SecretStore::ParameterStore, id).is_some(),
                "{id}"
            );
        }
        assert_eq!(
            check_secret_id(SecretStore::SecretsManager, "shop/db-creds"),
            None
        );
        assert_eq!(
            check_secret_id(SecretStore::ParameterStore, "/shop/db-creds"),
            None
        );
        assert!(check_secret_id(SecretStore::ParameterStore, "shop/db").is_some());
        assert!(check_secret_id(SecretStore::SecretsManager, &"a".repeat(513)).is_some());
        assert!(check_secret_id(SecretStore::SecretsManager, "@team/db").is_some());
        assert_eq!(
            check_secret_id(SecretStore::SecretsManager, "team@x/db"),
            None
        );
    }
}
