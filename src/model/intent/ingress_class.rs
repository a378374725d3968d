//! An IngressClass (networking.k8s.io/v1) as read, and the class an Ingress names: together
//! they decide whose semantics an Ingress is compiled with (`crate::infer::routing`).

use super::balancing::Written;
use crate::source::Span;

/// The AWS Load Balancer Controller's class name and `spec.controller`.
pub const ALB_CLASS: &str = "alb";
pub const ALB_CONTROLLER: &str = "ingress.k8s.aws/alb";
/// ingress-nginx's class name and `spec.controller`.
pub const NGINX_CLASS: &str = "nginx";
pub const NGINX_CONTROLLER: &str = "k8s.io/ingress-nginx";
/// The annotation that makes an IngressClass the default for Ingresses without a class.
pub const DEFAULT_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";

#[derive(Debug, Clone)]
pub struct IngressClass {
    pub name: String,
    pub span: Span,
    /// `spec.controller`, e.g. `ingress.k8s.aws/alb`.
    pub controller: Option<String>,
    /// Where `is-default-class: "true"` is written, when it is.
    pub default: Option<Span>,
}

/// Where an Ingress names its class: `spec.ingressClassName`, or the deprecated annotation
/// `kubernetes.io/ingress.class` (the API server refuses both with different values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassSource {
    Field,
    Annotation,
}

/// The class an Ingress names, and where.
#[derive(Debug, Clone)]
pub struct ClassName {
    pub name: Written<String>,
    pub source: ClassSource,
}
