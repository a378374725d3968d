//! A TCP or UDP port number a listener, target, container or health check can use: 1–65535.
//! Port 0 means "any port" to the kernel and is no port a load balancer can forward to, so
//! readers refuse it where they read it, and past them no stage can hold it.

use std::fmt;
use std::num::NonZeroU16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(NonZeroU16);

impl Port {
    pub const HTTP: Port = Port::known(80);
    pub const HTTPS: Port = Port::known(443);

    /// A port written in i2kit's own source: 0 fails to compile, as the subtraction overflows
    /// in const evaluation.
    const fn known(number: u16) -> Port {
        Port(NonZeroU16::MIN.saturating_add(number - 1))
    }

    /// `number` as a port, or `None` for 0.
    #[must_use]
    pub const fn new(number: u16) -> Option<Port> {
        match NonZeroU16::new(number) {
            Some(number) => Some(Port(number)),
            None => None,
        }
    }

    /// A number as the input wrote it (Kubernetes ports are `int32`), or `None` outside 1–65535.
    #[must_use]
    pub fn from_int(number: i64) -> Option<Port> {
        u16::try_from(number).ok().and_then(Port::new)
    }

    #[must_use]
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl From<Port> for u16 {
    fn from(port: Port) -> u16 {
        port.get()
    }
}

/// The number in decimal, as the input would write it.
impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A JSON or YAML number, as a bare `u16` serializes.
impl serde::Serialize for Port {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.get())
    }
}

/// A number from 1 to 65535: the short manifest's ports are read straight into this type, so a
/// port 0 fails there, as the schema's `minimum: 1` says.
impl<'de> serde::Deserialize<'de> for Port {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Port, D::Error> {
        let number = u16::deserialize(deserializer)?;
        Port::new(number).ok_or_else(|| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Unsigned(0),
                &"a port from 1 to 65535",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_no_port() {
        assert_eq!(Port::new(0), None);
        assert_eq!(Port::from_int(0), None);
    }

    #[test]
    fn only_numbers_from_1_to_65535_are_ports() {
        assert_eq!(Port::new(1).map(Port::get), Some(1));
        assert_eq!(Port::new(65535).map(Port::get), Some(65535));
        assert_eq!(Port::from_int(65535).map(Port::get), Some(65535));
        assert_eq!(Port::from_int(65536), None);
        assert_eq!(Port::from_int(-80), None);
        assert_eq!(Port::from_int(i64::MAX), None);
    }

    #[test]
    fn writes_as_the_bare_number() {
        let port = Port::new(8080).expect("not 0");
        assert_eq!(port.to_string(), "8080");
        assert_eq!(serde_json::to_string(&port).ok().as_deref(), Some("8080"));
        assert_eq!(
            serde_json::json!({ "Port": port }),
            serde_json::json!({ "Port": 8080 })
        );
    }

    #[test]
    fn reads_only_ports_from_1_to_65535() {
        let read = |text: &str| serde_json::from_str::<Port>(text).ok().map(Port::get);
        assert_eq!(read("1"), Some(1));
        assert_eq!(read("65535"), Some(65535));
        assert_eq!(read("0"), None);
        assert_eq!(read("65536"), None);
        assert_eq!(read("-1"), None);
        assert_eq!(read("\"80\""), None);
    }

    #[test]
    fn orders_as_its_number() {
        assert!(Port::new(80) < Port::new(443));
        assert!(Port::new(443) < Port::new(8080));
    }
}
