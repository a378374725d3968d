//! The Kubernetes namespace an object is in: a DNS label, since it becomes part of the names
//! `<name>.<namespace>.svc.cluster.local` the VMs resolve.

use super::dns_label::DnsLabel;
use std::fmt;
use std::ops::Deref;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Namespace(DnsLabel);

/// The namespace of objects that name none, and of every short manifest.
pub const DEFAULT_NAMESPACE: &str = "default";

impl Namespace {
    #[must_use]
    pub fn new(label: DnsLabel) -> Namespace {
        Namespace(label)
    }

    /// `name` as a namespace, or `None` when it is not a DNS label.
    #[must_use]
    pub fn parse(name: &str) -> Option<Namespace> {
        DnsLabel::new(name).map(Namespace)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    #[must_use]
    pub fn label(&self) -> &DnsLabel {
        &self.0
    }
}

/// [`DEFAULT_NAMESPACE`], where `kubectl apply` puts an object that names no namespace.
impl Default for Namespace {
    fn default() -> Namespace {
        Namespace(DnsLabel::literal(DEFAULT_NAMESPACE))
    }
}

impl Deref for Namespace {
    type Target = str;

    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Namespace {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl PartialEq<str> for Namespace {
    fn eq(&self, other: &str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<&str> for Namespace {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Namespace {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Namespace> for &str {
    fn eq(&self, other: &Namespace) -> bool {
        other == self
    }
}

impl PartialEq<Namespace> for String {
    fn eq(&self, other: &Namespace) -> bool {
        other == self
    }
}

impl From<Namespace> for String {
    fn from(namespace: Namespace) -> String {
        namespace.0.into()
    }
}

/// The text, as a string serializes.
impl serde::Serialize for Namespace {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_that_name_none_are_in_default() {
        assert_eq!(Namespace::default().as_str(), "default");
        assert_eq!(
            Namespace::parse(DEFAULT_NAMESPACE),
            Some(Namespace::default())
        );
    }

    #[test]
    fn only_labels_are_namespaces() {
        assert_eq!(
            Namespace::parse("kube-system").as_deref(),
            Some("kube-system")
        );
        for bad in ["", "Prod", "team.a", "-a", &"n".repeat(64)] {
            assert_eq!(Namespace::parse(bad), None, "{bad:?}");
        }
    }
}
