//! A Service as read: the load balancer it asks for and the workloads it selects, not yet
//! found.

use super::ReadName;
use super::balancing::{TargetSettings, Written};
use super::requests::{HealthCheckRequest, IntOrString, PortRequest};
use crate::cidr::Cidr;
use crate::model::document_order::DocumentOrder;
use crate::model::{BalancerLayer, Port, Protocol, ServiceName};
use crate::source::Span;

#[derive(Debug, Clone)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: Port,
    /// A container port number or name; `None` means the same number as `port`.
    pub target: Option<IntOrString>,
    pub udp: bool,
    /// From `appProtocol` (`http`, `https`): an explicit listener protocol.
    pub app_protocol: Option<Protocol>,
    pub span: Span,
    pub target_span: Span,
}

/// Which ports terminate TLS (`aws-load-balancer-ssl-ports`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SslPorts {
    All,
    Listed(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: ReadName<ServiceName>,
    pub namespace: crate::model::Namespace,
    /// Place in the input, for document order.
    pub order: DocumentOrder,
    pub span: Span,
    pub selector: Selector,
    pub public: bool,
    /// The layer the input asked for; `None` lets the ports' protocols decide.
    pub layer: Option<BalancerLayer>,
    pub ports: Vec<ServicePort>,
    /// Ports already paired with the containers that listen on them (a short manifest's
    /// `ports:`, written in the container): planned as they are, whatever else the backend's
    /// reading found, since they need nothing more of it.
    pub requests: Vec<PortRequest>,
    pub certificate: Option<String>,
    pub ssl_ports: SslPorts,
    pub backend: Option<Protocol>,
    pub health: HealthCheckRequest,
    /// `spec.loadBalancerSourceRanges`, or else the `load-balancer-source-ranges`
    /// annotation: the only ranges its load balancer admits, canonical, and where they are
    /// written.
    pub source_ranges: Option<Written<Vec<Cidr>>>,
    /// `alb.ingress.kubernetes.io/` target group settings for Ingresses routing here.
    pub ingress_targets: TargetSettings,
    /// Where `clusterIP: None` is written: a headless Service, whose name lists the pods
    /// themselves (`crate::infer::ordinals`).
    pub headless: Option<Span>,
    /// Where `type: LoadBalancer` is written.
    pub load_balancer_type: Option<Span>,
}

/// A port a Service's load balancer listens on, as an Ingress backend names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenPort<'a> {
    pub number: Port,
    pub name: Option<&'a str>,
    pub udp: bool,
}

impl Service {
    /// A Service as a reader starts it: `name` in `namespace`, at `order` and `span`, selecting
    /// nothing, with no ports, internal, and every annotation-given setting unset. Readers set
    /// what they read over it.
    #[must_use]
    pub fn as_read(
        name: ReadName<ServiceName>,
        namespace: crate::model::Namespace,
        order: DocumentOrder,
        span: Span,
    ) -> Service {
        Service {
            name,
            namespace,
            order,
            span,
            selector: Selector::Labels(Vec::new()),
            public: false,
            layer: None,
            ports: Vec::new(),
            requests: Vec::new(),
            certificate: None,
            ssl_ports: SslPorts::All,
            backend: None,
            health: HealthCheckRequest::default(),
            source_ranges: None,
            ingress_targets: TargetSettings::default(),
            headless: None,
            load_balancer_type: None,
        }
    }

    /// Every port the Service listens on: its Kubernetes ports, then the ports a short
    /// manifest paired with its containers (which have no names).
    pub fn listen_ports(&self) -> impl Iterator<Item = ListenPort<'_>> {
        let declared = self.ports.iter().map(|port| ListenPort {
            number: port.port,
            name: port.name.as_deref(),
            udp: port.udp,
        });
        let paired = self.requests.iter().map(|request| ListenPort {
            number: request.listener_port,
            name: None,
            udp: request.listener_protocol == Some(Protocol::Udp),
        });
        declared.chain(paired)
    }

    /// Whether TLS ends at this listener port (by number or port name).
    #[must_use]
    pub fn terminates_tls(&self, port: Port, name: Option<&str>) -> bool {
        self.certificate.is_some()
            && match &self.ssl_ports {
                SslPorts::All => true,
                SslPorts::Listed(ports) => ports
                    .iter()
                    .any(|listed| *listed == port.to_string() || Some(listed.as_str()) == name),
            }
    }
}

/// Which workloads a Service's load balancer forwards to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Those in the Service's namespace whose pod template carries every one of these labels
    /// (a Kubernetes Service); none selects nothing.
    Labels(Vec<(String, String)>),
    /// The one workload read from the same document (a short manifest's own service).
    SameDocument(DocumentOrder),
}
