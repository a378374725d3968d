//! Passes over the whole model once every reader is done: what a deployment takes from the
//! services in front of it.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Application, ReplaceUnhealthy};

/// Lets the Auto Scaling group replace VMs that a load balancer in front finds unhealthy, but
/// only when every check deciding that is one the input stands behind: a guessed check that
/// fails on healthy VMs would replace them forever.
pub fn link(application: &mut Application) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    for service in &application.services {
        for listener in &service.load_balancer.listeners {
            if listener.health_check.guessed {
                warnings.push(
                    Diagnostic::warning(
                        Code::GuessedHealthCheck,
                        listener.span.or(service.span),
                        format!(
                            "{} port {} of `{}` can only be health-checked over TCP on port {}, which nothing says is served; its VMs are not replaced when that check fails",
                            listener.protocol.as_str(),
                            listener.port,
                            service.name,
                            listener.health_check.port
                        ),
                    )
                    .with_help("add a readiness probe (tcpSocket or httpGet) on a TCP port the pod serves, or name the port to check (`healthCheck.port`, or the aws-load-balancer-healthcheck-port annotation)"),
                );
            }
        }
    }
    // Per backend name: whether some service fronts it, and whether all of them are trusted;
    // one pass over the services, so the cost is linear in services and deployments.
    let mut fronted: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    for service in &application.services {
        let trusted = service
            .load_balancer
            .listeners
            .iter()
            .all(|listener| !listener.health_check.guessed);
        for backend in &service.backends {
            *fronted.entry(backend.as_str()).or_insert(true) &= trusted;
        }
    }
    for deployment in &mut application.deployments {
        let trusted = fronted.get(deployment.name.as_str()).copied();
        deployment.replace_unhealthy = (trusted == Some(true)).then_some(ReplaceUnhealthy {
            grace_period_seconds: deployment.grace_period_seconds,
        });
    }
    warnings
}
