//! The VMs' security group: who may reach a deployment's instances. Only the groups of the
//! load balancers in front of them, services' and Ingresses' alike, on the container and
//! health check ports each forwards to; nothing else, so a VM is never reachable directly.
//! Where NetworkPolicies let no caller use a port, its traffic is not admitted either; health
//! checks always are, as Kubernetes always lets the node probe its pods.
//!
//! It is also the only group of a VM with outbound rules (`crate::emit::policy_rules`): every
//! destination, or what the NetworkPolicies restricting the VM's egress allow.

use crate::emit::ingress::ingress_names;
use crate::emit::intrinsic::Expr;
use crate::emit::load_balancing::ip_protocol;
use crate::emit::naming::{APPLICATION_SECURITY_GROUP, Names, VPC_PARAMETER};
use crate::emit::policy_rules::{admitted_rules, egress_rules};
use crate::model::{Admission, Deployment, Ingress, Port, Protocol, Service};
use serde_json::{Value, json};

/// A port and its `IpProtocol` (`tcp`, `udp`); `None` for traffic a NetworkPolicy refuses,
/// keeping the health check's place beside it.
type PortAndProtocol = Option<(Port, &'static str)>;

/// A listener no source may use: its VMs need not admit its traffic.
fn admits_nobody(admission: &Admission) -> bool {
    matches!(admission, Admission::Only(sources) if sources.is_empty())
}

/// The instances' group: reachable only from the groups of the load balancers in front of
/// them (services' and ingresses'), on container and health check ports.
#[must_use]
pub fn instance_security_group(
    deployment: &Deployment,
    fronting: &[&Service],
    routing: &[&Ingress],
) -> Value {
    // Each source: its group's logical id, whose load balancer it is, and the ports it
    // reaches (target, then health check, per listener or target group).
    let mut sources: Vec<(String, String, Vec<PortAndProtocol>)> = Vec::new();
    for service in fronting {
        let ports = service
            .load_balancer
            .listeners
            .iter()
            .flat_map(|listener| {
                [
                    (!admits_nobody(&listener.admission))
                        .then(|| (listener.target_port, ip_protocol(listener.target_protocol))),
                    Some((listener.health_check.port, "tcp")),
                ]
            })
            .collect();
        sources.push((
            Names::new(&service.name).with("LoadBalancerSecurityGroup"),
            service.name.as_str().to_string(),
            ports,
        ));
    }
    for ingress in routing {
        let ports = ingress
            .target_groups
            .iter()
            .filter(|group| group.backends.iter().any(|name| name.names(deployment)))
            .flat_map(|group| {
                [
                    (!group.refused.iter().any(|name| name.names(deployment)))
                        .then_some((group.target_port, "tcp")),
                    Some((group.health_check.port, "tcp")),
                ]
            })
            .collect();
        sources.push((
            ingress_names(ingress).with("LoadBalancerSecurityGroup"),
            format!("Ingress {}", ingress.name),
            ports,
        ));
    }
    let mut ingress_rules: Vec<Value> = Vec::new();
    let mut seen = Vec::new();
    let alone = sources.len() == 1;
    for (source, owner, ports) in &sources {
        // Even positions are traffic ports, odd ones health check ports.
        for (position, entry) in ports.iter().enumerate() {
            let Some((port, protocol)) = entry else {
                continue;
            };
            let purpose = if position % 2 == 0 {
                "traffic"
            } else {
                "health checks"
            };
            if seen.contains(&(*port, *protocol, source.clone())) {
                continue;
            }
            seen.push((*port, *protocol, source.clone()));
            let description = if alone {
                format!("{purpose} from the load balancer to port {port}")
            } else {
                format!("{purpose} from {owner}'s load balancer to port {port}")
            };
            ingress_rules.push(json!({
                "Description": description,
                "FromPort": port,
                "IpProtocol": protocol,
                "SourceSecurityGroupId": Expr::reference(source.clone()),
                "ToPort": port
            }));
        }
    }
    // Callers of a headless Service reach the ordinals' VMs directly, from within the
    // application, as internal load balancers admit them, or exactly what the NetworkPolicies
    // isolating them admit.
    if let Some(stateful) = deployment
        .stateful
        .as_ref()
        .filter(|stateful| !stateful.headless.is_empty())
    {
        for entry in &stateful.ports {
            let port = entry.port;
            match &entry.admission {
                Admission::Default => ingress_rules.push(json!({
                    "Description": format!("callers of the headless Service to port {port}"),
                    "FromPort": port,
                    "IpProtocol": if entry.udp { "udp" } else { "tcp" },
                    "SourceSecurityGroupId": Expr::reference(APPLICATION_SECURITY_GROUP),
                    "ToPort": port
                })),
                Admission::Only(sources) => {
                    let protocol = if entry.udp {
                        Protocol::Udp
                    } else {
                        Protocol::Tcp
                    };
                    ingress_rules.extend(admitted_rules(port, protocol, sources));
                }
            }
        }
    }
    let mut properties = json!({
        "GroupDescription": format!("i2kit {} VMs", deployment.name),
        "SecurityGroupEgress": egress_rules(&deployment.egress),
        "VpcId": Expr::reference(VPC_PARAMETER),
    });
    if !ingress_rules.is_empty() {
        properties["SecurityGroupIngress"] = Value::Array(ingress_rules);
    }
    json!({ "Type": "AWS::EC2::SecurityGroup", "Properties": properties })
}
