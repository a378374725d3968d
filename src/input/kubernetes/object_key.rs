//! The key of a ConfigMap or Secret, as the API server checks both (`IsConfigMapKey`): it
//! becomes a file name and a variable name.

/// The longest key Kubernetes accepts (a DNS subdomain's length).
const MAX_KEY_LENGTH: usize = 253;

/// Why `key` cannot be a ConfigMap or Secret key, if it cannot.
#[must_use]
pub fn key_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        Some("a key cannot be empty")
    } else if key.len() > MAX_KEY_LENGTH {
        Some("a key has at most 253 characters")
    } else if !key
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
    {
        Some("a key holds only letters, digits, '-', '_' and '.'")
    } else if key == "." || key == ".." {
        Some("a key cannot be `.` or `..`")
    } else if key.starts_with("..") {
        Some("a key cannot start with `..`")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_kubernetes_rules() {
        for key in ["app.properties", "LOG_LEVEL", "a-b", ".hidden", "1st"] {
            assert_eq!(key_problem(key), None, "{key}");
        }
        for key in ["", ".", "..", "..data", "a/b", "a b", "é", &"k".repeat(254)] {
            assert!(key_problem(key).is_some(), "{key}");
        }
    }
}
