//! Label selection, as Kubernetes does it: a selector picks the Deployments whose pod template
//! carries every label it names, within its own namespace. Services, Ingress routing and
//! PodDisruptionBudgets all select this way.

use super::deployment::PendingDeployment;
use super::service::Service;

/// Whether `service` selects the Deployment.
pub(super) fn selects(service: &Service, pending: &PendingDeployment) -> bool {
    matches(&service.namespace, &service.selector, pending)
}

/// Whether a label selector in `namespace` picks the Deployment: every label it names is on
/// the pod template, in the same namespace (Services, PodDisruptionBudgets).
pub(super) fn matches(
    namespace: &str,
    selector: &[(String, String)],
    pending: &PendingDeployment,
) -> bool {
    namespace == pending.deployment.namespace
        && selector.iter().all(|label| pending.labels.contains(label))
}
