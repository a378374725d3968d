//! The names of the application's Deployments and Services: DNS labels, since each becomes a
//! host name (`<name>.<namespace>.svc.cluster.local`), a file name and resource names. Each is
//! a type of its own, so a Service's name is never taken for a Deployment's of the same text,
//! and each can only be made by checking the text, where a reader reads it.

use super::dns_label::DnsLabel;

/// A name that wraps a checked [`DnsLabel`] and reads as its text.
macro_rules! label_name {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(DnsLabel);

        impl $name {
            /// `text` as a name, or `None` when it is not a DNS label.
            #[must_use]
            pub fn new(text: &str) -> Option<$name> {
                DnsLabel::new(text).map($name)
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

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                self.0.as_str()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.0.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.0 == *other
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0.into()
            }
        }

        /// The text, as a string serializes.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(serializer)
            }
        }
    };
}

label_name!(
    /// The name of one of the application's Deployments: its own, and how a service, a
    /// target group or a role giver links to it. A Service often has the same text as a
    /// Deployment; the types keep the two from being taken for each other.
    DeploymentName
);

/// Unit tests name deployments they never build; the program only links to ones it has.
#[cfg(test)]
impl From<&str> for DeploymentName {
    fn from(name: &str) -> DeploymentName {
        DeploymentName::new(name).unwrap_or_else(|| panic!("{name:?} is not a label"))
    }
}

impl ServiceName {
    /// The name of a Deployment's own load balancer (a short manifest's service, or the
    /// internal one of a Deployment no Service selects): the Deployment's name.
    #[must_use]
    pub fn of_deployment(name: &DeploymentName) -> ServiceName {
        ServiceName(name.0.clone())
    }
}

label_name!(
    /// The name of one of the application's Services: its own, and how an egress rule, a
    /// target group or a headless name links to it.
    ServiceName
);

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_LABELS: [&str; 4] = [
        "",
        "A",
        "a_b",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ];

    #[test]
    fn a_service_name_is_only_made_from_a_label() {
        assert_eq!(NOT_LABELS[3].len(), 64);
        for text in NOT_LABELS {
            assert_eq!(ServiceName::new(text), None, "{text:?}");
        }
        let name = ServiceName::new("web-1").map(String::from);
        assert_eq!(name.as_deref(), Some("web-1"));
    }

    #[test]
    fn a_deployment_name_is_only_made_from_a_label() {
        for text in NOT_LABELS {
            assert_eq!(DeploymentName::new(text), None, "{text:?}");
        }
        let name = DeploymentName::new("web-1");
        assert_eq!(name.as_deref(), Some("web-1"));
        let own = name.as_ref().map(ServiceName::of_deployment);
        assert_eq!(own.as_deref(), Some("web-1"));
    }
}
