//! What annotations ask of a load balancer and its target groups, as written.

use super::requests::HealthCheckRequest;
use crate::cidr::Cidr;
use crate::model::Protocol;
use crate::model::ingress::ProtocolVersion;
use crate::source::Span;

/// The AWS Load Balancer Controller's annotations on Ingresses and Services.
pub const PREFIX: &str = "alb.ingress.kubernetes.io/";

/// A setting and where its annotation is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written<T> {
    pub value: T,
    pub span: Span,
}

/// What one Ingress asks of the load balancer as a whole. In a group each must agree across
/// the Ingresses that set it (the controller's "Exclusive" annotations), except listen ports
/// and certificates, which apply to the Ingress's own rules.
#[derive(Debug, Clone, Default)]
pub struct LoadBalancerSettings {
    pub group: Option<Written<String>>,
    pub order: i64,
    /// Internet-facing rather than internal.
    pub public: Option<Written<bool>>,
    pub dual_stack: Option<Written<bool>>,
    /// Listener ports and protocols, in the order written.
    pub listen_ports: Option<Written<Vec<(u16, Protocol)>>>,
    /// ACM or IAM certificate ARNs, checked.
    pub certificates: Option<Written<Vec<String>>>,
    pub ssl_redirect: Option<Written<u16>>,
    pub ssl_policy: Option<Written<String>>,
    /// `inbound-cidrs`: the only ranges admitted on this Ingress's listen ports, canonical.
    pub inbound_cidrs: Option<Written<Vec<Cidr>>>,
    /// Names `N` of `actions.N` annotations: a backend `{name: N, port: {name:
    /// use-annotation}}` means that action, which is not compiled.
    pub custom_actions: Vec<String>,
}

/// How a target group reaches the VMs and checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetSettings {
    pub protocol: Option<Protocol>,
    pub protocol_version: Option<ProtocolVersion>,
    pub health: HealthCheckRequest,
    /// `success-codes`, checked for its form here; its range depends on the protocol version.
    pub success_codes: Option<Written<String>>,
}

impl TargetSettings {
    /// These settings where set, `fallback`'s elsewhere: a Service's annotations over its
    /// Ingress's.
    #[must_use]
    pub fn over(&self, fallback: &TargetSettings) -> TargetSettings {
        let (mine, theirs) = (&self.health, &fallback.health);
        TargetSettings {
            protocol: self.protocol.or(fallback.protocol),
            protocol_version: self.protocol_version.or(fallback.protocol_version),
            health: HealthCheckRequest {
                protocol: mine.protocol.or(theirs.protocol),
                port: mine.port.or(theirs.port),
                path: mine.path.clone().or_else(|| theirs.path.clone()),
                interval_seconds: mine.interval_seconds.or(theirs.interval_seconds),
                timeout_seconds: mine.timeout_seconds.or(theirs.timeout_seconds),
                healthy_threshold: mine.healthy_threshold.or(theirs.healthy_threshold),
                unhealthy_threshold: mine.unhealthy_threshold.or(theirs.unhealthy_threshold),
                span: mine.span.or(theirs.span),
            },
            success_codes: self
                .success_codes
                .clone()
                .or_else(|| fallback.success_codes.clone()),
        }
    }
}
