//! Endpoints (v1) and EndpointSlices (discovery.k8s.io/v1) as read: the addresses a Service
//! without a selector stands for, each with the ports it serves, not yet matched to a Service.
//! Both kinds reach the same type, as the EndpointSlice mirroring controller makes slices of a
//! selectorless Service's Endpoints and the cluster DNS and kube-proxy read only slices
//! (kubernetes.io "Services without selectors", "EndpointSlices").

use crate::model::document_order::DocumentOrder;
use crate::model::{DnsLabel, Namespace, Port};
use crate::source::Span;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// Which kind an object of addresses is, for messages and for the one-object-per-name rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EndpointsKind {
    /// `v1 Endpoints`, named as its Service.
    Endpoints,
    /// `discovery.k8s.io/v1 EndpointSlice`, labelled `kubernetes.io/service-name`.
    EndpointSlice,
}

impl EndpointsKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointsKind::Endpoints => "Endpoints",
            EndpointsKind::EndpointSlice => "EndpointSlice",
        }
    }
}

/// One port an address serves: `ports[]` of its subset or slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointPort {
    /// Matched against the Service port's name, as kube-proxy matches them (`""` when unnamed).
    pub name: String,
    /// `None` for an EndpointSlice port without a number, which kube-proxy skips.
    pub port: Option<Port>,
    pub udp: bool,
    pub span: Span,
}

/// One address: an IPv4 address Kubernetes' validation accepts, checked where it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointAddress {
    pub ip: Ipv4Addr,
    /// The address's own name under a headless Service (`hostname`).
    pub hostname: Option<DnsLabel>,
    /// `false` under `notReadyAddresses` or with `conditions.ready: false`.
    pub ready: bool,
    /// The ports of its subset or slice, shared by all its addresses: one list per subset, not
    /// one per address, so a long list of addresses and ports costs their sum, not product.
    pub ports: Arc<[EndpointPort]>,
    /// Where the address is written.
    pub span: Span,
    /// Where it is said not to be ready, for the warning.
    pub not_ready_span: Option<Span>,
}

/// One Endpoints or EndpointSlice object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub kind: EndpointsKind,
    /// The object's own name (a DNS subdomain).
    pub name: String,
    /// The Service it stands for: the Endpoints' name, or the slice's
    /// `kubernetes.io/service-name` label.
    pub service: String,
    pub namespace: Namespace,
    pub addresses: Vec<EndpointAddress>,
    pub order: DocumentOrder,
    /// Where the object is named.
    pub span: Span,
}

/// Why an address cannot be listed: what is wrong with it, and what to write instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRefusal {
    pub why: &'static str,
    pub help: &'static str,
}

/// The address `written`, or why Kubernetes' validation refuses it (`ValidateNonSpecialIP` in
/// pkg/apis/core/validation, which both kinds' validation calls) or i2kit cannot write it
/// into an A record.
///
/// # Errors
/// Not an IP address, an IPv6 one, or one that names no host.
pub fn endpoint_ip(written: &str) -> Result<Ipv4Addr, AddressRefusal> {
    let refusal = |why, help| Err(AddressRefusal { why, help });
    let Ok(ip) = written.parse::<std::net::IpAddr>() else {
        return refusal(
            "is not an IP address",
            "write an IPv4 address such as 10.0.0.5, without leading zeros; a host name belongs in an ExternalName Service",
        );
    };
    let ip = match ip {
        std::net::IpAddr::V4(ip) => ip,
        std::net::IpAddr::V6(_) => {
            return refusal(
                "is an IPv6 address, and i2kit writes A records only",
                "list the IPv4 address of the host, or keep this Service out of the compiled files",
            );
        }
    };
    let refused = if ip.is_unspecified() {
        "is unspecified (0.0.0.0), which Kubernetes refuses"
    } else if ip.is_loopback() {
        "is in the loopback range 127.0.0.0/8, which Kubernetes refuses"
    } else if ip.is_link_local() {
        "is in the link-local range 169.254.0.0/16, which Kubernetes refuses"
    } else if ip.is_multicast() {
        // Kubernetes refuses 224.0.0.0/24; any multicast group is no host a caller connects to.
        "is a multicast address (224.0.0.0/4): a group, not a host callers connect to"
    } else if ip.is_broadcast() {
        "is the broadcast address, not a host callers connect to"
    } else {
        return Ok(ip);
    };
    refusal(
        refused,
        "list the address of the host that serves the Service",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_kubernetes_refuses_are_refused_and_hosts_kept() {
        for refused in [
            "0.0.0.0",
            "127.0.0.1",
            "169.254.169.254",
            "224.0.0.1",
            "239.1.2.3",
            "255.255.255.255",
            "::1",
            "2001:db8::1",
            "db.example.com",
            "010.0.0.1",
            "10.0.0",
            "",
        ] {
            assert!(endpoint_ip(refused).is_err(), "{refused} was accepted");
        }
        for kept in ["10.0.0.5", "192.168.1.1", "203.0.113.9", "172.16.0.1"] {
            assert_eq!(
                endpoint_ip(kept).map(|ip| ip.to_string()).as_deref(),
                Ok(kept)
            );
        }
    }
}
