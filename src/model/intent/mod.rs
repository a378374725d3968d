//! The intent model: what the input asked for, as read, whatever its format. Readers fill only
//! this; the passes of `crate::infer` resolve it into the [`crate::model::Application`] the
//! emitters read. A short manifest is one [`Workload`] and, when it exposes ports, one
//! [`Service`] that selects it: the same objects a Kubernetes Deployment and Service give, so
//! both forms go through the same passes.

pub mod balancing;
pub mod call;
pub mod endpoints;
pub mod ingress;
pub mod ingress_class;
pub mod network_policy;
pub mod read_name;
pub mod requests;
pub mod scaling;
pub mod service;
pub mod workload;

pub use call::Call;
pub use endpoints::Endpoints;
pub use ingress::Ingress;
pub use ingress_class::IngressClass;
pub use network_policy::NetworkPolicy;
pub use read_name::ReadName;
pub use scaling::{Autoscaler, Budget, ServiceAccount};
pub use service::{Selector, Service, ServicePort, SslPorts};
pub use workload::{ContainerPort, Identity, Workload};

/// Everything one input asks for, each kind in document order.
#[derive(Debug, Default)]
pub struct Intent {
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub ingresses: Vec<Ingress>,
    pub ingress_classes: Vec<IngressClass>,
    pub accounts: Vec<ServiceAccount>,
    pub autoscalers: Vec<Autoscaler>,
    pub budgets: Vec<Budget>,
    /// Hosts named in containers' environments, for the Services they call.
    pub calls: Vec<Call>,
    pub network_policies: Vec<NetworkPolicy>,
    /// `ExternalName` Services: names only, no load balancer.
    pub external_names: Vec<crate::model::ExternalName>,
    /// Endpoints and EndpointSlices: the addresses of Services without a selector.
    pub endpoints: Vec<Endpoints>,
}
