//! An `ExternalName` Service: its cluster name answers with a CNAME to another host, as the
//! cluster DNS answers for it (kubernetes.io "Service", type ExternalName). No load balancer,
//! no selector, no ports: a name only.

use crate::model::document_order::DocumentOrder;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalName {
    pub name: crate::model::ServiceName,
    pub namespace: crate::model::Namespace,
    /// `spec.externalName` without a trailing dot: a DNS subdomain, checked where it is read.
    pub target: String,
    /// Place in the input, for document order.
    pub order: DocumentOrder,
    /// The Service's name.
    pub span: Span,
}
