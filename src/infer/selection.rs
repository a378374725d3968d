//! Services find their Deployments: each Service finds the Deployments it selects (by label,
//! within its namespace, as Kubernetes does) and becomes one load balancer in front of all of
//! them. A Deployment no Service selects keeps its declared container ports reachable inside
//! the VPC, as pod IPs are inside a cluster.

use crate::diagnostic::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::infer::label_selector::{explain_no_match, selects};
use crate::infer::load_balancer::plan_load_balancer;
use crate::model::document_order::DocumentOrder;
use crate::model::intent::requests::{HealthCheckRequest, IntOrString, PortRequest};
use crate::model::intent::{ContainerPort, Selector, Service, ServicePort, Workload};
use crate::model::{self, BalancerLayer, Namespace, Port, Protocol};
use std::collections::BTreeSet;

/// One load balancer for each Service that selects Deployments, in front of all of them, and
/// one inside the VPC for each Deployment no Service selects and that declares ports; each
/// with its place in the input.
///
/// A Service in `referred` (by namespace and name) that selects nothing is left to what refers
/// to it, whose error says so at the reference; any other is ignored with a warning.
pub fn plan_services(
    services: &[Service],
    deployments: &[Workload],
    referred: &BTreeSet<(Namespace, String)>,
    sink: &mut Vec<Diagnostic>,
) -> Vec<(DocumentOrder, model::Service)> {
    let mut plans = Vec::new();
    let mut served = vec![false; deployments.len()];
    let mut selecting_nothing = Vec::new();
    for service in services {
        if service.selector == Selector::Labels(Vec::new()) {
            sink.push(
                Diagnostic::warning(
                    Code::ServiceSelection,
                    Some(service.span),
                    format!(
                        "Service `{}` has no selector, so no VMs serve it; it is ignored",
                        service.name
                    ),
                )
                .with_help("give it a selector, or its addresses in an Endpoints object of its name or EndpointSlices labelled `kubernetes.io/service-name`"),
            );
            continue;
        }
        let selected: Vec<usize> = (0..deployments.len())
            .filter(|index| selects(service, &deployments[*index]))
            .collect();
        if selected.is_empty() {
            selecting_nothing.push(service);
            continue;
        }
        let backends: Vec<&Workload> = selected.iter().map(|index| &deployments[*index]).collect();
        // A backend with errors is not compiled; its errors already stop the compilation, and
        // its ports may be what failed. Ports already paired with their containers need
        // nothing of it, so they are still planned and their own problems reported.
        if service.requests.is_empty() && backends.iter().any(|pending| pending.failed) {
            continue;
        }
        if let Some(load_balancer) = plan_service(service, &backends, sink) {
            for index in selected {
                served[index] = true;
            }
            // A refused name (already an error) names no load balancer.
            if let Some(name) = service.name.checked() {
                plans.push((
                    service.order,
                    model::Service {
                        name: name.clone(),
                        namespace: service.namespace.clone(),
                        load_balancer,
                        backends: backends
                            .iter()
                            .filter_map(|pending| pending.deployment.name.checked().cloned())
                            .collect(),
                        span: Some(service.span),
                    },
                ));
            }
        }
    }
    for (pending, served) in deployments.iter().zip(served) {
        let named = pending
            .deployment
            .stateful
            .as_ref()
            .is_some_and(|stateful| !stateful.headless.is_empty());
        if pending.failed || served || named {
            continue;
        }
        match implicit_service(pending, sink) {
            Some(planned) => plans.push((pending.order, planned)),
            None if pending.liveness_delay.is_some() => sink.ignored(
                pending.span,
                &format!("livenessProbe of Deployment `{}`", pending.deployment.name),
                "with no port exposed, no load balancer can check the VMs",
            ),
            None => {}
        }
    }
    for service in selecting_nothing {
        if !referred.contains(&(service.namespace.clone(), service.name.as_str().to_string())) {
            sink.push(selects_nothing(service, deployments, &plans));
        }
    }
    plans
}

/// What to say of a Service that selects nothing and nothing routes to. Ignoring it is
/// harmless unless its name is also that of a Deployment no Service selects: that
/// Deployment's own load balancer answers to the name, so callers of the Service would reach
/// the Deployment's VMs where Kubernetes would give them no endpoint. That rewiring is an
/// error, never a fallback.
fn selects_nothing(
    service: &Service,
    deployments: &[Workload],
    plans: &[(DocumentOrder, model::Service)],
) -> Diagnostic {
    let takes_the_name = deployments.iter().find(|pending| {
        pending
            .deployment
            .name
            .checked()
            .is_some_and(|name| service.name == *name.as_str())
            && pending.deployment.namespace == service.namespace
            && plans
                .iter()
                .any(|(_, planned)| planned.span == Some(pending.span))
    });
    let problem = match takes_the_name {
        Some(pending) => Diagnostic::error(
            Code::ServiceSelection,
            Some(service.span),
            format!(
                "Service `{}` selects no Deployment in namespace `{}` of this input, and the internal load balancer of Deployment `{}`, which no Service selects, would answer to its name `{}` instead",
                service.name,
                service.namespace,
                pending.deployment.name,
                crate::dns::service_domain_of(service.name.as_str(), &service.namespace),
            ),
        ),
        None => Diagnostic::warning(
            Code::ServiceSelection,
            Some(service.span),
            format!(
                "Service `{}` selects no Deployment in namespace `{}` of this input; it is ignored",
                service.name, service.namespace
            ),
        ),
    };
    match &service.selector {
        Selector::Labels(labels) => {
            problem.with_help(explain_no_match(&service.namespace, labels, deployments))
        }
        Selector::SameDocument(_) => problem,
    }
}

/// One load balancer for `service`, forwarding to the VMs of every backend.
fn plan_service(
    service: &Service,
    backends: &[&Workload],
    sink: &mut Vec<Diagnostic>,
) -> Option<model::LoadBalancer> {
    let errors_before = sink.error_count();
    let mut requests = service.requests.clone();
    requests.extend(
        service
            .ports
            .iter()
            .filter_map(|port| port_request(service, port, backends, sink)),
    );
    if sink.error_count() > errors_before {
        return None;
    }
    // One target group has one health check: the first backend's readiness probe, with the
    // Service's annotations over it, since they configure the load balancer itself.
    let mut health = backends
        .first()
        .and_then(|pending| pending.readiness.clone())
        .unwrap_or_default();
    overlay(&mut health, &service.health);
    let mut load_balancer =
        match plan_load_balancer(&requests, service.layer, service.public, &health) {
            Ok(Some(load_balancer)) => load_balancer,
            Ok(None) => {
                sink.ignored(
                    service.span,
                    &format!("Service `{}`", service.name),
                    "it has no ports, so there is nothing to balance",
                );
                return None;
            }
            Err(problems) => {
                problems.into_iter().for_each(|problem| sink.push(problem));
                return None;
            }
        };
    // Whether its security group can hold a rule per range and port is a quota of the
    // provider's, judged where the template is planned (`emit::balancer_product`).
    if let Some(ranges) = &service.source_ranges {
        load_balancer.source_ranges.clone_from(&ranges.value);
        load_balancer.source_ranges_span = Some(ranges.span);
    }
    Some(load_balancer)
}

/// The Deployment's declared container ports on an internal load balancer named after it
/// (`None` too when its name was refused: it is not compiled).
fn implicit_service(pending: &Workload, sink: &mut Vec<Diagnostic>) -> Option<model::Service> {
    let name = pending.deployment.name.checked()?;
    let requests: Vec<PortRequest> = pending.ports.iter().map(implicit_request).collect();
    let health = pending.readiness.clone().unwrap_or_default();
    match plan_load_balancer(&requests, None, false, &health) {
        Ok(load_balancer) => load_balancer.map(|load_balancer| model::Service {
            name: model::ServiceName::of_deployment(name),
            namespace: pending.deployment.namespace.clone(),
            load_balancer,
            backends: vec![name.clone()],
            span: Some(pending.span),
        }),
        Err(problems) => {
            problems.into_iter().for_each(|problem| sink.push(problem));
            None
        }
    }
}

fn implicit_request(port: &ContainerPort) -> PortRequest {
    PortRequest {
        container: port.container.clone(),
        listener_port: port.number,
        container_port: port.number,
        listener_protocol: port.udp.then_some(Protocol::Udp),
        target_protocol: port.udp.then_some(Protocol::Udp),
        certificate: None,
        span: Some(port.span),
    }
}

/// Annotation settings win over the readiness probe's: they configure the load balancer itself.
fn overlay(health: &mut HealthCheckRequest, annotations: &HealthCheckRequest) {
    health.protocol = annotations.protocol.or(health.protocol);
    health.port = annotations.port.or(health.port);
    health.path = annotations.path.clone().or(health.path.take());
    health.interval_seconds = annotations.interval_seconds.or(health.interval_seconds);
    health.timeout_seconds = annotations.timeout_seconds.or(health.timeout_seconds);
    health.healthy_threshold = annotations.healthy_threshold.or(health.healthy_threshold);
    health.unhealthy_threshold = annotations
        .unhealthy_threshold
        .or(health.unhealthy_threshold);
    if health.span.is_none() {
        health.span = annotations.span;
    }
}

/// The container port a Service port reaches in one backend, and the container listening.
fn target_in(
    port: &ServicePort,
    pending: &Workload,
    sink: &mut Vec<Diagnostic>,
) -> Option<(Port, String)> {
    let declared = |number: Port| {
        pending
            .ports
            .iter()
            .find(|declared| declared.number == number)
    };
    let first_container = || {
        pending
            .deployment
            .containers
            .first()
            .map(|container| container.name.clone())
            .unwrap_or_default()
    };
    let by_number = |number: Port| {
        (
            number,
            declared(number).map_or_else(first_container, |p| p.container.clone()),
        )
    };
    match &port.target {
        None => Some(by_number(port.port)),
        Some(IntOrString::Int(number)) => match Port::from_int(*number) {
            Some(number) => Some(by_number(number)),
            None => {
                sink.push(Diagnostic::error(
                    Code::PortSyntax,
                    Some(port.target_span),
                    format!("targetPort {number} is outside 1–65535"),
                ));
                None
            }
        },
        Some(IntOrString::Text(name)) => {
            if let Some(declared) = pending
                .ports
                .iter()
                .find(|declared| declared.name.as_deref() == Some(name.as_str()))
            {
                return Some((declared.number, declared.container.clone()));
            }
            let names: Vec<&str> = pending
                .ports
                .iter()
                .filter_map(|p| p.name.as_deref())
                .collect();
            let mut problem = Diagnostic::error(
                Code::ServiceSelection,
                Some(port.target_span),
                format!(
                    "targetPort `{name}` names no container port of Deployment `{}`",
                    pending.deployment.name
                ),
            );
            problem = match did_you_mean(name, names.iter().copied()) {
                Some(suggestion) => problem.with_help(format!("did you mean `{suggestion}`?")),
                None if names.is_empty() => problem.with_help(
                    "name a container port (`ports: [{name: http, containerPort: 8080}]`) or use its number",
                ),
                None => problem.with_help(format!("the named ports are: {}", names.join(", "))),
            };
            sink.push(problem);
            None
        }
    }
}

fn port_request(
    service: &Service,
    port: &ServicePort,
    backends: &[&Workload],
    sink: &mut Vec<Diagnostic>,
) -> Option<PortRequest> {
    let mut targets = Vec::new();
    for pending in backends {
        targets.push((pending, target_in(port, pending, sink)?));
    }
    let (first, (container_port, container)) = targets.first()?.clone();
    if let Some((other, (other_port, _))) = targets
        .iter()
        .find(|(_, (number, _))| *number != container_port)
    {
        sink.push(
            Diagnostic::error(
                Code::ServiceSelection,
                Some(port.target_span),
                format!(
                    "port {} of Service `{}` reaches port {container_port} in Deployment `{}` but port {other_port} in `{}`",
                    port.port, service.name, first.deployment.name, other.deployment.name
                ),
            )
            .with_help("one target group forwards to one port on every VM: give the container ports the same number"),
        );
        return None;
    }
    let tls = service.terminates_tls(port.port, port.name.as_deref());
    let (listener_protocol, target_protocol) = protocols(service, port, tls);
    Some(PortRequest {
        container,
        listener_port: port.port,
        container_port,
        listener_protocol,
        target_protocol,
        certificate: if tls {
            service.certificate.clone()
        } else {
            None
        },
        span: Some(port.span),
    })
}

/// Listener and target protocols as the in-tree AWS cloud provider chooses them for the
/// annotations: a connection-forwarding load balancer terminates TLS with a TLS listener and
/// speaks TCP otherwise; any other uses HTTPS, and the backend-protocol annotation picks what
/// reaches the VMs.
fn protocols(
    service: &Service,
    port: &ServicePort,
    tls: bool,
) -> (Option<Protocol>, Option<Protocol>) {
    if port.udp {
        return (Some(Protocol::Udp), Some(Protocol::Udp));
    }
    if service.layer == Some(BalancerLayer::Connection) {
        return match (tls, service.backend) {
            (true, Some(Protocol::Tls)) => (Some(Protocol::Tls), Some(Protocol::Tls)),
            (true, _) => (Some(Protocol::Tls), Some(Protocol::Tcp)),
            (false, _) => (Some(Protocol::Tcp), Some(Protocol::Tcp)),
        };
    }
    if tls {
        return match service.backend {
            Some(Protocol::Tls) => (Some(Protocol::Tls), Some(Protocol::Tls)),
            Some(Protocol::Tcp) => (Some(Protocol::Tls), Some(Protocol::Tcp)),
            Some(Protocol::Https) => (Some(Protocol::Https), Some(Protocol::Https)),
            _ => (Some(Protocol::Https), Some(Protocol::Http)),
        };
    }
    match service.backend {
        Some(Protocol::Http) => (Some(Protocol::Http), Some(Protocol::Http)),
        Some(Protocol::Tcp) => (Some(Protocol::Tcp), Some(Protocol::Tcp)),
        backend => (port.app_protocol, backend),
    }
}
