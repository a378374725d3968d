//! The endpoints pass: a Service without a selector, with Endpoints or EndpointSlices naming
//! it, becomes the list of their ready addresses under its cluster name, as the cluster DNS
//! answers for a headless Service (kubernetes.io "Services without selectors", "DNS for
//! Services and Pods"). There is no proxy: callers reach the addresses directly on the port
//! they dial, which is the Service's `port`. Where kube-proxy would forward that port to
//! another port of an address (matching the Service port to the endpoint port by name and
//! protocol, as `ServicePortName` does), or to no port of it, the call would go elsewhere
//! than written: an error, never a silent rewiring. A headless Service has no such port: its
//! callers dial the addresses' own ports.
//!
//! Endpoints of a Service with a selector are its controllers' to write, and Endpoints of a
//! Service the input does not hold name nothing: both are ignored with a warning.

use crate::diagnostic::{Code, Diagnostic, Diagnostics, other_line};
use crate::model;
use crate::model::document_order::DocumentOrder;
use crate::model::intent::endpoints::{EndpointAddress, EndpointPort, Endpoints, EndpointsKind};
use crate::model::intent::{Selector, Service, ServicePort};
use crate::model::{Namespace, Port, ServiceEndpoints, ServiceName};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

/// What the pass made of the input's Endpoints and EndpointSlices.
#[derive(Debug, Default)]
pub struct Resolved {
    /// Each selectorless Service with ready addresses, in document order.
    pub names: Vec<ServiceEndpoints>,
    /// Every selectorless Service some Endpoints or EndpointSlice names, by (namespace, name):
    /// the pass has spoken for them, so no other pass warns that they select nothing.
    pub claimed: BTreeSet<(Namespace, String)>,
}

/// Matches `endpoints` to `services` and resolves the names of the selectorless ones.
#[must_use]
pub fn resolve_endpoints(
    endpoints: Vec<Endpoints>,
    services: &[Service],
    sink: &mut Vec<Diagnostic>,
) -> Resolved {
    let endpoints = one_per_name(endpoints, sink);
    let mut by_service: BTreeMap<(Namespace, &str), Vec<&Endpoints>> = BTreeMap::new();
    for object in &endpoints {
        by_service
            .entry((object.namespace.clone(), object.service.as_str()))
            .or_default()
            .push(object);
    }
    let mut resolved = Resolved::default();
    let mut seen: BTreeSet<(Namespace, &str)> = BTreeSet::new();
    let mut services: Vec<&Service> = services.iter().collect();
    services.sort_by_key(|service| service.order);
    for service in services {
        // A refused name is reported where it is read, and names nothing to list addresses for.
        let Some(name) = service.name.checked() else {
            continue;
        };
        let key = (service.namespace.clone(), name.as_str());
        let Some(objects) = by_service.get(&key) else {
            continue;
        };
        if !seen.insert(key) {
            // A second Service of the name: the duplicate is reported where Services are.
            continue;
        }
        if service.selector != Selector::Labels(Vec::new()) {
            for object in objects {
                sink.push(ignored(
                    object,
                    format!(
                        "Service `{}` has a selector, so Kubernetes' controllers write its endpoints",
                        service.name
                    ),
                    "drop this object, or the Service's selector to give it these addresses",
                ));
            }
            continue;
        }
        resolved
            .claimed
            .insert((service.namespace.clone(), name.as_str().to_string()));
        if let Some(name) = resolve_service(service, name, objects, sink) {
            resolved.names.push(name);
        }
    }
    for ((namespace, name), objects) in &by_service {
        if seen.contains(&(namespace.clone(), *name)) {
            continue;
        }
        for object in objects {
            sink.push(ignored(
                object,
                format!("no Service `{name}` of namespace `{namespace}` is in the input, so no name exists for its addresses"),
                "add the Service without a selector that these addresses stand for",
            ));
        }
    }
    resolved
}

/// The objects to read: one of each kind, namespace and name, as Kubernetes stores one; an
/// error at every later one, since which the author meant cannot be told.
fn one_per_name(mut endpoints: Vec<Endpoints>, sink: &mut Vec<Diagnostic>) -> Vec<Endpoints> {
    endpoints.sort_by_key(|object| object.order);
    let mut first: BTreeMap<(EndpointsKind, Namespace, String), Span> = BTreeMap::new();
    endpoints.retain(|object| {
        let key = (object.kind, object.namespace.clone(), object.name.clone());
        match first.get(&key) {
            Some(other) => {
                sink.push(
                    Diagnostic::error(
                        Code::DuplicateDeployment,
                        Some(object.span),
                        format!(
                            "{} `{}` of namespace `{}` is defined twice",
                            object.kind.as_str(),
                            object.name,
                            object.namespace
                        ),
                    )
                    .with_help(format!(
                        "{}Kubernetes keeps one object per name and namespace: merge their addresses into one, or rename one",
                        other_line(*other, object.span)
                    )),
                );
                false
            }
            None => {
                first.insert(key, object.span);
                true
            }
        }
    });
    endpoints
}

fn ignored(object: &Endpoints, why: String, help: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::EndpointsService,
        Some(object.span),
        format!(
            "{} `{}` is ignored: {why}",
            object.kind.as_str(),
            object.name
        ),
    )
    .with_help(help)
}

/// The name of selectorless `service` from the addresses of `objects`, or `None` (after
/// saying why) when it cannot be given as written or lists no ready address.
fn resolve_service(
    service: &Service,
    name: &ServiceName,
    objects: &[&Endpoints],
    sink: &mut Vec<Diagnostic>,
) -> Option<ServiceEndpoints> {
    if let Some(span) = service.load_balancer_type {
        sink.push(
            Diagnostic::error(
                Code::EndpointsService,
                Some(span),
                format!(
                    "Service `{}` of type LoadBalancer has no selector: its load balancer would forward to the addresses of its {}, and i2kit makes no load balancer in front of addresses",
                    service.name,
                    objects[0].kind.as_str()
                ),
            )
            .with_help("make it `type: ClusterIP`, whose name lists the addresses for callers inside the VPC, or give it a selector"),
        );
        return None;
    }
    report_not_ready(service, objects, sink);
    let ready: Vec<(&Endpoints, &EndpointAddress)> = objects
        .iter()
        .flat_map(|object| {
            object
                .addresses
                .iter()
                .map(move |address| (*object, address))
        })
        .filter(|(_, address)| address.ready)
        .collect();
    let errors_before = sink.error_count();
    if service.headless.is_none() {
        check_ports(service, &ready, sink);
        report_unused_hostnames(service, objects, sink);
    }
    if sink.error_count() > errors_before {
        return None;
    }
    if ready.is_empty() {
        sink.push(Diagnostic::warning(
            Code::ServiceSelection,
            Some(service.span),
            format!(
                "Service `{}` has no selector and its {} list no ready address, so its name would not resolve; it is ignored",
                service.name,
                objects[0].kind.as_str()
            ),
        ));
        return None;
    }
    let mut hostnames: BTreeMap<_, BTreeSet<_>> = BTreeMap::new();
    if service.headless.is_some() {
        for (_, address) in &ready {
            if let Some(hostname) = &address.hostname {
                hostnames
                    .entry(hostname.clone())
                    .or_default()
                    .insert(address.ip);
            }
        }
    }
    Some(ServiceEndpoints {
        name: name.clone(),
        namespace: service.namespace.clone(),
        addresses: ready.iter().map(|(_, address)| address.ip).collect(),
        hostnames,
        span: service.span,
    })
}

/// A warning at each place addresses are said not to be ready: the cluster DNS leaves them out.
fn report_not_ready(service: &Service, objects: &[&Endpoints], sink: &mut Vec<Diagnostic>) {
    for object in objects {
        let places: BTreeSet<Span> = object
            .addresses
            .iter()
            .filter_map(|address| address.not_ready_span)
            .collect();
        let field = match object.kind {
            EndpointsKind::Endpoints => "notReadyAddresses",
            EndpointsKind::EndpointSlice => "conditions.ready: false",
        };
        for span in places {
            sink.push(Diagnostic::warning(
                Code::IgnoredField,
                Some(span),
                format!(
                    "the addresses under `{field}` of {} `{}` are not listed in the name of Service `{}`: the cluster DNS lists ready addresses only",
                    object.kind.as_str(),
                    object.name,
                    service.name
                ),
            ));
        }
    }
}

/// A warning per object whose addresses have hostnames under a Service with a cluster IP: the
/// cluster DNS names an address by its hostname under a headless Service only.
fn report_unused_hostnames(service: &Service, objects: &[&Endpoints], sink: &mut Vec<Diagnostic>) {
    for object in objects {
        if let Some(address) = object
            .addresses
            .iter()
            .find(|address| address.hostname.is_some())
        {
            sink.push(Diagnostic::warning(
                Code::IgnoredField,
                Some(address.span),
                format!(
                    "the `hostname`s of {} `{}` are ignored: the cluster DNS names addresses by hostname only under a headless Service, and `{}` has a cluster IP",
                    object.kind.as_str(),
                    object.name,
                    service.name
                ),
            ));
        }
    }
}

/// How many port errors one Service gets before the rest go unreported: enough to act on, and
/// it bounds the work, as a port list that serves every Service port is at least as long as
/// the Service's ports, so the checks that pass cost no more than the lists read.
const MAX_PORT_ERRORS: usize = 20;

/// For a Service with a cluster IP: every ready address must serve every Service port on the
/// port's own number, since callers dial that number at the address. Addresses share their
/// subset's or slice's ports, so each list is checked once, naming its first ready address;
/// one error per object and Service port.
fn check_ports(
    service: &Service,
    ready: &[(&Endpoints, &EndpointAddress)],
    sink: &mut Vec<Diagnostic>,
) {
    // By object too: the empty lists of two objects may share an address.
    let mut checked: BTreeSet<(Span, *const EndpointPort)> = BTreeSet::new();
    let mut reported: BTreeSet<(Span, usize)> = BTreeSet::new();
    for (object, address) in ready {
        if !checked.insert((object.span, address.ports.as_ptr())) {
            continue;
        }
        // Kube-proxy's ServicePortName: the port's name and protocol; a port without a number
        // is skipped.
        let served: BTreeMap<(&str, bool), (&EndpointPort, Port)> = address
            .ports
            .iter()
            .rev()
            .filter_map(|endpoint| {
                let number = endpoint.port?;
                Some(((endpoint.name.as_str(), endpoint.udp), (endpoint, number)))
            })
            .collect();
        for (index, port) in service.ports.iter().enumerate() {
            if reported.len() >= MAX_PORT_ERRORS {
                return;
            }
            let name = port.name.as_deref().unwrap_or_default();
            let problem = match served.get(&(name, port.udp)) {
                Some((_, number)) if *number == port.port => continue,
                _ if reported.contains(&(object.span, index)) => continue,
                Some((endpoint, number)) => Diagnostic::error(
                    Code::EndpointsService,
                    Some(endpoint.span),
                    format!(
                        "{} `{}` serves port {} of Service `{}` on {number}: with no proxy in between, callers dial {}:{}, where kube-proxy would forward them to {}:{number}",
                        object.kind.as_str(),
                        object.name,
                        describe(port),
                        service.name,
                        address.ip,
                        port.port,
                        address.ip,
                    ),
                )
                .with_help(format!(
                    "make the Service's `port` and this port equal: both {} or both {number}",
                    port.port
                )),
                None => Diagnostic::error(
                    Code::EndpointsService,
                    Some(address.span),
                    format!(
                        "address {} of {} `{}` serves no port named `{name}` ({}), so kube-proxy would give callers of port {} of Service `{}` no endpoint there, and a DNS name cannot leave the address out for one port",
                        address.ip,
                        object.kind.as_str(),
                        object.name,
                        if port.udp { "UDP" } else { "TCP" },
                        describe(port),
                        service.name
                    ),
                )
                .with_help(format!(
                    "list `{{name: \"{name}\", port: {}}}` under the ports of this address, or give the addresses of each port a Service of their own",
                    port.port
                )),
            };
            reported.insert((object.span, index));
            sink.push(problem);
        }
    }
}

/// "80" or "80 (`http`)".
fn describe(port: &ServicePort) -> String {
    match &port.name {
        Some(name) => format!("{} (`{name}`)", port.port),
        None => port.port.to_string(),
    }
}

/// The names to write: each unless a load balancer planned for the input answers to the same
/// name (the implicit one of a Deployment no Service selects, named after it), in which case
/// the two records would collide and callers could reach either: an error at the Service.
#[must_use]
pub fn refuse_taken_names(
    names: Vec<ServiceEndpoints>,
    planned: &[(DocumentOrder, model::Service)],
    sink: &mut Vec<Diagnostic>,
) -> Vec<ServiceEndpoints> {
    let answering: BTreeSet<(&Namespace, &str)> = planned
        .iter()
        .map(|(_, service)| (&service.namespace, service.name.as_str()))
        .collect();
    names
        .into_iter()
        .filter(|name| {
            if !answering.contains(&(&name.namespace, name.name.as_str())) {
                return true;
            }
            sink.push(
                Diagnostic::error(
                    Code::EndpointsService,
                    Some(name.span),
                    format!(
                        "Service `{}` lists the addresses of its endpoints under `{}`, and the load balancer planned for `{}` answers to that name too",
                        name.name,
                        crate::dns::service_domain_of(name.name.as_str(), &name.namespace),
                        name.name
                    ),
                )
                .with_help("rename the Service, or the Deployment whose VMs the load balancer fronts"),
            );
            false
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Port;
    use crate::model::intent::endpoints::EndpointPort;
    use crate::model::intent::read_name::ReadName;
    use crate::model::intent::requests::IntOrString;
    use std::net::Ipv4Addr;
    use std::sync::Arc;

    fn service(name: &str, ports: &[(Option<&str>, u16)]) -> Service {
        let mut service = Service::as_read(
            ReadName::from_checked(ServiceName::new(name)),
            Namespace::default(),
            DocumentOrder::default(),
            Span::at(1, 1),
        );
        service.ports = ports
            .iter()
            .enumerate()
            .map(|(line, (name, number))| ServicePort {
                name: name.map(str::to_string),
                port: Port::new(*number).unwrap(),
                target: Some(IntOrString::Int(1)),
                udp: false,
                app_protocol: None,
                span: Span::at(line + 2, 1),
                target_span: Span::at(line + 2, 1),
            })
            .collect();
        service
    }

    fn address(ip: [u8; 4], ready: bool, ports: &[(&str, u16)]) -> EndpointAddress {
        EndpointAddress {
            ip: Ipv4Addr::from(ip),
            hostname: None,
            ready,
            ports: ports
                .iter()
                .map(|(name, number)| EndpointPort {
                    name: (*name).to_string(),
                    port: Port::new(*number),
                    udp: false,
                    span: Span::at(20, 1),
                })
                .collect(),
            span: Span::at(10, 1),
            not_ready_span: (!ready).then(|| Span::at(11, 1)),
        }
    }

    fn endpoints(service: &str, addresses: Vec<EndpointAddress>) -> Endpoints {
        Endpoints {
            kind: EndpointsKind::Endpoints,
            name: service.to_string(),
            service: service.to_string(),
            namespace: Namespace::default(),
            addresses,
            order: DocumentOrder::default(),
            span: Span::at(9, 1),
        }
    }

    fn codes(sink: &[Diagnostic]) -> Vec<(&'static str, bool)> {
        sink.iter()
            .map(|problem| (problem.code.as_str(), problem.is_error()))
            .collect()
    }

    #[test]
    fn ready_addresses_are_listed_and_not_ready_ones_left_out_with_a_warning() {
        let mut sink = Vec::new();
        let resolved = resolve_endpoints(
            vec![endpoints(
                "db",
                vec![
                    address([10, 0, 0, 2], true, &[("", 5432)]),
                    address([10, 0, 0, 1], true, &[("", 5432)]),
                    address([10, 0, 0, 3], false, &[("", 5432)]),
                ],
            )],
            &[service("db", &[(None, 5432)])],
            &mut sink,
        );
        assert_eq!(codes(&sink), [("I2K023", false)]);
        let [name] = resolved.names.as_slice() else {
            panic!("one name: {resolved:?}");
        };
        assert_eq!(
            name.addresses
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["10.0.0.1", "10.0.0.2"]
        );
        assert!(
            resolved
                .claimed
                .contains(&(Namespace::default(), "db".to_string()))
        );
    }

    #[test]
    fn a_port_callers_would_not_reach_as_kube_proxy_would_is_an_error() {
        // The endpoint port differs from the Service's: callers would dial the wrong one.
        let mut sink = Vec::new();
        let resolved = resolve_endpoints(
            vec![endpoints(
                "db",
                vec![address([10, 0, 0, 1], true, &[("pg", 6432)])],
            )],
            &[service("db", &[(Some("pg"), 5432)])],
            &mut sink,
        );
        assert_eq!(codes(&sink), [("I2K079", true)]);
        assert!(resolved.names.is_empty());
        // Matched by name: an unnamed endpoint port does not serve a named Service port.
        let mut sink = Vec::new();
        let _ = resolve_endpoints(
            vec![endpoints(
                "db",
                vec![address([10, 0, 0, 1], true, &[("", 5432)])],
            )],
            &[service("db", &[(Some("pg"), 5432)])],
            &mut sink,
        );
        assert_eq!(codes(&sink), [("I2K079", true)]);
    }

    #[test]
    fn a_headless_service_lists_addresses_whatever_their_ports_and_names_hostnames() {
        let mut headless = service("cache", &[(Some("redis"), 6379)]);
        headless.headless = Some(Span::at(3, 1));
        let mut named = address([10, 0, 0, 1], true, &[("redis", 6380)]);
        named.hostname = crate::model::DnsLabel::new("cache-0");
        let mut sink = Vec::new();
        let resolved = resolve_endpoints(
            vec![endpoints("cache", vec![named])],
            &[headless],
            &mut sink,
        );
        assert!(sink.is_empty(), "{sink:?}");
        let [name] = resolved.names.as_slice() else {
            panic!("one name: {resolved:?}");
        };
        assert_eq!(
            name.hostnames
                .keys()
                .map(|label| label.as_str())
                .collect::<Vec<_>>(),
            ["cache-0"]
        );
    }

    #[test]
    fn endpoints_of_a_selected_or_absent_service_are_ignored_and_a_load_balancer_refused() {
        let mut selected = service("web", &[(None, 80)]);
        selected.selector = Selector::Labels(vec![("app".to_string(), "web".to_string())]);
        let mut balanced = service("legacy", &[(None, 443)]);
        balanced.load_balancer_type = Some(Span::at(4, 1));
        let ports = [("", 80)];
        let mut sink = Vec::new();
        let resolved = resolve_endpoints(
            vec![
                endpoints("web", vec![address([10, 0, 0, 1], true, &ports)]),
                endpoints("nobody", vec![address([10, 0, 0, 1], true, &ports)]),
                endpoints("legacy", vec![address([10, 0, 0, 1], true, &[("", 443)])]),
            ],
            &[selected, balanced],
            &mut sink,
        );
        assert_eq!(
            codes(&sink),
            [("I2K079", false), ("I2K079", true), ("I2K079", false)]
        );
        assert!(resolved.names.is_empty());
        assert!(
            !resolved
                .claimed
                .contains(&(Namespace::default(), "web".to_string()))
        );
    }

    #[test]
    fn many_addresses_sharing_many_ports_cost_their_sum_not_their_product() {
        // 20,000 addresses of one subset, 2,000 ports each way: checked per address and port,
        // this is 10^10 comparisons; per shared list, a few thousand.
        let numbers: Vec<u16> = (1..=2000).collect();
        let names: Vec<String> = numbers.iter().map(|number| format!("p{number}")).collect();
        let ports: Arc<[EndpointPort]> = numbers
            .iter()
            .zip(&names)
            .map(|(number, name)| EndpointPort {
                name: name.clone(),
                port: Port::new(*number),
                udp: false,
                span: Span::at(20, 1),
            })
            .collect();
        let addresses = (0..20_000u32)
            .map(|index| EndpointAddress {
                ports: Arc::clone(&ports),
                ..address((0x0a00_0000 + index).to_be_bytes(), true, &[])
            })
            .collect();
        let written: Vec<(Option<&str>, u16)> = names
            .iter()
            .zip(&numbers)
            .map(|(name, number)| (Some(name.as_str()), *number))
            .collect();
        let mut sink = Vec::new();
        let resolved = resolve_endpoints(
            vec![endpoints("db", addresses)],
            &[service("db", &written)],
            &mut sink,
        );
        assert!(sink.is_empty(), "{:?}", sink.first());
        assert_eq!(resolved.names[0].addresses.len(), 20_000);
    }
}
