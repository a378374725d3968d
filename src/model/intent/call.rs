//! A host a container's environment names, as written: where the container will call, which
//! the passes look up among the Services the way the pod's resolver would.

use crate::source::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Lowercase, without a trailing dot: `api`, `api.shop`, `api.shop.svc.cluster.local`.
    pub host: String,
    /// The calling Deployment and its namespace, where a short name resolves first.
    pub caller: String,
    pub namespace: crate::model::Namespace,
    /// The variable that names the host, and where it is written.
    pub variable: String,
    pub span: Span,
}
