//! Which AWS product serves each Service's load balancer, and what AWS refuses of it.
//!
//! The model says the layer a load balancer works at; here it becomes an Elastic Load
//! Balancing product: an HTTP-aware balancer an Application Load Balancer, a
//! connection-forwarding one a Network Load Balancer, and one with each listener at its own
//! layer a Classic Load Balancer (the one product whose listeners mix HTTP and TCP). What a
//! product cannot do is refused before the template is planned, at the line that asks for it:
//! a listener protocol it does not carry, or a security group past its rule quota.

use crate::diagnostic::{Code, Diagnostic};
use crate::emit::aws_quotas::{MAX_SECURITY_GROUP_INBOUND_RULES, too_many_rules};
use crate::model::admission::inbound_rules;
use crate::model::{Application, BalancerLayer, Protocol, Service};

/// An Elastic Load Balancing product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalancerProduct {
    /// An Application Load Balancer (`AWS::ElasticLoadBalancingV2`, type `application`).
    Application,
    /// A Network Load Balancer (`AWS::ElasticLoadBalancingV2`, type `network`).
    Network,
    /// A Classic Load Balancer (`AWS::ElasticLoadBalancing`).
    Classic,
}

impl BalancerProduct {
    /// The product that serves a load balancer at `layer`.
    #[must_use]
    pub fn for_layer(layer: BalancerLayer) -> BalancerProduct {
        match layer {
            BalancerLayer::Http => BalancerProduct::Application,
            BalancerLayer::Connection => BalancerProduct::Network,
            BalancerLayer::PerListener => BalancerProduct::Classic,
        }
    }

    /// Whether the product's listeners can speak `protocol` (Elastic Load Balancing: an ALB
    /// listens with HTTP and HTTPS; an NLB with TCP, TLS and UDP; a Classic one with HTTP,
    /// HTTPS, TCP and SSL, which is TLS).
    #[must_use]
    pub fn carries(self, protocol: Protocol) -> bool {
        match self {
            BalancerProduct::Application => protocol.is_http_family(),
            BalancerProduct::Network => !protocol.is_http_family(),
            BalancerProduct::Classic => protocol != Protocol::Udp,
        }
    }

    /// Whether it is an Elastic Load Balancing v2 product, with listeners and target groups as
    /// resources of their own.
    #[must_use]
    pub fn has_target_groups(self) -> bool {
        self != BalancerProduct::Classic
    }

    fn described(self) -> &'static str {
        match self {
            BalancerProduct::Application => "an application load balancer",
            BalancerProduct::Network => "a network load balancer",
            BalancerProduct::Classic => "a classic load balancer",
        }
    }

    /// What the author can ask for instead, in the short form's words.
    fn alternative(self) -> &'static str {
        match self {
            BalancerProduct::Application => "set `loadBalancer: network` to carry TCP, TLS or UDP",
            BalancerProduct::Network => {
                "set `loadBalancer: application` to carry HTTP or HTTPS, or use TCP/TLS here"
            }
            BalancerProduct::Classic => "set `loadBalancer: network` to carry UDP",
        }
    }
}

/// What the products chosen for the application's Services refuse, each at its line.
///
/// # Errors
/// Those errors, when there is one.
pub fn check_balancers(application: &Application) -> Result<(), Vec<Diagnostic>> {
    let problems: Vec<Diagnostic> = application
        .services
        .iter()
        .flat_map(check_service)
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Every listener whose protocol the product cannot carry; when there is none, a security
/// group past its inbound rule quota.
fn check_service(service: &Service) -> Vec<Diagnostic> {
    let load_balancer = &service.load_balancer;
    let product = BalancerProduct::for_layer(load_balancer.layer);
    let refused: Vec<Diagnostic> = load_balancer
        .listeners
        .iter()
        .filter(|listener| !product.carries(listener.protocol))
        .map(|listener| {
            Diagnostic::error(
                Code::ProtocolMismatch,
                listener.span,
                format!(
                    "{} cannot listen with {} on port {}",
                    product.described(),
                    listener.protocol.as_str(),
                    listener.port
                ),
            )
            .with_help(product.alternative())
        })
        .collect();
    if !refused.is_empty() {
        return refused;
    }
    let Some(span) = load_balancer.source_ranges_span else {
        return Vec::new();
    };
    let ports = load_balancer.listeners.len();
    let rules = inbound_rules(
        load_balancer.public,
        false,
        std::iter::repeat_n(load_balancer.source_ranges.as_slice(), ports),
    );
    if rules > MAX_SECURITY_GROUP_INBOUND_RULES {
        let describe = format!("the load balancer of Service `{}`", service.name);
        return vec![too_many_rules(rules, ports, &describe, span)];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cidr::Cidr;
    use crate::model::{
        Admission, Certificate, HealthCheck, HttpSuccess, Listener, LoadBalancer, Namespace, Port,
    };
    use crate::source::Span;

    const PROTOCOLS: [Protocol; 5] = [
        Protocol::Http,
        Protocol::Https,
        Protocol::Tcp,
        Protocol::Tls,
        Protocol::Udp,
    ];

    fn listener(port: u16, protocol: Protocol) -> Listener {
        let backend = Port::new(8080).unwrap();
        Listener {
            port: Port::new(port).unwrap(),
            protocol,
            target_port: backend,
            target_protocol: protocol,
            certificate: Certificate::None,
            health_check: HealthCheck {
                protocol: Protocol::Tcp,
                port: backend,
                path: None,
                success: HttpSuccess::AnyAnswer,
                interval_seconds: 10,
                timeout_seconds: 5,
                healthy_threshold: 2,
                unhealthy_threshold: 3,
                guessed: false,
            },
            admission: Admission::Default,
            span: Some(Span::at(usize::from(port), 7)),
        }
    }

    fn service(layer: BalancerLayer, public: bool, listeners: Vec<Listener>) -> Service {
        Service {
            name: crate::model::ServiceName::new("web").expect("a label"),
            namespace: Namespace::default(),
            load_balancer: LoadBalancer {
                layer,
                public,
                listeners,
                source_ranges: Vec::new(),
                source_ranges_span: None,
            },
            backends: Vec::new(),
            span: Some(Span::at(1, 1)),
        }
    }

    fn with_ranges(mut service: Service, count: usize) -> Service {
        service.load_balancer.source_ranges = (0..count)
            .map(|index| Cidr::parse(&format!("10.0.{index}.0/24")).unwrap().cidr)
            .collect();
        service.load_balancer.source_ranges_span = Some(Span::at(90, 61));
        service
    }

    fn application(services: Vec<Service>) -> Application {
        Application {
            services,
            ..Application::default()
        }
    }

    #[test]
    fn each_layer_is_served_by_its_product() {
        assert_eq!(
            BalancerProduct::for_layer(BalancerLayer::Http),
            BalancerProduct::Application
        );
        assert_eq!(
            BalancerProduct::for_layer(BalancerLayer::Connection),
            BalancerProduct::Network
        );
        assert_eq!(
            BalancerProduct::for_layer(BalancerLayer::PerListener),
            BalancerProduct::Classic
        );
        assert!(BalancerProduct::Application.has_target_groups());
        assert!(BalancerProduct::Network.has_target_groups());
        assert!(!BalancerProduct::Classic.has_target_groups());
    }

    /// Elastic Load Balancing's listener protocols, product by product.
    #[test]
    fn each_product_carries_the_listener_protocols_aws_documents() {
        let carried = |product: BalancerProduct| -> Vec<Protocol> {
            PROTOCOLS
                .into_iter()
                .filter(|protocol| product.carries(*protocol))
                .collect()
        };
        assert_eq!(
            carried(BalancerProduct::Application),
            [Protocol::Http, Protocol::Https]
        );
        assert_eq!(
            carried(BalancerProduct::Network),
            [Protocol::Tcp, Protocol::Tls, Protocol::Udp]
        );
        assert_eq!(
            carried(BalancerProduct::Classic),
            [
                Protocol::Http,
                Protocol::Https,
                Protocol::Tcp,
                Protocol::Tls
            ]
        );
    }

    /// What inference moved here: the refusal inference made before, with its text, its help
    /// and the port's position.
    #[test]
    fn a_protocol_the_product_cannot_carry_is_refused_at_its_port() {
        for (layer, protocol, message, help) in [
            (
                BalancerLayer::Http,
                Protocol::Tcp,
                "an application load balancer cannot listen with TCP on port 5432",
                "set `loadBalancer: network` to carry TCP, TLS or UDP",
            ),
            (
                BalancerLayer::Connection,
                Protocol::Http,
                "a network load balancer cannot listen with HTTP on port 5432",
                "set `loadBalancer: application` to carry HTTP or HTTPS, or use TCP/TLS here",
            ),
            (
                BalancerLayer::PerListener,
                Protocol::Udp,
                "a classic load balancer cannot listen with UDP on port 5432",
                "set `loadBalancer: network` to carry UDP",
            ),
        ] {
            let carried = PROTOCOLS
                .into_iter()
                .find(|other| BalancerProduct::for_layer(layer).carries(*other))
                .unwrap();
            let refused = service(
                layer,
                true,
                vec![listener(80, carried), listener(5432, protocol)],
            );
            let problems = check_balancers(&application(vec![refused])).unwrap_err();
            assert_eq!(problems.len(), 1, "{layer:?}");
            assert_eq!(problems[0].code, Code::ProtocolMismatch);
            assert_eq!(problems[0].span, Some(Span::at(5432, 7)));
            assert_eq!(problems[0].message, message);
            assert_eq!(problems[0].help.as_deref(), Some(help));
        }
    }

    #[test]
    fn a_classic_load_balancer_mixes_http_and_tcp_listeners() {
        let mixed = service(
            BalancerLayer::PerListener,
            true,
            vec![
                listener(80, Protocol::Http),
                listener(443, Protocol::Https),
                listener(5432, Protocol::Tcp),
                listener(6379, Protocol::Tls),
            ],
        );
        assert_eq!(check_balancers(&application(vec![mixed])), Ok(()));
    }

    /// Each of two ports admits every range, and an internal load balancer the application's
    /// VMs besides: 30 ranges fill an internet-facing group's 60 rules exactly, and are one
    /// rule per port too many for an internal one.
    #[test]
    fn a_security_group_past_its_rule_quota_is_refused_at_the_ranges() {
        let two_ports = |public: bool| {
            service(
                BalancerLayer::Connection,
                public,
                vec![listener(83, Protocol::Tcp), listener(84, Protocol::Tcp)],
            )
        };
        assert_eq!(
            check_balancers(&application(vec![with_ranges(two_ports(true), 30)])),
            Ok(())
        );
        let problems =
            check_balancers(&application(vec![with_ranges(two_ports(false), 30)])).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, Code::SourceRange);
        assert_eq!(problems[0].span, Some(Span::at(90, 61)));
        assert_eq!(
            problems[0].message,
            "the load balancer of Service `web` would need at least 62 inbound rules of one address family in its security group (each of its 2 listener port(s) admits every range, and the application's VMs when internal); a security group holds 60"
        );
    }

    /// Ranges were counted only where the manifest wrote some, as inference did.
    #[test]
    fn a_load_balancer_without_written_ranges_is_not_counted() {
        let listeners = (1..=30).map(|port| listener(port, Protocol::Tcp)).collect();
        let internal = service(BalancerLayer::Connection, false, listeners);
        assert_eq!(check_balancers(&application(vec![internal])), Ok(()));
    }

    /// A refused protocol comes alone, as it did when inference stopped at it: the quota is
    /// counted on listeners the product can have.
    #[test]
    fn a_refused_protocol_is_reported_without_the_quota() {
        let refused = with_ranges(
            service(
                BalancerLayer::Http,
                false,
                vec![listener(83, Protocol::Tcp), listener(84, Protocol::Http)],
            ),
            40,
        );
        let problems = check_balancers(&application(vec![refused])).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, Code::ProtocolMismatch);
    }
}
