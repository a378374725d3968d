//! Label selection, as Kubernetes does it: a selector picks the Deployments whose pod template
//! carries every label it names, within its own namespace. Services, Ingress routing and
//! PodDisruptionBudgets all select this way; a short manifest's service selects the one
//! workload of its own document.

use crate::model::intent::{Selector, Service, Workload};

/// Whether `service` selects the Deployment.
pub fn selects(service: &Service, pending: &Workload) -> bool {
    match &service.selector {
        Selector::Labels(labels) => matches(&service.namespace, labels, pending),
        Selector::SameDocument(order) => *order == pending.order,
    }
}

/// Whether a label selector in `namespace` picks the Deployment: every label it names is on
/// the pod template, in the same namespace (Services, PodDisruptionBudgets).
pub fn matches(namespace: &str, selector: &[(String, String)], pending: &Workload) -> bool {
    namespace == pending.deployment.namespace
        && selector.iter().all(|label| pending.labels.contains(label))
}
