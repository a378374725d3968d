//! Objects that act on workloads they name or select: autoscalers, disruption budgets and the
//! accounts pods run as.

use super::requests::BudgetAmount;
use crate::source::Span;

/// The annotation EKS reads a ServiceAccount's role from.
pub const ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

/// An autoscaler read, its target not yet found.
#[derive(Debug, Clone)]
pub struct Autoscaler {
    pub name: String,
    pub namespace: crate::model::Namespace,
    pub span: Span,
    pub target_kind: (String, Span),
    pub target_name: (String, Span),
    pub min_replicas: u32,
    pub max_replicas: (u32, Option<Span>),
    /// The CPU utilisation target (percent of the pods' requests) and where it is written;
    /// `None` when metrics are given and none is CPU utilisation.
    pub cpu: Option<(u32, Option<Span>)>,
}

/// A budget read.
#[derive(Debug, Clone)]
pub struct Budget {
    pub name: String,
    pub namespace: crate::model::Namespace,
    pub span: Span,
    /// `matchLabels`; `None` when there is no selector, which selects nothing.
    pub selector: Option<Vec<(String, String)>>,
    /// policy/v1: an empty selector (`{}`) selects every pod of the namespace; v1beta1: none
    /// (API reference, PodDisruptionBudgetSpec).
    pub empty_selects_all: bool,
    pub amount: BudgetAmount,
}

/// A ServiceAccount read.
#[derive(Debug, Clone)]
pub struct ServiceAccount {
    pub name: String,
    pub namespace: crate::model::Namespace,
    pub span: Span,
    /// The role's ARN (checked), its name, and where the annotation's value is.
    pub role: Option<(String, String, Span)>,
}
