//! Headless Services and the StatefulSets they name. A headless Service (`clusterIP: None`)
//! that selects StatefulSets gets no load balancer: its name lists the ordinals' own
//! addresses, and `<set>-<i>.<service>` names each one, as the cluster DNS does. Callers then
//! reach the ordinals' VMs directly, on their container ports, from within the application.
//!
//! A headless Service over Deployments keeps its load balancer (their VMs come and go, and no
//! record could follow them), with a warning.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::infer::label_selector::selects;
use crate::model::intent::{NetworkPolicy, Service, Workload};
use crate::model::stateful::HeadlessName;
use std::collections::BTreeSet;

/// Gives each StatefulSet the headless Services that select it and the ports their callers
/// reach, and returns those Services (by namespace and name): they need no load balancer.
pub fn name_ordinals(
    services: &[Service],
    workloads: &mut [Workload],
    policies: &[NetworkPolicy],
    sink: &mut Vec<Diagnostic>,
) -> BTreeSet<(String, String)> {
    let mut naming = BTreeSet::new();
    for service in services {
        let Some(headless_span) = service.headless else {
            continue;
        };
        let selected: Vec<usize> = (0..workloads.len())
            .filter(|index| selects(service, &workloads[*index]))
            .collect();
        let sets = selected
            .iter()
            .filter(|index| workloads[**index].deployment.stateful.is_some())
            .count();
        if selected.is_empty() {
            continue;
        }
        if sets < selected.len() {
            sink.ignored(
                headless_span,
                "spec.clusterIP",
                "a headless Service in front of Deployments still gets a load balancer: their VMs are replaced at will, so no record could list them",
            );
            continue;
        }
        for index in selected {
            let workload = &mut workloads[index];
            if let Some(policy) = isolating(policies, workload) {
                sink.push(
                    Diagnostic::error(
                        Code::PolicyNotExpressible,
                        Some(headless_span),
                        format!(
                            "headless Service `{}` lets callers reach the VMs of StatefulSet `{}` directly, and NetworkPolicy `{}` isolates them: i2kit does not yet restrict direct callers to what the policy admits",
                            service.name, workload.deployment.name, policy.name
                        ),
                    )
                    .with_help("put a Service with a cluster IP (an internal load balancer, which the policy restricts) in front of the StatefulSet instead, or drop the policy"),
                );
            }
            let ports: BTreeSet<(u16, bool)> = workload
                .ports
                .iter()
                .map(|port| (port.number, port.udp))
                .collect();
            if let Some(stateful) = workload.deployment.stateful.as_mut() {
                stateful.headless.push(HeadlessName {
                    service: service.name.clone(),
                    namespace: service.namespace.clone(),
                });
                stateful.ports = ports.into_iter().collect();
            }
        }
        naming.insert((service.namespace.clone(), service.name.clone()));
    }
    naming
}

/// A NetworkPolicy that isolates the workload's pods from callers, if one does.
fn isolating<'p>(policies: &'p [NetworkPolicy], workload: &Workload) -> Option<&'p NetworkPolicy> {
    policies.iter().find(|policy| {
        policy.ingress.is_some()
            && policy.namespace == workload.deployment.namespace
            && policy.pod_selector.matches(&workload.labels)
    })
}
