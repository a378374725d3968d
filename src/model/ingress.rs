//! Application load balancers that route HTTP requests by host and path: what Kubernetes
//! Ingresses ask for, in the AWS Load Balancer Controller's terms (listeners, ordered rules,
//! target groups), already resolved to the VMs of the Deployments behind each backend.

use super::{Certificate, HealthCheck, Protocol};
use crate::source::Span;

/// One application load balancer: one Ingress, or every Ingress sharing an
/// `alb.ingress.kubernetes.io/group.name`, their rules merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingress {
    /// Names the load balancer's resources: the Ingress's name, or the group's (lowercase
    /// letters, digits, '-' and '.'; checked by the reader), unique among ingresses.
    pub name: String,
    /// Internet-facing rather than internal.
    pub public: bool,
    /// Clients may also come over IPv6 (`ip-address-type: dualstack`).
    pub dual_stack: bool,
    /// The TLS negotiation policy of HTTPS listeners; `None` keeps i2kit's default.
    pub ssl_policy: Option<String>,
    /// In port order; never empty.
    pub listeners: Vec<IngressListener>,
    /// What the listeners forward to, in order of first use; never empty.
    pub target_groups: Vec<IngressTargetGroup>,
    /// Every rule host once, in order of first use (`*.` wildcards included): each gets an
    /// alias record when the template's hosted zone is one of its parent domains.
    pub hosts: Vec<RuleHost>,
    pub span: Option<Span>,
}

/// A host some rule routes, and where the input first names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHost {
    /// A lowercase DNS name, its first label possibly `*`.
    pub name: String,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IngressListener {
    pub port: u16,
    /// HTTP or HTTPS.
    pub protocol: Protocol,
    /// HTTPS only, never empty there: the first is the listener's default certificate, the
    /// others are offered by SNI.
    pub certificates: Vec<Certificate>,
    /// Evaluated in order: a rule's priority is its position, from 1.
    pub rules: Vec<RoutingRule>,
    /// What a request no rule matches gets.
    pub default_action: RouteAction,
}

/// One listener rule: a request matches when its host matches one of `hosts` and its path
/// one of `paths`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    /// `host-header` values (exact, or `*.` wildcards); empty matches every host.
    pub hosts: Vec<String>,
    /// `path-pattern` values, ALB globs (`*` any characters, `?` one); empty matches every
    /// path.
    pub paths: Vec<String>,
    pub action: RouteAction,
    /// The Ingress path (or rule) the rule comes from.
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteAction {
    /// Forward to the target group at this index of [`Ingress::target_groups`].
    Forward(usize),
    /// Redirect to HTTPS on this port, keeping host, path and query (`ssl-redirect`).
    RedirectToHttps(u16),
    /// A plain 404, as the controller answers requests no rule or default backend takes.
    NotFound,
}

/// The VMs behind one backend (a Service port) and how the load balancer talks to them.
#[derive(Debug, Clone, PartialEq)]
pub struct IngressTargetGroup {
    /// The backend Service, and the port the Ingress names on it.
    pub service: String,
    pub service_port: u16,
    /// The container port the Service port reaches.
    pub target_port: u16,
    /// HTTP or HTTPS.
    pub protocol: Protocol,
    pub protocol_version: ProtocolVersion,
    /// Always an HTTP(S) check.
    pub health_check: HealthCheck,
    /// The deployments whose VMs register: those the Service selects; never empty.
    pub backends: Vec<String>,
    /// Those of `backends` whose NetworkPolicies do not admit this load balancer: their VMs
    /// admit its health checks, not its traffic.
    pub refused: Vec<String>,
}

/// How requests travel to the targets (`backend-protocol-version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolVersion {
    Http1,
    Http2,
    Grpc,
}

impl ProtocolVersion {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::Http1 => "HTTP1",
            ProtocolVersion::Http2 => "HTTP2",
            ProtocolVersion::Grpc => "GRPC",
        }
    }
}
