//! Who may call an internal load balancer: the application's own VMs, and nothing else unless
//! the stack is told so. Every VM of every deployment carries one application security group,
//! which has no ingress of its own; an internal load balancer admits that group on its
//! listener ports. So a VM calls any service of its application, while an address that is
//! merely routed into the VPC (a peered VPC, a Transit Gateway, a VPN) does not, whatever its
//! range. Two parameters widen that on purpose, each empty by default and adding no rule then:
//! `InternalClientCidr`, a range, and `InternalClientSecurityGroupId`, another group (the
//! `ApplicationSecurityGroupId` output of another stack whose VMs call these services).

use crate::emit::intrinsic::Expr;
use crate::emit::naming::{
    APPLICATION_SECURITY_GROUP, INTERNAL_CIDR_CONDITION, INTERNAL_CIDR_PARAMETER,
    INTERNAL_SOURCE_GROUP_CONDITION, INTERNAL_SOURCE_GROUP_PARAMETER, VPC_PARAMETER,
};
use crate::emit::policy_rules::no_egress;
use crate::model::Port;
use crate::model::admission::{Source, admitted_sources};
use serde_json::{Value, json};

/// The application's group: no ingress; what it is for is being a source other groups admit.
/// No egress either: every VM carries it, and outbound rules add up over a VM's groups, so each
/// VM's own group says where it may call.
#[must_use]
pub fn application_security_group() -> Value {
    json!({
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupDescription": "i2kit application VMs: internal load balancers admit this group",
            "SecurityGroupEgress": no_egress(),
            "VpcId": Expr::reference(VPC_PARAMETER)
        }
    })
}

/// The group's id, for another stack's [`INTERNAL_SOURCE_GROUP_PARAMETER`].
#[must_use]
pub fn application_security_group_output() -> Value {
    json!({
        "Description": format!("The security group every VM of this stack carries: pass it as {INTERNAL_SOURCE_GROUP_PARAMETER} to another i2kit stack in this VPC whose internal services these VMs call."),
        "Value": Expr::get_att(APPLICATION_SECURITY_GROUP, "GroupId")
    })
}

#[must_use]
pub fn internal_cidr_parameter() -> Value {
    json!({
        "Type": "String",
        "Default": "",
        "Description": "An IPv4 range internal load balancers also admit on their listener ports, beyond this stack's VMs (e.g. a peered VPC's CIDR). Empty, the default, admits no range.",
        "AllowedPattern": "^$|^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$",
        "ConstraintDescription": "an IPv4 CIDR block such as 10.0.0.0/16, or empty"
    })
}

#[must_use]
pub fn internal_source_group_parameter() -> Value {
    json!({
        "Type": "String",
        "Default": "",
        "Description": "A security group whose members internal load balancers also admit on their listener ports: another i2kit stack's ApplicationSecurityGroupId output, in this VPC. Empty, the default, admits no other group.",
        "AllowedPattern": "^$|^sg-([0-9a-f]{8}|[0-9a-f]{17})$",
        "ConstraintDescription": "a security group id such as sg-0123456789abcdef0, or empty"
    })
}

/// The condition under which `parameter` adds a rule: it is not empty.
#[must_use]
pub fn parameter_given(parameter: &str) -> Value {
    json!({ "Fn::Not": [{ "Fn::Equals": [Expr::reference(parameter), ""] }] })
}

/// The ingress rules of an internal load balancer's group for one listener port without
/// source ranges, whose protocol is `protocol` (as listeners name it) and `ip_protocol` (as
/// rules do): the application's group always; the parameters' range and group only when they
/// are given.
#[must_use]
pub fn internal_client_rules(port: Port, protocol: &str, ip_protocol: &str) -> Vec<Value> {
    admitted_sources(false, false, &[])
        .into_iter()
        .filter_map(|source| internal_client_rule(source, port, protocol, ip_protocol))
        .collect()
}

/// The rule admitting `source` on `port` when it is the application's group or an internal
/// client parameter; `None` for a range, which the load balancer's group writes itself.
#[must_use]
pub fn internal_client_rule(
    source: Source,
    port: Port,
    protocol: &str,
    ip_protocol: &str,
) -> Option<Value> {
    let rule = |key: &str, source: Expr, who: &str| {
        json!({
            key: source,
            "Description": format!("{protocol} from {who} on port {port}"),
            "FromPort": port,
            "IpProtocol": ip_protocol,
            "ToPort": port
        })
    };
    let only_if = |condition: &str, rule: Value| {
        json!(Expr::If(
            condition.to_string(),
            Box::new(Expr::Json(rule)),
            Box::new(Expr::NoValue),
        ))
    };
    Some(match source {
        Source::Range(_) => return None,
        Source::ApplicationVms => rule(
            "SourceSecurityGroupId",
            Expr::reference(APPLICATION_SECURITY_GROUP),
            "the application's VMs",
        ),
        Source::InternalClientCidr => only_if(
            INTERNAL_CIDR_CONDITION,
            rule(
                "CidrIp",
                Expr::reference(INTERNAL_CIDR_PARAMETER),
                INTERNAL_CIDR_PARAMETER,
            ),
        ),
        Source::InternalClientSecurityGroup => only_if(
            INTERNAL_SOURCE_GROUP_CONDITION,
            rule(
                "SourceSecurityGroupId",
                Expr::reference(INTERNAL_SOURCE_GROUP_PARAMETER),
                INTERNAL_SOURCE_GROUP_PARAMETER,
            ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without the parameters, the only source is the application's group: no range at all,
    /// so nothing routed into the VPC gets in.
    #[test]
    fn an_internal_listener_admits_the_application_and_opts_in_the_rest() {
        let rules = internal_client_rules(Port::new(6379).unwrap(), "TCP", "tcp");
        assert_eq!(
            rules[0],
            json!({
                "SourceSecurityGroupId": { "Ref": "ApplicationSecurityGroup" },
                "Description": "TCP from the application's VMs on port 6379",
                "FromPort": 6379,
                "IpProtocol": "tcp",
                "ToPort": 6379
            })
        );
        for (rule, condition, parameter) in [
            (&rules[1], "AdmitInternalClientCidr", "InternalClientCidr"),
            (
                &rules[2],
                "AdmitInternalClientSecurityGroup",
                "InternalClientSecurityGroupId",
            ),
        ] {
            let branches = &rule["Fn::If"];
            assert_eq!(branches[0], condition);
            assert_eq!(branches[2], json!({ "Ref": "AWS::NoValue" }));
            let source = branches[1]
                .get("CidrIp")
                .or_else(|| branches[1].get("SourceSecurityGroupId"));
            assert_eq!(source, Some(&json!({ "Ref": parameter })));
        }
        assert_eq!(internal_cidr_parameter()["Default"], "");
        assert_eq!(internal_source_group_parameter()["Default"], "");
        assert_eq!(
            parameter_given(INTERNAL_CIDR_PARAMETER),
            json!({ "Fn::Not": [{ "Fn::Equals": [{ "Ref": "InternalClientCidr" }, ""] }] })
        );
    }

    #[test]
    fn udp_listeners_admit_udp() {
        let rules = internal_client_rules(Port::new(53).unwrap(), "UDP", "udp");
        assert_eq!(rules[0]["IpProtocol"], "udp");
        assert_eq!(rules[1]["Fn::If"][1]["IpProtocol"], "udp");
    }
}
