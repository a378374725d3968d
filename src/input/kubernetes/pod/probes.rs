//! Readiness and liveness probes → the target group's health check and the grace period
//! before a failing VM is replaced.

use super::super::reader::{Object, Sink, int_or_string};
use crate::diagnostic::{Code, Diagnostic};
use crate::health_check_timing::{
    INTERVAL_RANGE, THRESHOLD_RANGE, TIMEOUT_RANGE, clamp, fit_timeout,
};
use crate::input::rules;
use crate::model::intent::ContainerPort;
use crate::model::intent::requests::{HealthCheckRequest, IntOrString};
use crate::model::{Port, Protocol};
use crate::source::Span;
use crate::yaml::Node;

/// A liveness probe's `initialDelaySeconds`. Its presence makes the group replace VMs the
/// load balancer finds unhealthy; its own check and timing have no equivalent, since the load
/// balancer's health check is the only one a VM gets, so they are warned about.
pub fn read_liveness_delay(mut probe: Object<'_>, sink: &mut Sink) -> u32 {
    let delay = initial_delay(&mut probe, sink);
    // The HTTP or TCP target is what the load balancer's check already is; a grace period
    // for termination has no meaning when the VM itself is replaced.
    probe.accept(&["httpGet", "tcpSocket", "terminationGracePeriodSeconds"]);
    probe.finish(sink, |key| match key {
        "exec" | "grpc" => Some(
            "a VM is replaced when the load balancer's HTTP or TCP health check fails; no command or gRPC call is run",
        ),
        "periodSeconds" | "timeoutSeconds" | "successThreshold" | "failureThreshold" => Some(
            "the load balancer's health check (from the readiness probe) sets how often VMs are checked and how many failures replace one",
        ),
        _ => None,
    });
    u32::try_from(delay).unwrap_or(u32::MAX)
}

fn initial_delay(probe: &mut Object<'_>, sink: &mut Sink) -> i64 {
    probe
        .integer("initialDelaySeconds", sink)
        .map_or(0, |(value, _)| value.max(0))
}

/// A readiness probe as a health check request (`None` when it checks neither HTTP nor TCP),
/// and its `initialDelaySeconds`. `ports` are the ports of the probed container, which a probe
/// may name.
pub fn read_readiness(
    mut probe: Object<'_>,
    container: &str,
    ports: &[&ContainerPort],
    sink: &mut Sink,
) -> (Option<HealthCheckRequest>, u32) {
    // The load balancer finds the VM unready until then: it lengthens the grace period.
    let delay = u32::try_from(initial_delay(&mut probe, sink)).unwrap_or(u32::MAX);
    let mut request = HealthCheckRequest {
        span: Some(probe.span()),
        ..HealthCheckRequest::default()
    };
    let mut usable = false;
    if let Some(mut http) = probe.object("httpGet", sink) {
        let path_span = http.value_span("path");
        let path = http.string("path", sink);
        if let Some(problem) = path
            .as_deref()
            .and_then(|path| rules::check_probe_path(path, path_span))
        {
            sink.push(problem);
        }
        request.path = path.or_else(|| Some("/".to_string()));
        request.protocol = Some(match http.string("scheme", sink).as_deref() {
            Some("HTTPS") => Protocol::Https,
            _ => Protocol::Http,
        });
        if let Some(port) = http.take("port") {
            request.port = probe_port(port, &http.child("port"), container, ports, sink);
        }
        if let Some(span) = http.key_span("httpHeaders") {
            http.accept(&["httpHeaders", "host"]);
            sink.ignored(
                span,
                &http.child("httpHeaders"),
                "load balancer health checks send no custom headers",
            );
        }
        http.finish(sink, |_| None);
        usable = true;
    } else if let Some(mut tcp) = probe.object("tcpSocket", sink) {
        request.protocol = Some(Protocol::Tcp);
        if let Some(port) = tcp.take("port") {
            request.port = probe_port(port, &tcp.child("port"), container, ports, sink);
        }
        tcp.finish(sink, |_| None);
        usable = true;
    }
    let explicit = |value: Option<(i64, Span)>,
                    range: (u32, u32),
                    default: i64,
                    what: &str,
                    sink: &mut Sink|
     -> u32 {
        let Some((given, span)) = value else {
            return clamp(default, range).0;
        };
        let (clamped, warning) = rules::clamp_to_aws_range(what, given, range, span);
        if let Some(warning) = warning {
            sink.push(warning);
        }
        clamped
    };
    // Kubernetes defaults: period 10, timeout 1, success 1, failure 3. Defaults outside AWS's
    // ranges are moved silently; values the manifest set are moved with a warning.
    let period = probe.integer("periodSeconds", sink);
    let timeout = probe.integer("timeoutSeconds", sink);
    let success = probe.integer("successThreshold", sink);
    let failure = probe.integer("failureThreshold", sink);
    let interval = explicit(period, INTERVAL_RANGE, 10, "periodSeconds", sink);
    // The timeout must also stay below the interval: one warning says both.
    let requested_timeout = timeout.map_or(1, |(value, _)| value);
    let (in_range, _) = clamp(requested_timeout, TIMEOUT_RANGE);
    let fitted = fit_timeout(in_range, interval);
    if let Some((given, span)) = timeout
        && i64::from(fitted) != given
    {
        sink.push(Diagnostic::warning(
            Code::Clamped,
            Some(span),
            format!(
                "timeoutSeconds {given} must be within AWS's range {}–{} and below the interval of {interval} s; using {fitted}",
                TIMEOUT_RANGE.0, TIMEOUT_RANGE.1
            ),
        ));
    }
    request.interval_seconds = Some(interval);
    request.timeout_seconds = Some(fitted);
    request.healthy_threshold = Some(explicit(
        success,
        THRESHOLD_RANGE,
        1,
        "successThreshold",
        sink,
    ));
    request.unhealthy_threshold = Some(explicit(
        failure,
        THRESHOLD_RANGE,
        3,
        "failureThreshold",
        sink,
    ));
    probe.accept(&["terminationGracePeriodSeconds"]);
    probe.finish(sink, |key| {
        matches!(key, "exec" | "grpc").then_some(
            "a load balancer can only check HTTP or TCP; the default health check is used",
        )
    });
    (usable.then_some(request), delay)
}

/// A target group has one health check: the first usable readiness probe of the pod wins,
/// and later ones are reported as ignored.
pub fn keep_first_readiness(
    chosen: &mut Option<HealthCheckRequest>,
    candidate: HealthCheckRequest,
    container: &str,
    sink: &mut Sink,
) {
    if chosen.is_some() {
        sink.ignored(
            candidate.span.unwrap_or_default(),
            &format!("readinessProbe of container `{container}`"),
            "a target group has one health check; the first container's readiness probe is used",
        );
        return;
    }
    *chosen = Some(candidate);
}

fn probe_port(
    port: &Node,
    path: &str,
    container: &str,
    ports: &[&ContainerPort],
    sink: &mut Sink,
) -> Option<Port> {
    match int_or_string(port, path, sink)? {
        IntOrString::Int(number) => Port::from_int(number).or_else(|| {
            sink.push(Diagnostic::error(
                Code::PortSyntax,
                Some(port.span),
                format!("probe port {number} is outside 1–65535"),
            ));
            None
        }),
        IntOrString::Text(name) => {
            let found = ports
                .iter()
                .find(|p| p.name.as_deref() == Some(name.as_str()));
            found.map(|p| p.number).or_else(|| {
                sink.push(Diagnostic::error(
                    Code::ServiceSelection,
                    Some(port.span),
                    format!("probe port `{name}` names no port of container `{container}`"),
                ));
                None
            })
        }
    }
}
