//! What annotations ask of a load balancer and its target groups, as written.

use super::requests::HealthCheckRequest;
use crate::cidr::Cidr;
use crate::model::ingress::{CognitoProvider, OidcProvider, ProtocolVersion, Unauthenticated};
use crate::model::{Port, Protocol};
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
    pub listen_ports: Option<Written<Vec<(Port, Protocol)>>>,
    /// ACM or IAM certificate ARNs, checked.
    pub certificates: Option<Written<Vec<String>>>,
    pub ssl_redirect: Option<Written<Port>>,
    pub ssl_policy: Option<Written<String>>,
    /// `wafv2-acl-arn`: a checked ARN, or `None` for `none` (no web ACL).
    pub web_acl: Option<Written<Option<String>>>,
    /// `shield-advanced-protection`, read as the controller reads it (strconv.ParseBool).
    pub shield_advanced: Option<Written<bool>>,
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
    /// The `auth-*` annotations: the controller reads them per backend, a Service's over its
    /// Ingress's key by key.
    pub authentication: AuthenticationSettings,
}

/// `auth-type`: `none` switches authentication off (also over an Ingress's `oidc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthenticationKind {
    None,
    Oidc,
    Cognito,
}

/// The `auth-*` annotations as written, each checked where it is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthenticationSettings {
    pub kind: Option<Written<AuthenticationKind>>,
    pub oidc: Option<Written<OidcProvider>>,
    pub cognito: Option<Written<CognitoProvider>>,
    pub scope: Option<Written<String>>,
    pub session_cookie: Option<Written<String>>,
    pub session_timeout: Option<Written<u32>>,
    pub on_unauthenticated: Option<Written<Unauthenticated>>,
}

impl AuthenticationSettings {
    /// These settings where set, `fallback`'s elsewhere, key by key
    /// (enhanced_backend_builder.go, MergeStringMap).
    #[must_use]
    pub fn over(&self, fallback: &AuthenticationSettings) -> AuthenticationSettings {
        AuthenticationSettings {
            kind: self.kind.clone().or_else(|| fallback.kind.clone()),
            oidc: self.oidc.clone().or_else(|| fallback.oidc.clone()),
            cognito: self.cognito.clone().or_else(|| fallback.cognito.clone()),
            scope: self.scope.clone().or_else(|| fallback.scope.clone()),
            session_cookie: self
                .session_cookie
                .clone()
                .or_else(|| fallback.session_cookie.clone()),
            session_timeout: self
                .session_timeout
                .clone()
                .or_else(|| fallback.session_timeout.clone()),
            on_unauthenticated: self
                .on_unauthenticated
                .clone()
                .or_else(|| fallback.on_unauthenticated.clone()),
        }
    }
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
            authentication: self.authentication.over(&fallback.authentication),
        }
    }
}
