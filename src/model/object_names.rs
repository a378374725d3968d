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
}
