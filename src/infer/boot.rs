//! Containers with values known only at boot run wrapped (`crate::emit::boot`): the wrapper
//! must know the command line it runs in the end, which `command`, or the image lock's
//! entrypoint followed by `args` or the image's cmd, tells once the image pass has run.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Application, Container, Deployment, Destination, Egress, Traffic};

/// An error for each container with boot values whose command line cannot be wrapped, and for
/// each deployment whose VMs could not reach the AWS APIs their boot steps call.
#[must_use]
pub fn check_boot_wrapping(application: &Application) -> Vec<Diagnostic> {
    let mut problems: Vec<Diagnostic> = application
        .deployments
        .iter()
        .flat_map(Deployment::every_container)
        .filter(|container| !container.boot_env.is_empty())
        .filter_map(check_container)
        .collect();
    problems.extend(
        application
            .deployments
            .iter()
            .filter_map(check_store_reachable),
    );
    problems
}

/// The AWS APIs the boot steps call (the secret stores, EC2 to attach a StatefulSet's
/// volumes) answer on HTTPS at addresses i2kit cannot name: when NetworkPolicies restrict the
/// VMs' egress to what they list, opening HTTPS for the boot steps would open it for the pod
/// too, weaker than the manifest; so the policies must allow it themselves, or the boot step
/// fails and the pod never starts.
fn check_store_reachable(deployment: &Deployment) -> Option<Diagnostic> {
    let Egress::Only(destinations) = &deployment.egress else {
        return None;
    };
    let https = destinations.iter().any(|destination| match destination {
        Destination::Block { traffic, .. } => match traffic {
            Traffic::Any => true,
            Traffic::Tcp(low, high) => *low <= 443 && 443 <= *high,
            Traffic::Udp(..) | Traffic::Sctp => false,
        },
        Destination::LoadBalancer { .. } => false,
    });
    if https {
        return None;
    }
    let name = &deployment.name;
    if !deployment.fetched_secrets().is_empty() {
        return Some(
            Diagnostic::error(
                Code::ExternalSecret,
                deployment.span,
                format!("the VMs of `{name}` fetch Secrets at boot, and their NetworkPolicies allow no HTTPS to any address block, so the secret store is out of reach"),
            )
            .with_help("allow egress on TCP 443 to the store's addresses (the VPC's CIDR with an interface VPC endpoint for Secrets Manager or SSM, or the region's public ranges) in a NetworkPolicy that selects these pods"),
        );
    }
    let attaches = deployment
        .stateful
        .as_ref()
        .is_some_and(|stateful| !stateful.claims.is_empty());
    attaches.then(|| {
        Diagnostic::error(
            Code::VolumeClaim,
            deployment.span,
            format!("the VMs of `{name}` attach their volumes at boot through the EC2 API, and their NetworkPolicies allow no HTTPS to any address block, so the volumes never attach and the pods never start"),
        )
        .with_help("allow egress on TCP 443 to EC2's addresses (the VPC's CIDR with an interface VPC endpoint for EC2, or the region's public ranges) in a NetworkPolicy that selects these pods")
    })
}

fn check_container(container: &Container) -> Option<Diagnostic> {
    let name = &container.name;
    let span = container.spans.boot.or(container.spans.image);
    match container.command.as_deref() {
        None | Some([]) => Some(
            Diagnostic::error(
                Code::BootValue,
                span,
                format!("container `{name}` gets values only when its VM boots, and its command line is unknown, so nothing can set them before it runs"),
            )
            .with_help("write the container's `command` (and `args`), or give an image lock (`--images`) that holds the image's entrypoint and cmd: i2kit runs it through a wrapper that sets the values first"),
        ),
        // busybox `env` would take such a word for one more variable.
        Some([program, ..]) if program.contains('=') => Some(
            Diagnostic::error(
                Code::BootValue,
                container.spans.command.or(span),
                format!("container `{name}` runs `{program}`, whose `=` the wrapper that sets its boot values would take for a variable"),
            )
            .with_help("name the program without `=` (a path or a link to it)"),
        ),
        Some(_) => None,
    }
}
