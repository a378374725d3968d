//! An RFC 1123 label: what Kubernetes requires of names that become host names (Deployments,
//! Services, namespaces), and what i2kit writes into DNS names, file names and resource
//! names. A [`DnsLabel`] can only be made by checking the text, so a name that reaches an
//! output as a label was checked where it was read.

use std::fmt;
use std::ops::Deref;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DnsLabel(String);

/// Whether `name` is a DNS label (RFC 1123): 1–63 lowercase letters, digits and `-`, starting
/// and ending with a letter or digit.
#[must_use]
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

impl DnsLabel {
    /// `name` as a label, or `None` when it is not one ([`is_dns_label`]).
    #[must_use]
    pub fn new(name: &str) -> Option<DnsLabel> {
        is_dns_label(name).then(|| DnsLabel(name.to_string()))
    }

    /// A label written in i2kit's own source, such as the default namespace; its tests check
    /// each one.
    pub(super) fn literal(text: &'static str) -> DnsLabel {
        debug_assert!(is_dns_label(text), "{text} is not a DNS label");
        DnsLabel(text.to_string())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for DnsLabel {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for DnsLabel {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DnsLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for DnsLabel {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for DnsLabel {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for DnsLabel {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

impl From<DnsLabel> for String {
    fn from(label: DnsLabel) -> String {
        label.0
    }
}

/// The text, as a string serializes.
impl serde::Serialize for DnsLabel {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A name that wraps a checked [`DnsLabel`] and reads as its text.
macro_rules! label_name {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name($crate::model::dns_label::DnsLabel);

        impl $name {
            /// `text` as a name, or `None` when it is not a DNS label.
            #[must_use]
            pub fn new(text: &str) -> Option<$name> {
                $crate::model::dns_label::DnsLabel::new(text).map($name)
            }

            #[must_use]
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            #[must_use]
            pub fn label(&self) -> &$crate::model::dns_label::DnsLabel {
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

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                other == self
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                other == self
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

pub(crate) use label_name;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rfc_1123_labels_are_labels() {
        for good in ["a", "a1", "nginx-deployment", "0", &"a".repeat(63)] {
            assert_eq!(DnsLabel::new(good).as_deref(), Some(good), "{good}");
        }
        for bad in [
            "",
            "Nginx",
            "-a",
            "a-",
            "a_b",
            "a.b",
            "a b",
            "é",
            &"a".repeat(64),
        ] {
            assert_eq!(DnsLabel::new(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn writes_as_its_text() {
        let label = DnsLabel::new("web-1").expect("a label");
        assert_eq!(label.to_string(), "web-1");
        assert_eq!(label, "web-1");
        assert_eq!(
            serde_json::to_string(&label).ok().as_deref(),
            Some("\"web-1\"")
        );
    }

    #[test]
    fn orders_as_its_text() {
        let labels = ["b", "a-b", "a", "a0"].map(|text| DnsLabel::new(text).expect("a label"));
        let mut sorted = labels.clone();
        sorted.sort();
        let mut texts = labels.map(String::from);
        texts.sort();
        assert_eq!(sorted.map(String::from), texts);
    }
}
