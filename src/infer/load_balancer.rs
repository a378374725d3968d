//! From the ports a deployment exposes to its load balancer and listeners.

use crate::diagnostic::{Code, Diagnostic};
use crate::infer::protocol::{
    adapt_inferred, default_target_protocol, infer_layer, infer_protocol, pairing_allowed,
};
use crate::model::intent::requests::{HealthCheckRequest, PortRequest};
use crate::model::{
    BalancerLayer, Certificate, HealthCheck, HttpSuccess, Listener, LoadBalancer, Port, Protocol,
};
use crate::source::Span;

pub const DEFAULT_HEALTH_PATH: &str = "/";
pub const DEFAULT_INTERVAL_SECONDS: u32 = 10;
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 5;
pub const DEFAULT_HEALTHY_THRESHOLD: u32 = 2;
pub const DEFAULT_UNHEALTHY_THRESHOLD: u32 = 3;

/// The load balancer for `requests`, at the layer the input asked for (`layer_override`) or
/// the one their protocols need, or `None` when nothing is exposed. Whether a provider's
/// product can carry each listener's protocol is the emitter's to judge.
///
/// # Errors
/// Every conflict and impossible pairing found, each at its port's position.
pub fn plan_load_balancer(
    requests: &[PortRequest],
    layer_override: Option<BalancerLayer>,
    public: bool,
    health: &HealthCheckRequest,
) -> Result<Option<LoadBalancer>, Vec<Diagnostic>> {
    if requests.is_empty() {
        return Ok(None);
    }
    let mut problems = find_conflicts(requests);
    let natural: Vec<Protocol> = requests
        .iter()
        .map(|request| {
            request
                .listener_protocol
                .unwrap_or_else(|| infer_protocol(request.listener_port))
        })
        .collect();
    let layer = layer_override.unwrap_or_else(|| infer_layer(&natural));
    let mut listeners = Vec::new();
    for (request, natural) in requests.iter().zip(natural) {
        match plan_listener(request, natural, layer, health) {
            Ok(listener) => listeners.push(listener),
            Err(problem) => problems.push(problem),
        }
    }
    if let Some(problem) = check_health_request(health) {
        problems.push(problem);
    }
    if problems.is_empty() {
        Ok(Some(LoadBalancer {
            layer,
            public,
            listeners,
            source_ranges: Vec::new(),
            source_ranges_span: None,
        }))
    } else {
        Err(problems)
    }
}

fn find_conflicts(requests: &[PortRequest]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        let earlier = &requests[..index];
        if let Some(first) = earlier
            .iter()
            .find(|other| other.listener_port == request.listener_port)
        {
            problems.push(
                Diagnostic::error(
                    Code::PortConflict,
                    request.span,
                    format!("load balancer port {} is exposed twice", request.listener_port),
                )
                .with_help(format!(
                    "it is already exposed by container `{}`{}; give one of them another load balancer port, e.g. \"{}:{}\"",
                    first.container,
                    line_suffix(first.span),
                    request.listener_port.get().saturating_add(8000),
                    request.container_port
                )),
            );
        } else if let Some(first) = earlier.iter().find(|other| {
            other.container_port == request.container_port && other.container != request.container
        }) {
            problems.push(
                Diagnostic::error(
                    Code::PortConflict,
                    request.span,
                    format!(
                        "containers `{}` and `{}` both listen on port {}",
                        first.container, request.container, request.container_port
                    ),
                )
                .with_help("the containers of a pod share one VM and its network, so only one can bind a port; change one container's port"),
            );
        }
    }
    problems
}

fn line_suffix(span: Option<Span>) -> String {
    span.map(|span| format!(" at line {}", span.start.line))
        .unwrap_or_default()
}

fn plan_listener(
    request: &PortRequest,
    natural: Protocol,
    layer: BalancerLayer,
    health: &HealthCheckRequest,
) -> Result<Listener, Diagnostic> {
    let protocol = if request.listener_protocol.is_some() {
        natural
    } else {
        adapt_inferred(natural, layer)
    };
    let target_protocol = request
        .target_protocol
        .unwrap_or_else(|| default_target_protocol(protocol));
    if !pairing_allowed(protocol, target_protocol) {
        return Err(Diagnostic::error(
            Code::ProtocolMismatch,
            request.span,
            format!(
                "a {} listener cannot forward to a {} target",
                protocol.as_str(),
                target_protocol.as_str()
            ),
        )
        .with_help("allowed pairs: HTTP→HTTP, HTTPS→HTTP|HTTPS, TCP→TCP, TLS→TLS|TCP, UDP→UDP"));
    }
    let certificate = match (&request.certificate, protocol.terminates_tls()) {
        (Some(arn), true) => Certificate::Arn(arn.clone()),
        (None, true) => Certificate::Parameter,
        (None, false) => Certificate::None,
        (Some(_), false) => {
            return Err(Diagnostic::error(
                Code::ProtocolMismatch,
                request.span,
                format!(
                    "port {} has a certificate but its listener speaks {}, which does not use one",
                    request.listener_port,
                    protocol.as_str()
                ),
            )
            .with_help("use HTTPS or TLS for this port, or remove the certificate"));
        }
    };
    Ok(Listener {
        port: request.listener_port,
        protocol,
        target_port: request.container_port,
        target_protocol,
        certificate,
        health_check: plan_health_check(request.container_port, target_protocol, health),
        admission: crate::model::Admission::Default,
        span: request.span,
    })
}

/// Target groups of HTTP(S) targets check a path; all others open a TCP connection (AWS allows
/// no TCP check on an HTTP target group, and UDP targets are checked over TCP).
fn plan_health_check(
    container_port: Port,
    target_protocol: Protocol,
    request: &HealthCheckRequest,
) -> HealthCheck {
    let protocol = match (target_protocol, request.protocol) {
        (Protocol::Http | Protocol::Https, _) => target_protocol,
        (_, Some(checked @ (Protocol::Http | Protocol::Https))) => checked,
        _ => Protocol::Tcp,
    };
    let path = protocol.is_http_family().then(|| {
        request
            .path
            .clone()
            .unwrap_or_else(|| DEFAULT_HEALTH_PATH.to_string())
    });
    // Nothing said a TCP server answers on a UDP target's port: the check is a guess.
    let guessed =
        target_protocol == Protocol::Udp && protocol == Protocol::Tcp && request.port.is_none();
    let success = if request.path.is_some() {
        HttpSuccess::Success
    } else {
        HttpSuccess::AnyAnswer
    };
    HealthCheck {
        protocol,
        port: request.port.unwrap_or(container_port),
        path,
        success,
        interval_seconds: request.interval_seconds.unwrap_or(DEFAULT_INTERVAL_SECONDS),
        timeout_seconds: request.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS),
        healthy_threshold: request
            .healthy_threshold
            .unwrap_or(DEFAULT_HEALTHY_THRESHOLD),
        unhealthy_threshold: request
            .unhealthy_threshold
            .unwrap_or(DEFAULT_UNHEALTHY_THRESHOLD),
        guessed,
    }
}

fn check_health_request(request: &HealthCheckRequest) -> Option<Diagnostic> {
    let interval = request.interval_seconds.unwrap_or(DEFAULT_INTERVAL_SECONDS);
    let timeout = request.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    (timeout >= interval).then(|| {
        Diagnostic::error(
            Code::InvalidValue,
            request.span,
            format!("health check timeout ({timeout} s) must be shorter than its interval ({interval} s)"),
        )
        .with_help("AWS rejects a target group whose timeout is not below its interval")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(container: &str, listener: u16, target: u16) -> PortRequest {
        PortRequest {
            container: container.to_string(),
            listener_port: Port::new(listener).unwrap(),
            container_port: Port::new(target).unwrap(),
            listener_protocol: None,
            target_protocol: None,
            certificate: None,
            span: None,
        }
    }

    fn plan(requests: &[PortRequest]) -> Result<Option<LoadBalancer>, Vec<Diagnostic>> {
        plan_load_balancer(requests, None, true, &HealthCheckRequest::default())
    }

    #[test]
    fn web_ports_make_an_alb_with_a_certificate_parameter() {
        let lb = plan(&[port("web", 80, 8080), port("web", 443, 8080)])
            .expect("valid")
            .expect("exposed");
        assert_eq!(lb.layer, BalancerLayer::Http);
        assert_eq!(lb.listeners[1].protocol, Protocol::Https);
        assert_eq!(lb.listeners[1].target_protocol, Protocol::Http);
        assert_eq!(lb.listeners[1].certificate, Certificate::Parameter);
        assert_eq!(lb.listeners[0].health_check.path.as_deref(), Some("/"));
    }

    #[test]
    fn any_tcp_port_makes_an_nlb_speaking_tls_on_443() {
        let lb = plan(&[port("db", 5432, 5432), port("web", 443, 8443)])
            .expect("valid")
            .expect("exposed");
        assert_eq!(lb.layer, BalancerLayer::Connection);
        assert_eq!(lb.listeners[1].protocol, Protocol::Tls);
        assert_eq!(lb.listeners[1].health_check.protocol, Protocol::Tcp);
    }

    #[test]
    fn two_containers_on_one_port_conflict() {
        let problems = plan(&[port("a", 80, 80), port("b", 8080, 80)]).expect_err("conflict");
        assert_eq!(problems[0].code, Code::PortConflict);
    }

    /// The layer asked for is kept, and an explicit protocol is not restated in it: the
    /// emitter refuses what its product cannot carry (`emit::balancer_product`).
    #[test]
    fn explicit_tcp_on_an_http_aware_balancer_is_kept_as_written() {
        let mut explicit = port("a", 9000, 9000);
        explicit.listener_protocol = Some(Protocol::Tcp);
        let lb = plan_load_balancer(
            &[explicit, port("a", 9001, 9001)],
            Some(BalancerLayer::Http),
            false,
            &HealthCheckRequest::default(),
        )
        .expect("valid")
        .expect("exposed");
        assert_eq!(lb.layer, BalancerLayer::Http);
        assert_eq!(lb.listeners[0].protocol, Protocol::Tcp);
        assert_eq!(lb.listeners[1].protocol, Protocol::Http);
    }

    #[test]
    fn nothing_exposed_means_no_load_balancer() {
        assert_eq!(plan(&[]), Ok(None));
    }
}
