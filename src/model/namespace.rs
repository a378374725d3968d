//! The Kubernetes namespace an object is in: a DNS label, since it becomes part of the names
//! `<name>.<namespace>.svc.cluster.local` the VMs resolve.

use super::dns_label::{DnsLabel, label_name};

label_name!(
    /// The Kubernetes namespace an object is in.
    Namespace
);

/// The namespace of objects that name none, and of every short manifest.
pub const DEFAULT_NAMESPACE: &str = "default";

/// [`DEFAULT_NAMESPACE`], where `kubectl apply` puts an object that names no namespace.
impl Default for Namespace {
    fn default() -> Namespace {
        Namespace(DnsLabel::literal(DEFAULT_NAMESPACE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_that_name_none_are_in_default() {
        assert_eq!(Namespace::default().as_str(), "default");
        assert_eq!(
            Namespace::new(DEFAULT_NAMESPACE),
            Some(Namespace::default())
        );
    }

    #[test]
    fn only_labels_are_namespaces() {
        assert_eq!(
            Namespace::new("kube-system").as_deref(),
            Some("kube-system")
        );
        for bad in ["", "Prod", "team.a", "-a", &"n".repeat(64)] {
            assert_eq!(Namespace::new(bad), None, "{bad:?}");
        }
    }
}
