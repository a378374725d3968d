//! An object's name as read: the checked name, or refused. A reader that refuses a name
//! reports it there and marks the object failed, but keeps the object, so the passes still
//! report on the rest of it (a Service that selects it does not select nothing); only a
//! checked name reaches the resolved model.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadName<N> {
    Checked(N),
    /// Missing, or not what the kind requires: reported where it is read.
    Refused,
}

impl<N> ReadName<N> {
    /// `name`, or [`ReadName::Refused`] when it is `None`.
    pub fn from_checked(name: Option<N>) -> ReadName<N> {
        name.map_or(ReadName::Refused, ReadName::Checked)
    }

    /// The checked name, `None` when it was refused.
    pub fn checked(&self) -> Option<&N> {
        match self {
            ReadName::Checked(name) => Some(name),
            ReadName::Refused => None,
        }
    }

    pub fn into_checked(self) -> Option<N> {
        match self {
            ReadName::Checked(name) => Some(name),
            ReadName::Refused => None,
        }
    }
}

impl<N: AsRef<str>> ReadName<N> {
    /// The text a message names the object by: empty when it was refused, as those messages
    /// have always printed it (the refusal itself is the error that says what was written).
    pub fn as_str(&self) -> &str {
        self.checked().map_or("", AsRef::as_ref)
    }
}

/// [`ReadName::as_str`].
impl<N: AsRef<str>> fmt::Display for ReadName<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused name is the name of nothing: it equals no text, not even an empty one.
impl<N: PartialEq<str>> PartialEq<str> for ReadName<N> {
    fn eq(&self, other: &str) -> bool {
        self.checked().is_some_and(|name| name == other)
    }
}

impl<N: PartialEq<str>> PartialEq<String> for ReadName<N> {
    fn eq(&self, other: &String) -> bool {
        *self == *other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServiceName;

    #[test]
    fn a_refused_name_names_nothing_and_prints_empty() {
        let refused = ReadName::from_checked(ServiceName::new("Web"));
        assert_eq!(refused, ReadName::Refused);
        assert!(refused != *"");
        assert_eq!(refused.to_string(), "");
        let checked = ReadName::from_checked(ServiceName::new("web"));
        assert!(checked == *"web");
        assert_eq!(checked.to_string(), "web");
    }
}
