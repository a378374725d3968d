//! What NetworkPolicies compile to in security groups: a listener port that admits exactly the
//! sources they name, the outbound rules of a Deployment's own group, and the group a
//! Deployment's VMs carry so that they can be named. That group has no rules of its own and is
//! referenced by load balancers' groups only, so groups never reference each other in a cycle
//! (a Deployment that calls itself included), and every rule stays inline in its group.
//!
//! Outbound rules of every group a VM carries add up, so only the VM's own instance group has
//! any: the groups VMs share (the application's, the client groups) carry [`no_egress`]. A group
//! created with no outbound rule gets AWS's allow-all, so they carry a rule that matches no
//! traffic instead, as AWS CDK does (`MATCH_NO_TRAFFIC` in `aws-ec2/lib/security-group.ts`).

use crate::emit::intrinsic::Expr;
use crate::emit::naming::{APPLICATION_SECURITY_GROUP, Names, VPC_PARAMETER};
use crate::model::{Destination, Egress, Port, Protocol, Source, Traffic};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The logical id of the group `deployment`'s VMs carry when a policy names them.
#[must_use]
pub fn client_security_group_id(deployment: &str) -> String {
    Names::new(deployment).with("ClientSecurityGroup")
}

/// The group itself: no rules; load balancers admit it.
#[must_use]
pub fn client_security_group(deployment: &str) -> Value {
    json!({
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupDescription": format!("i2kit {deployment} VMs as callers: load balancers NetworkPolicies restrict admit this group"),
            "SecurityGroupEgress": no_egress(),
            "VpcId": Expr::reference(VPC_PARAMETER)
        }
    })
}

/// The outbound rules of a group that must allow nothing: one rule matching no traffic (ICMP
/// type 252 code 86 to the broadcast address), since a group written without any gets AWS's
/// allow-all.
#[must_use]
pub fn no_egress() -> Value {
    json!([{
        "CidrIp": "255.255.255.255/32",
        "Description": "no outbound traffic: this rule matches none, and replaces the allow-all AWS adds to a group without outbound rules",
        "FromPort": 252,
        "IpProtocol": "icmp",
        "ToPort": 86
    }])
}

/// The outbound rules of a Deployment's own group: every destination unless NetworkPolicies
/// restrict its egress (what AWS gives a new group, IPv4 and IPv6), else exactly what they
/// allow.
#[must_use]
pub fn egress_rules(egress: &Egress) -> Value {
    let Egress::Only(destinations) = egress else {
        return json!([
            {"CidrIp": "0.0.0.0/0", "Description": "every destination: no NetworkPolicy restricts these VMs' egress", "IpProtocol": "-1"},
            {"CidrIpv6": "::/0", "Description": "every destination: no NetworkPolicy restricts these VMs' egress", "IpProtocol": "-1"}
        ]);
    };
    if destinations.is_empty() {
        return no_egress();
    }
    let rules: Vec<Value> = destinations
        .iter()
        .map(|destination| match destination {
            Destination::LoadBalancer {
                service,
                port,
                protocol,
            } => json!({
                "Description": format!("{} to {service}'s load balancer on port {port}, as NetworkPolicy allows", protocol.as_str()),
                "DestinationSecurityGroupId": Expr::reference(Names::new(service.as_str()).with("LoadBalancerSecurityGroup")),
                "FromPort": port,
                "IpProtocol": protocol.ip_protocol(),
                "ToPort": port
            }),
            Destination::Block { cidr, traffic } => {
                let (protocol, ports) = match traffic {
                    Traffic::Any => ("-1", None),
                    Traffic::Tcp(low, high) => ("tcp", Some((low, high))),
                    Traffic::Udp(low, high) => ("udp", Some((low, high))),
                    Traffic::Sctp => ("132", None),
                };
                let what = match ports {
                    None if protocol == "-1" => "all traffic".to_string(),
                    None => "SCTP".to_string(),
                    Some((low, high)) if low == high => format!("{protocol} port {low}"),
                    Some((low, high)) => format!("{protocol} ports {low}-{high}"),
                };
                let mut rule = json!({
                    if cidr.is_ipv4() { "CidrIp" } else { "CidrIpv6" }: cidr.to_string(),
                    "Description": format!("{what} to {cidr}, as NetworkPolicy allows"),
                    "IpProtocol": protocol
                });
                if let Some((low, high)) = ports {
                    rule["FromPort"] = json!(low);
                    rule["ToPort"] = json!(high);
                }
                rule
            }
        })
        .collect();
    Value::Array(rules)
}

/// One rule per source on `port`; none at all for no source, which admits nobody.
#[must_use]
pub fn admitted_rules(port: Port, protocol: Protocol, sources: &BTreeSet<Source>) -> Vec<Value> {
    sources
        .iter()
        .map(|source| {
            let (key, value, who) = match source {
                Source::Deployment(name) => (
                    "SourceSecurityGroupId",
                    json!(Expr::reference(client_security_group_id(name.as_str()))),
                    format!("{name}'s VMs"),
                ),
                Source::Application => (
                    "SourceSecurityGroupId",
                    json!(Expr::reference(APPLICATION_SECURITY_GROUP)),
                    "the application's VMs".to_string(),
                ),
                Source::Block(block) => (
                    if block.is_ipv4() { "CidrIp" } else { "CidrIpv6" },
                    json!(block.to_string()),
                    block.to_string(),
                ),
            };
            json!({
                key: value,
                "Description": format!("{} from {who} on port {port}, as NetworkPolicy admits", protocol.as_str()),
                "FromPort": port,
                "IpProtocol": protocol.ip_protocol(),
                "ToPort": port
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::intent::network_policy::Cidr;

    #[test]
    fn each_source_is_one_rule_on_the_listener_port() {
        let sources: BTreeSet<Source> = [
            Source::Deployment("web".into()),
            Source::Application,
            Source::Block(Cidr::parse("10.0.0.0/8").unwrap()),
            Source::Block(Cidr::parse("2001:db8::/32").unwrap()),
        ]
        .into_iter()
        .collect();
        let rules = admitted_rules(Port::new(8080).unwrap(), Protocol::Tcp, &sources);
        assert_eq!(rules.len(), 4);
        assert_eq!(
            rules[0]["SourceSecurityGroupId"],
            json!({"Ref": "WebClientSecurityGroup"})
        );
        assert_eq!(
            rules[1]["SourceSecurityGroupId"],
            json!({"Ref": "ApplicationSecurityGroup"})
        );
        assert_eq!(rules[2]["CidrIp"], "10.0.0.0/8");
        assert_eq!(rules[3]["CidrIpv6"], "2001:db8::/32");
        assert!(
            rules
                .iter()
                .all(|rule| rule["FromPort"] == 8080 && rule["ToPort"] == 8080)
        );
        assert!(admitted_rules(Port::HTTP, Protocol::Udp, &BTreeSet::new()).is_empty());
    }
}
