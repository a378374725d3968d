//! Headless Services and the StatefulSets they name. A headless Service (`clusterIP: None`)
//! that selects StatefulSets gets no load balancer: its name lists the ordinals' own
//! addresses, and `<set>-<i>.<service>` names each one, as the cluster DNS does. Callers then
//! reach the ordinals' VMs directly, on their container ports: from within the application, or
//! exactly what the NetworkPolicies isolating the set admit (`crate::infer::network_policy`).
//!
//! A headless Service over Deployments keeps its load balancer (their VMs come and go, and no
//! record could follow them), with a warning.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::infer::label_selector::selects;
use crate::model::intent::{Service, Workload};
use crate::model::stateful::{HeadlessName, HeadlessService, OrdinalPort};
use crate::model::{Admission, Port};
use std::collections::BTreeSet;

/// Gives each StatefulSet the headless Services that select it and the ports their callers
/// reach, and returns those Services in document order: they need no load balancer.
pub fn name_ordinals(
    services: &[Service],
    workloads: &mut [Workload],
    sink: &mut Vec<Diagnostic>,
) -> Vec<HeadlessService> {
    let mut naming = Vec::new();
    for service in services {
        let Some(headless_span) = service.headless else {
            continue;
        };
        let mut selected: Vec<usize> = (0..workloads.len())
            .filter(|index| selects(service, &workloads[*index]))
            .collect();
        selected.sort_by_key(|index| workloads[*index].order);
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
        // A refused name (already an error) names nothing.
        let Some(name) = service.name.checked() else {
            continue;
        };
        let mut sets = Vec::new();
        for index in selected {
            let workload = &mut workloads[index];
            sets.extend(workload.deployment.name.checked().cloned());
            let ports: BTreeSet<(Port, bool)> = workload
                .ports
                .iter()
                .map(|port| (port.number, port.udp))
                .collect();
            if let Some(stateful) = workload.deployment.stateful.as_mut() {
                stateful.headless.push(HeadlessName {
                    service: name.clone(),
                    namespace: service.namespace.clone(),
                });
                stateful.ports = ports
                    .into_iter()
                    .map(|(port, udp)| OrdinalPort {
                        port,
                        udp,
                        admission: Admission::Default,
                    })
                    .collect();
            }
        }
        naming.push((
            service.order,
            HeadlessService {
                name: name.clone(),
                namespace: service.namespace.clone(),
                span: service.span,
                sets,
            },
        ));
    }
    naming.sort_by_key(|(order, _)| *order);
    naming.into_iter().map(|(_, service)| service).collect()
}
