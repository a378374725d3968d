//! What NetworkPolicies compile to in security groups: a listener port that admits exactly the
//! sources they name, and the group a Deployment's VMs carry so that they can be named. That
//! group has no rules of its own and is referenced by load balancers' groups only, so groups
//! never reference each other in a cycle (a Deployment that calls itself included), and every
//! rule stays inline in its group.

use crate::emit::intrinsic::Expr;
use crate::emit::naming::{APPLICATION_SECURITY_GROUP, Names, VPC_PARAMETER};
use crate::model::{Protocol, Source};
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
            "VpcId": Expr::reference(VPC_PARAMETER)
        }
    })
}

/// One rule per source on `port`; none at all for no source, which admits nobody.
#[must_use]
pub fn admitted_rules(port: u16, protocol: Protocol, sources: &BTreeSet<Source>) -> Vec<Value> {
    sources
        .iter()
        .map(|source| {
            let (key, value, who) = match source {
                Source::Deployment(name) => (
                    "SourceSecurityGroupId",
                    json!(Expr::reference(client_security_group_id(name))),
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
        let rules = admitted_rules(8080, Protocol::Tcp, &sources);
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
        assert!(admitted_rules(80, Protocol::Udp, &BTreeSet::new()).is_empty());
    }
}
