//! IP ranges in CIDR notation, as a load balancer's source ranges name them: parsed as
//! Kubernetes parses `loadBalancerSourceRanges` (Go's `net.ParseCIDR`, then the network of
//! the address, `ipnet.String()`), and written back in the canonical form EC2 takes. Readers
//! and the model share it, and the rule count of a security group that admits ranges lives
//! beside it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network: its first address (host bits cleared) and its prefix length, IPv4 or IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// A range as written, and whether the text set host bits (`10.0.0.1/24`), which Kubernetes
/// clears without a word and i2kit reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedCidr {
    pub cidr: Cidr,
    pub host_bits_set: bool,
}

impl Cidr {
    /// Parses `ADDRESS/PREFIX`: a dotted-quad IPv4 address (no leading zeros, which some
    /// parsers read as octal) or an IPv6 address, and a decimal prefix length of at most 32
    /// or 128. A bare address is not a range: Kubernetes refuses it too.
    ///
    /// # Errors
    /// What is wrong, for a diagnostic.
    pub fn parse(text: &str) -> Result<ParsedCidr, String> {
        let Some((address, prefix)) = text.split_once('/') else {
            return Err(format!(
                "`{text}` is not a range in CIDR notation (ADDRESS/PREFIX, e.g. 203.0.113.0/24)"
            ));
        };
        let address: IpAddr = address.parse().map_err(|_| {
            format!(
                "`{address}` is not an IPv4 or IPv6 address (IPv4 is written without leading zeros)"
            )
        })?;
        let longest = if address.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|length| {
                *length <= longest
                    && prefix.bytes().all(|b| b.is_ascii_digit())
                    && !prefix.is_empty()
            })
            .ok_or_else(|| format!("`/{prefix}` is not a prefix length from 0 to {longest}"))?;
        let network = mask(address, prefix);
        Ok(ParsedCidr {
            cidr: Cidr { network, prefix },
            host_bits_set: network != address,
        })
    }

    /// `0.0.0.0/0`, or `::/0`: every address of a family.
    #[must_use]
    pub fn everyone(ipv6: bool) -> Cidr {
        let network = if ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        Cidr { network, prefix: 0 }
    }

    #[must_use]
    pub fn is_ipv6(self) -> bool {
        self.network.is_ipv6()
    }

    #[must_use]
    pub fn prefix(self) -> u8 {
        self.prefix
    }

    /// Whether `address` lies in the range (never across families).
    #[must_use]
    pub fn contains(self, address: IpAddr) -> bool {
        address.is_ipv4() == self.network.is_ipv4() && mask(address, self.prefix) == self.network
    }
}

fn mask(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let kept = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(bits & kept))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let kept = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & kept))
        }
    }
}

/// The canonical form: `10.0.0.0/8`, `2001:db8::/32`.
impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> Result<String, String> {
        Cidr::parse(text).map(|parsed| parsed.cidr.to_string())
    }

    #[test]
    fn ranges_parse_as_kubernetes_reads_them() {
        assert_eq!(canonical("10.0.0.0/8"), Ok("10.0.0.0/8".to_string()));
        assert_eq!(canonical("0.0.0.0/0"), Ok("0.0.0.0/0".to_string()));
        assert_eq!(
            canonical("203.0.113.7/32"),
            Ok("203.0.113.7/32".to_string())
        );
        assert_eq!(
            canonical("2001:DB8:0:0::/32"),
            Ok("2001:db8::/32".to_string())
        );
        assert_eq!(canonical("::/0"), Ok("::/0".to_string()));
        let loose = Cidr::parse("10.1.2.3/16").unwrap();
        assert_eq!(loose.cidr.to_string(), "10.1.0.0/16");
        assert!(loose.host_bits_set);
        assert!(!Cidr::parse("10.1.0.0/16").unwrap().host_bits_set);
    }

    #[test]
    fn what_is_not_a_range_is_refused() {
        for text in [
            "10.0.0.0",
            "10.0.0.0/33",
            "2001:db8::/129",
            "010.0.0.0/8",
            "10.0.0/8",
            "10.0.0.0/+8",
            "10.0.0.0/",
            "/8",
            "",
            "none",
            "fe80::1%eth0/64",
            "10.0.0.0/8/8",
        ] {
            assert!(Cidr::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn membership_follows_the_prefix() {
        let range = Cidr::parse("192.0.2.0/24").unwrap().cidr;
        assert!(range.contains("192.0.2.255".parse().unwrap()));
        assert!(!range.contains("192.0.3.0".parse().unwrap()));
        assert!(!range.contains("::ffff:192.0.2.1".parse().unwrap()));
        let everything = Cidr::parse("0.0.0.0/0").unwrap().cidr;
        assert!(everything.contains("8.8.8.8".parse().unwrap()));
    }
}
