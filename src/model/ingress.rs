//! Application load balancers that route HTTP requests by host and path: what Kubernetes
//! Ingresses ask for, in the AWS Load Balancer Controller's terms (listeners, ordered rules,
//! target groups), already resolved to the VMs of the Deployments behind each backend.

use super::{Certificate, DeploymentName, HealthCheck, Port, Protocol, ServiceName};
use crate::source::Span;
use std::collections::BTreeMap;

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
    /// The regional WAFv2 web ACL the load balancer is associated with (`wafv2-acl-arn`),
    /// an ARN checked by the reader.
    pub web_acl: Option<String>,
    /// Shield Advanced protects the load balancer (`shield-advanced-protection`).
    pub shield_advanced: bool,
    /// In port order; never empty.
    pub listeners: Vec<IngressListener>,
    /// What the listeners forward to, in order of first use; never empty.
    pub target_groups: Vec<IngressTargetGroup>,
    /// Every rule host once, in order of first use (`*.` wildcards included): each gets an
    /// alias record when the template's hosted zone is one of its parent domains.
    pub hosts: Vec<RuleHost>,
    /// Shared by the Ingresses of one group (`alb.ingress.kubernetes.io/group.name`), as
    /// their controller groups them, rather than made for one Ingress: how diagnostics name it.
    pub grouped: bool,
    /// Where the last Ingress of the load balancer that restricts its ranges writes them
    /// (`inbound-cidrs`): errors about the rules the ranges make point there.
    pub ranges_span: Option<Span>,
    /// The first Ingress of the load balancer.
    pub span: Option<Span>,
}

impl Ingress {
    /// How diagnostics name the load balancer: by its Ingress, or by its group.
    #[must_use]
    pub fn describe(&self) -> String {
        describe_balancer(&self.name, self.grouped)
    }
}

/// How diagnostics name the load balancer called `name`, made for one Ingress or shared by
/// the Ingresses of a group.
#[must_use]
pub fn describe_balancer(name: &str, grouped: bool) -> String {
    if grouped {
        format!("the load balancer of group `{name}`")
    } else {
        format!("the load balancer of Ingress `{name}`")
    }
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
    pub port: Port,
    /// HTTP or HTTPS.
    pub protocol: Protocol,
    /// HTTPS only, never empty there: the first is the listener's default certificate, the
    /// others are offered by SNI.
    pub certificates: Vec<Certificate>,
    /// Evaluated in order: a rule's priority is its position, from 1.
    pub rules: Vec<RoutingRule>,
    /// What a request no rule matches gets.
    pub default_action: RouteAction,
    /// Authentication ahead of the default action (a protected defaultBackend).
    pub default_authentication: Option<Authentication>,
    /// The only ranges the load balancer's security group admits on this port (the
    /// `inbound-cidrs` of the Ingresses listening here; see [`super::admission`]); empty
    /// when none is written.
    pub source_ranges: Vec<crate::cidr::Cidr>,
}

/// Authentication the load balancer performs before a rule's action (the controller's
/// `auth-*` annotations): requests without a valid session go to the identity provider, are
/// refused with 401, or pass, as `on_unauthenticated` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    pub provider: IdentityProvider,
    /// Space-separated OAuth scopes.
    pub scope: String,
    pub session_cookie: String,
    /// Seconds, 1 to 604800.
    pub session_timeout: u32,
    pub on_unauthenticated: Unauthenticated,
}

/// Where users sign in, as the controller's `auth-idp-oidc` / `auth-idp-cognito` JSON says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityProvider {
    Oidc(OidcProvider),
    Cognito(CognitoProvider),
}

/// An OpenID Connect provider: HTTPS URLs checked by the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProvider {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub user_info_endpoint: String,
    /// The Kubernetes Secret (`secretName`) that holds the client id and secret for the
    /// controller. i2kit bakes no Secret: the template asks for both as parameters named
    /// after it, the secret NoEcho.
    pub client_secret_name: String,
    /// `authenticationRequestExtraParams`: at most 10, sent to the authorization endpoint.
    pub extra_params: BTreeMap<String, String>,
}

/// An Amazon Cognito user pool and app client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoProvider {
    pub user_pool_arn: String,
    pub user_pool_client_id: String,
    /// The user pool domain's prefix (or its custom domain).
    pub user_pool_domain: String,
    pub extra_params: BTreeMap<String, String>,
}

/// What an unauthenticated request gets (`auth-on-unauthenticated-request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unauthenticated {
    /// Sent to the identity provider to sign in (the default).
    Authenticate,
    /// Refused with HTTP 401.
    Deny,
    /// Forwarded without a session: the author lets it through.
    Allow,
}

impl Unauthenticated {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Unauthenticated::Authenticate => "authenticate",
            Unauthenticated::Deny => "deny",
            Unauthenticated::Allow => "allow",
        }
    }
}

/// The controller's defaults (pkg/ingress/auth_config_builder.go).
pub const DEFAULT_AUTH_SCOPE: &str = "openid";
pub const DEFAULT_AUTH_SESSION_COOKIE: &str = "AWSELBAuthSessionCookie";
/// Seconds: also ALB's maximum, seven days.
pub const MAX_AUTH_SESSION_TIMEOUT: u32 = 604_800;
/// ALB's limit on `AuthenticationRequestExtraParams`.
pub const MAX_AUTH_EXTRA_PARAMS: usize = 10;

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
    /// Who the request must be before the action is taken (never on an HTTP listener).
    pub authentication: Option<Authentication>,
    /// The Ingress path (or rule) the rule comes from.
    pub span: Option<Span>,
    /// What of the Ingress path it comes from a target's errors about its values name; `None`
    /// for a rule i2kit adds (a host's fallback).
    pub origin: Option<PathOrigin>,
}

/// What to write instead of a refused rule host.
pub const HOST_HELP: &str = "write a DNS name in lowercase, optionally starting with `*.` for a wildcard, e.g. shop.example.com";
/// What to write instead of a refused path.
pub const PATH_HELP: &str = "paths start with '/' and use letters, digits and _-.$/~\"'@:+&; only ImplementationSpecific paths may hold the wildcards * and ?";

/// An Ingress path as written, for errors about the condition values it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathOrigin {
    pub path: String,
    pub path_span: Span,
    /// Read as a prefix by ingress-nginx's semantics (an ImplementationSpecific path).
    pub read_as_prefix: bool,
    /// Where the host of the Ingress rule holding the path is written.
    pub host_span: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteAction {
    /// Forward to the target group at this index of [`Ingress::target_groups`].
    Forward(usize),
    /// Redirect to HTTPS on this port, keeping host, path and query (`ssl-redirect`).
    RedirectToHttps(Port),
    /// A plain 404, as the controller answers requests no rule or default backend takes.
    NotFound,
}

/// The VMs behind one backend (a Service port) and how the load balancer talks to them.
#[derive(Debug, Clone, PartialEq)]
pub struct IngressTargetGroup {
    /// The backend Service, and the port the Ingress names on it.
    pub service: ServiceName,
    pub service_port: Port,
    /// The container port the Service port reaches.
    pub target_port: Port,
    /// HTTP or HTTPS.
    pub protocol: Protocol,
    pub protocol_version: ProtocolVersion,
    /// Always an HTTP(S) check.
    pub health_check: HealthCheck,
    /// The deployments whose VMs register: those the Service selects; never empty.
    pub backends: Vec<DeploymentName>,
    /// Those of `backends` whose NetworkPolicies do not admit this load balancer: their VMs
    /// admit its health checks, not its traffic.
    pub refused: Vec<DeploymentName>,
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
