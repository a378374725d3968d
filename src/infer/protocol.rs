//! Which protocol a port speaks, the layer a load balancer works at when the input does not
//! say, and which listener/target pairings it can carry.

use crate::model::{BalancerLayer, Port, Protocol};

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

/// An inferred protocol restated in what a balancer at `layer` speaks: a connection-forwarding
/// one does not read HTTP, so it speaks TCP and TLS where an HTTP-aware one would speak HTTP and
/// HTTPS, and an HTTP-aware one speaks only HTTP(S). Explicit protocols are never adapted: the
/// emitter judges them against the product it chooses (`crate::emit::balancer_product`).
#[must_use]
pub fn adapt_inferred(protocol: Protocol, layer: BalancerLayer) -> Protocol {
    match (layer, protocol) {
        (BalancerLayer::Connection, Protocol::Http) => Protocol::Tcp,
        (BalancerLayer::Connection, Protocol::Https) => Protocol::Tls,
        (BalancerLayer::Http, Protocol::Tcp) => Protocol::Http,
        (BalancerLayer::Http, Protocol::Tls) => Protocol::Https,
        _ => protocol,
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
/// SSL→SSL|TCP), with UDP→UDP.
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

/// The layer for a set of listener protocols: HTTP-aware when all are HTTP(S), and otherwise
/// connection-forwarding, since an HTTP-aware balancer carries nothing but HTTP.
#[must_use]
pub fn infer_layer(protocols: &[Protocol]) -> BalancerLayer {
    if protocols.iter().all(|protocol| protocol.is_http_family()) {
        BalancerLayer::Http
    } else {
        BalancerLayer::Connection
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
            adapt_inferred(Protocol::Https, BalancerLayer::Connection),
            Protocol::Tls
        );
        assert_eq!(
            adapt_inferred(Protocol::Http, BalancerLayer::Connection),
            Protocol::Tcp
        );
        assert_eq!(
            adapt_inferred(Protocol::Tcp, BalancerLayer::Http),
            Protocol::Http
        );
        assert_eq!(
            adapt_inferred(Protocol::Http, BalancerLayer::PerListener),
            Protocol::Http
        );
        assert_eq!(
            adapt_inferred(Protocol::Tcp, BalancerLayer::PerListener),
            Protocol::Tcp
        );
    }

    #[test]
    fn http_aware_only_when_all_http() {
        assert_eq!(
            infer_layer(&[Protocol::Http, Protocol::Https]),
            BalancerLayer::Http
        );
        assert_eq!(
            infer_layer(&[Protocol::Http, Protocol::Tcp]),
            BalancerLayer::Connection
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
