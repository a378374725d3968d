//! Every Kubernetes object of the input, collected by kind in document order, waiting for
//! their references to ConfigMaps and Secrets to be settled before they join the intent; and the one duplicate Kubernetes itself refuses within a kind's store
//! (two ConfigMaps of one name and namespace).

use super::call_targets::calls_in;
use super::config_map::ConfigMap;
use super::pod::PodConfig;
use super::reader::Sink;
use super::storage_class::StorageClass;
use super::volume_claim::PersistentClaim;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::ExternalName;
use crate::model::document_order::DocumentOrder;
use crate::model::intent::{
    Autoscaler, Budget, Endpoints, Ingress, IngressClass, Intent, NetworkPolicy, Service,
    ServiceAccount, Workload,
};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

/// Everything Kubernetes in the input, in document order.
#[derive(Default)]
pub struct Objects {
    pub(super) deployments: Vec<Workload>,
    /// What each of `deployments` (by index) reads from ConfigMaps and Secrets, settled by
    /// `references::resolve_references` before the workloads join the intent.
    pub(super) pod_configs: Vec<PodConfig>,
    pub(super) services: Vec<Service>,
    pub(super) external_names: Vec<ExternalName>,
    /// By (name, namespace): looked up once per reference, and by name alone for hints.
    pub(super) config_maps: BTreeMap<(String, String), ConfigMap>,
    /// Only which Secrets exist, by (name, namespace): each is an error of its own, and
    /// references to it are not reported again.
    pub(super) secrets: BTreeSet<(String, String)>,
    pub(super) ingresses: Vec<Ingress>,
    pub(super) ingress_classes: Vec<IngressClass>,
    pub(super) service_accounts: Vec<ServiceAccount>,
    pub(super) autoscalers: Vec<Autoscaler>,
    pub(super) budgets: Vec<Budget>,
    pub(super) network_policies: Vec<NetworkPolicy>,
    /// Endpoints and EndpointSlices: addresses of Services without a selector.
    pub(super) endpoints: Vec<Endpoints>,
    /// PersistentVolumeClaims, resolved against the pods that mount them
    /// (`persistent_volume_claim::resolve_claims`).
    pub(super) claims: Vec<PersistentClaim>,
    /// StorageClasses, which the claims' volumes take their type from.
    pub(super) storage_classes: Vec<StorageClass>,
    /// Where the last object read stands: its document, then its place within a List.
    order: DocumentOrder,
}

impl Objects {
    /// Deployments read so far, for the early quota check.
    #[must_use]
    pub fn deployment_count(&self) -> usize {
        self.deployments.len()
    }

    /// Hands every object the passes read over to `intent`.
    pub fn add_to(self, intent: &mut Intent) {
        for (pending, config) in self.deployments.iter().zip(&self.pod_configs) {
            intent.calls.extend(calls_in(
                pending.deployment.name.as_str(),
                &pending.deployment.namespace,
                config,
            ));
        }
        intent.workloads.extend(self.deployments);
        intent.services.extend(self.services);
        intent.external_names.extend(self.external_names);
        intent.ingresses.extend(self.ingresses);
        intent.ingress_classes.extend(self.ingress_classes);
        intent.accounts.extend(self.service_accounts);
        intent.autoscalers.extend(self.autoscalers);
        intent.budgets.extend(self.budgets);
        intent.network_policies.extend(self.network_policies);
        intent.endpoints.extend(self.endpoints);
    }

    /// Starts reading `document`, so deployments sort in document order.
    pub fn start_document(&mut self, document: DocumentOrder) {
        self.order = document;
    }

    /// The place of the next object read, for document order.
    pub(super) fn next_order(&mut self) -> DocumentOrder {
        self.order = self.order.next();
        self.order
    }

    /// Keeps `config_map` (whose name is written at `name_span`) unless one of its name and
    /// namespace is kept already: that is an error, as `kubectl apply` would keep only one.
    pub(super) fn add_config_map(
        &mut self,
        config_map: ConfigMap,
        name_span: Span,
        sink: &mut Sink,
    ) {
        let key = (config_map.name.clone(), config_map.namespace.clone());
        if self.config_maps.contains_key(&key) {
            sink.push(
                Diagnostic::error(
                    Code::DuplicateDeployment,
                    Some(name_span),
                    format!(
                        "ConfigMap `{}` is defined twice in namespace `{}`",
                        key.0, key.1
                    ),
                )
                .with_help("`kubectl apply` would keep only the later one; keep one of them"),
            );
            return;
        }
        self.config_maps.insert(key, config_map);
    }
}
