//! The second phase of reading Kubernetes input, with every object collected: the order in
//! which objects find each other. References to ConfigMaps and Secrets settle first; then
//! ServiceAccounts, HorizontalPodAutoscalers and PodDisruptionBudgets find their Deployments
//! (autoscalers before budgets: a budget's percentages are of the autoscaler's minimum); then
//! Services (`selection`), and Ingresses last, whose backends are Services as planned.

use super::objects::Objects;
use super::reader::Sink;
use super::routing::{Context, resolve_ingresses};
use super::selection::plan_services;
use super::{autoscaler, disruption_budget, references, service_account};
use crate::input::document_order::DocumentOrder;
use crate::model::{self, Deployment};

/// The model objects of the Kubernetes input, each with its place in the input.
#[derive(Debug, Default)]
pub struct Resolved {
    pub deployments: Vec<(DocumentOrder, Deployment)>,
    pub services: Vec<(DocumentOrder, model::Service)>,
    pub ingresses: Vec<(DocumentOrder, model::Ingress)>,
}

/// Resolves every object collected into the model's.
pub fn resolve(mut objects: Objects, sink: &mut Sink) -> Resolved {
    references::resolve_references(&mut objects, sink);
    let Objects {
        mut deployments,
        services,
        ingresses,
        service_accounts,
        autoscalers,
        budgets,
        ..
    } = objects;
    service_account::resolve(&service_accounts, &mut deployments, sink);
    autoscaler::resolve(&autoscalers, &mut deployments, sink);
    disruption_budget::resolve(&budgets, &mut deployments, sink);
    let planned = plan_services(&services, &deployments, sink);
    let context = Context {
        services: &services,
        deployments: &deployments,
        planned: &planned,
    };
    let ingresses = resolve_ingresses(ingresses, &context, sink);
    Resolved {
        deployments: deployments
            .into_iter()
            .filter(|pending| !pending.failed)
            .map(|pending| (pending.order, pending.deployment))
            .collect(),
        services: planned,
        ingresses,
    }
}
