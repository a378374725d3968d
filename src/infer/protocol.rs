//! Which protocol a port speaks, and which listener/target pairings a load balancer can carry.

use crate::model::{LoadBalancerKind, Port, Protocol};

/// The protocol a listener port speaks when the manifest does not say:
/// 80 is HTTP, 443 is HTTPS, anything else TCP.
#[must_use]
pub fn infer_protocol(port: Port) -> Protocol {
    match port.get() {
        80 => Protocol::Http,
        443 => Protocol::Https,
        _ => Protocol::Tcp,
    }
}

/// An inferred protocol restated in what `kind` can carry: an NLB speaks TCP and TLS where an
/// ALB would speak HTTP and HTTPS, and an ALB carries only HTTP(S). Explicit protocols are
/// never adapted: [`listener_supported`] judges them.
#[must_use]
pub fn adapt_inferred(protocol: Protocol, kind: LoadBalancerKind) -> Protocol {
    match (kind, protocol) {
        (LoadBalancerKind::Network, Protocol::Http) => Protocol::Tcp,
        (LoadBalancerKind::Network, Protocol::Https) => Protocol::Tls,
        (LoadBalancerKind::Application, Protocol::Tcp) => Protocol::Http,
        (LoadBalancerKind::Application, Protocol::Tls) => Protocol::Https,
        _ => protocol,
    }
}

/// Listener protocols per load balancer (AWS: ALB HTTP/HTTPS; NLB TCP/TLS/UDP; Classic
/// HTTP/HTTPS/TCP/SSL).
#[must_use]
pub fn listener_supported(kind: LoadBalancerKind, protocol: Protocol) -> bool {
    match kind {
        LoadBalancerKind::Application => protocol.is_http_family(),
        LoadBalancerKind::Network => !protocol.is_http_family(),
        LoadBalancerKind::Classic => protocol != Protocol::Udp,
    }
}

/// The protocol spoken to the container when the manifest does not say: TLS ends at the
/// load balancer.
#[must_use]
pub fn default_target_protocol(listener: Protocol) -> Protocol {
    match listener {
        Protocol::Http | Protocol::Https => Protocol::Http,
        Protocol::Tcp | Protocol::Tls => Protocol::Tcp,
        Protocol::Udp => Protocol::Udp,
    }
}

/// Pairings the original i2kit tool allowed (HTTP→HTTP, HTTPS→HTTP|HTTPS, TCP→TCP,
/// SSL→SSL|TCP), with UDP→UDP for NLBs.
#[must_use]
pub fn pairing_allowed(listener: Protocol, target: Protocol) -> bool {
    matches!(
        (listener, target),
        (Protocol::Http, Protocol::Http)
            | (Protocol::Https, Protocol::Http | Protocol::Https)
            | (Protocol::Tcp, Protocol::Tcp)
            | (Protocol::Tls, Protocol::Tls | Protocol::Tcp)
            | (Protocol::Udp, Protocol::Udp)
    )
}

/// The load balancer for a set of listener protocols: an ALB when all are HTTP(S).
#[must_use]
pub fn infer_load_balancer_kind(protocols: &[Protocol]) -> LoadBalancerKind {
    if protocols.iter().all(|protocol| protocol.is_http_family()) {
        LoadBalancerKind::Application
    } else {
        LoadBalancerKind::Network
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_table() {
        assert_eq!(infer_protocol(Port::HTTP), Protocol::Http);
        assert_eq!(infer_protocol(Port::HTTPS), Protocol::Https);
        assert_eq!(infer_protocol(Port::new(6379).unwrap()), Protocol::Tcp);
        assert_eq!(
            adapt_inferred(Protocol::Https, LoadBalancerKind::Network),
            Protocol::Tls
        );
        assert_eq!(
            adapt_inferred(Protocol::Http, LoadBalancerKind::Classic),
            Protocol::Http
        );
    }

    #[test]
    fn alb_only_when_all_http() {
        assert_eq!(
            infer_load_balancer_kind(&[Protocol::Http, Protocol::Https]),
            LoadBalancerKind::Application
        );
        assert_eq!(
            infer_load_balancer_kind(&[Protocol::Http, Protocol::Tcp]),
            LoadBalancerKind::Network
        );
    }

    #[test]
    fn pairings() {
        assert!(pairing_allowed(Protocol::Https, Protocol::Http));
        assert!(!pairing_allowed(Protocol::Http, Protocol::Https));
        assert!(!pairing_allowed(Protocol::Tcp, Protocol::Http));
        assert!(pairing_allowed(Protocol::Tls, Protocol::Tcp));
    }
}
