//! An Ingress as read: hosts and paths routed to Services by name, not yet found.

use super::balancing::{LoadBalancerSettings, TargetSettings, Written};
use super::ingress_class::ClassName;
use crate::model::Protocol;
use crate::model::document_order::DocumentOrder;
use crate::model::ingress::ProtocolVersion;
use crate::source::Span;

#[derive(Debug, Clone)]
pub struct Ingress {
    pub name: String,
    pub namespace: crate::model::Namespace,
    /// Place in the input, for document order.
    pub order: DocumentOrder,
    pub span: Span,
    pub balancer: LoadBalancerSettings,
    pub targets: TargetSettings,
    pub default_backend: Option<Backend>,
    pub rules: Vec<Rule>,
    /// `spec.tls` is written: the Ingress wants HTTPS even without a certificate ARN.
    pub tls: Option<Span>,
    /// `spec.ingressClassName`, else the class annotation.
    pub class: Option<ClassName>,
    /// ingress-nginx's annotations that have an ALB equivalent, applied only when the Ingress
    /// is compiled with Kubernetes' semantics.
    pub nginx: NginxSettings,
    /// The first `alb.ingress.kubernetes.io/` annotation: an Ingress without a class that
    /// carries one was written for the AWS Load Balancer Controller.
    pub alb_annotation: Option<Span>,
    /// Whose semantics the routing pass compiles it with; decided by its class
    /// (`crate::infer::ingress_semantics`), the AWS Load Balancer Controller's until then.
    pub semantics: Semantics,
}

/// Whose rules an Ingress's load balancer follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Semantics {
    /// The AWS Load Balancer Controller's: internal unless `scheme` says otherwise; each
    /// rule's paths Exact, then Prefix longest first, then ImplementationSpecific as written.
    #[default]
    AwsLoadBalancerController,
    /// The Kubernetes Ingress spec's, as ingress-nginx, GKE and Traefik serve it:
    /// internet-facing; a request is routed by the rules of its most specific host (exact,
    /// then wildcard, then none), Exact paths first, then the longest matching path.
    Kubernetes,
}

/// `nginx.ingress.kubernetes.io/` annotations i2kit maps, as written.
#[derive(Debug, Clone, Default)]
pub struct NginxSettings {
    /// `ssl-redirect`: redirect HTTP to HTTPS when the Ingress has TLS (ingress-nginx's default).
    pub ssl_redirect: Option<Written<bool>>,
    /// `force-ssl-redirect`: redirect HTTP to HTTPS even without TLS.
    pub force_ssl_redirect: Option<Written<bool>>,
    /// `backend-protocol`: how the load balancer talks to the backends.
    pub backend_protocol: Option<Written<(Protocol, ProtocolVersion)>>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// Checked by [`check_host`].
    pub host: Option<String>,
    pub host_span: Option<Span>,
    /// In the order written; [`sort_paths`] gives the order rules are evaluated in.
    pub paths: Vec<HttpPath>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct HttpPath {
    /// Starts with '/' (or is empty for ImplementationSpecific); checked against ALB's
    /// `path-pattern` characters.
    pub path: String,
    pub kind: PathType,
    pub backend: Backend,
    /// The path's entry.
    pub span: Span,
    /// The `path` value.
    pub path_span: Span,
    /// The path as written, when the Ingress's semantics read it as another: ingress-nginx
    /// reads an ImplementationSpecific path as a prefix.
    pub written: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathType {
    Exact,
    Prefix,
    ImplementationSpecific,
}

#[derive(Debug, Clone)]
pub struct Backend {
    pub service: String,
    pub port: ServicePortRef,
    pub service_span: Span,
    pub port_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServicePortRef {
    Number(crate::model::Port),
    Name(String),
}

impl std::fmt::Display for ServicePortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServicePortRef::Number(number) => write!(f, "{number}"),
            ServicePortRef::Name(name) => write!(f, "`{name}`"),
        }
    }
}

/// The `path-pattern` values of one path, as the controller writes them
/// (pkg/ingress/model_build_listener_rules.go): Prefix `/` → `/*`; Prefix `/foo` (or `/foo/`)
/// → `/foo` and `/foo/*`; Exact and ImplementationSpecific as written; an empty path → none.
#[must_use]
pub fn path_patterns(path: &str, kind: PathType) -> Vec<String> {
    if path.is_empty() {
        return Vec::new();
    }
    match kind {
        PathType::Prefix if path == "/" => vec!["/*".to_string()],
        PathType::Prefix => {
            let trimmed = path.strip_suffix('/').unwrap_or(path);
            vec![trimmed.to_string(), format!("{trimmed}/*")]
        }
        PathType::Exact | PathType::ImplementationSpecific => vec![path.to_string()],
    }
}
