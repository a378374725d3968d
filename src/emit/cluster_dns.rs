//! The VPC's private hosted zone `cluster.local` and each service's record in it. A VPC can be
//! associated with only one private zone of a name, so a second stack in the same VPC passes
//! the first one's zone id instead of creating another (Route 53 ConflictingDomainExists).

use crate::diagnostic::{Code, Diagnostic};
use crate::dns::{CLUSTER_DOMAIN, service_domain, service_domain_of};
use crate::emit::aws_quotas::MAX_RECORD_VALUES;
use crate::emit::intrinsic::Expr;
use crate::emit::naming::{CLUSTER_ZONE_CONDITION, CLUSTER_ZONE_PARAMETER, Names, VPC_PARAMETER};
use crate::model::{
    Application, DEFAULT_NAMESPACE, ExternalName, Namespace, Service, ServiceEndpoints,
};
use serde_json::{Value, json};

/// The logical id of the zone the template creates when no zone id is passed.
pub const CLUSTER_ZONE: &str = "ClusterDnsZone";

#[must_use]
pub fn zone_parameter() -> Value {
    json!({
        "Type": "String",
        "Default": "",
        "Description": "The id of an existing private hosted zone cluster.local associated with this VPC (another i2kit stack's ClusterDnsZoneId output); empty creates one. A VPC can hold one private zone of a name. The VPC needs enableDnsSupport and enableDnsHostnames.",
        "AllowedPattern": "^$|^Z[A-Z0-9]{1,31}$",
        "ConstraintDescription": "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or empty"
    })
}

#[must_use]
pub fn zone_condition() -> Value {
    json!({ "Fn::Equals": [Expr::reference(CLUSTER_ZONE_PARAMETER), ""] })
}

#[must_use]
pub fn zone() -> Value {
    json!({
        "Type": "AWS::Route53::HostedZone",
        "Condition": CLUSTER_ZONE_CONDITION,
        "Properties": {
            "HostedZoneConfig": {
                "Comment": "Kubernetes service names for i2kit VMs: <service>.<namespace>.svc.cluster.local"
            },
            "Name": CLUSTER_DOMAIN,
            "VPCs": [{
                "VPCId": Expr::reference(VPC_PARAMETER),
                "VPCRegion": Expr::reference("AWS::Region")
            }]
        },
        "Metadata": {
            "checkov": {
                "skip": [{
                    "id": "CKV2_AWS_38",
                    "comment": "a private zone answers only inside the VPC; DNSSEC signing applies to public zones"
                }, {
                    "id": "CKV2_AWS_39",
                    "comment": "query logging for a private zone goes through Route 53 Resolver query logging, configured per VPC outside the application's stack"
                }]
            }
        }
    })
}

/// The zone in use: the one created here, or the one passed in.
#[must_use]
pub fn zone_id() -> Expr {
    Expr::If(
        CLUSTER_ZONE_CONDITION.to_string(),
        Box::new(Expr::reference(CLUSTER_ZONE)),
        Box::new(Expr::reference(CLUSTER_ZONE_PARAMETER)),
    )
}

#[must_use]
pub fn zone_output() -> Value {
    json!({
        "Description": "The private hosted zone cluster.local: pass it as ClusterDnsZoneId to other stacks in this VPC.",
        "Value": zone_id()
    })
}

/// `<name>.<namespace>.svc.cluster.local.` as an alias of the service's load balancer.
#[must_use]
pub fn cluster_record(service: &Service, alias_target: &Value) -> Value {
    json!({
        "Type": "AWS::Route53::RecordSet",
        "Properties": {
            "AliasTarget": alias_target,
            "HostedZoneId": zone_id(),
            "Name": service_domain(service) + ".",
            "Type": "A"
        }
    })
}

/// How long resolvers keep an external name's answer: the 60 seconds Elastic Load Balancing
/// gives the load balancers' names, which the other records of the zone alias.
const EXTERNAL_NAME_TTL_SECONDS: &str = "60";

/// The logical id of an external name's record: `<Name>ExternalName`, the name prefixed by
/// its namespace outside `default` (as instance profiles are), so that one name in two
/// namespaces is two records.
#[must_use]
pub fn external_name_id(name: &ExternalName) -> String {
    namespaced(&[name.name.as_str()], &name.namespace).with("ExternalName")
}

/// The logical-id stem of `parts` (joined by `-`) in `namespace`: prefixed by the namespace
/// outside `default`, so that one name in two namespaces is two resources.
fn namespaced(parts: &[&str], namespace: &Namespace) -> Names {
    if *namespace == DEFAULT_NAMESPACE {
        Names::new(&parts.join("-"))
    } else {
        Names::new(&[&[namespace.as_str()], parts].concat().join("-"))
    }
}

/// An A record of `name` in the cluster zone with `addresses`.
#[must_use]
pub fn address_record(name: &str, addresses: Vec<Expr>) -> Value {
    json!({
        "Type": "AWS::Route53::RecordSet",
        "Properties": {
            "HostedZoneId": zone_id(),
            "Name": format!("{name}."),
            "ResourceRecords": addresses,
            "TTL": "30",
            "Type": "A"
        }
    })
}

/// The logical id of the record of a selectorless Service's addresses: `<Name>Endpoints`,
/// namespaced as [`external_name_id`].
#[must_use]
pub fn endpoints_id(service: &ServiceEndpoints) -> String {
    namespaced(&[service.name.as_str()], &service.namespace).with("Endpoints")
}

/// The logical id of the record of `hostname` under a headless selectorless Service:
/// `<Name><Hostname>Endpoint`.
#[must_use]
pub fn endpoint_hostname_id(service: &ServiceEndpoints, hostname: &str) -> String {
    namespaced(&[service.name.as_str(), hostname], &service.namespace).with("Endpoint")
}

/// `<name>.<namespace>.svc.cluster.local.` listing the Service's ready addresses.
#[must_use]
pub fn endpoints_record(service: &ServiceEndpoints) -> Value {
    address_record(
        &service_domain_of(service.name.as_str(), &service.namespace),
        service
            .addresses
            .iter()
            .map(|ip| Expr::text(ip.to_string()))
            .collect(),
    )
}

/// `<hostname>.<name>.<namespace>.svc.cluster.local.` listing the addresses of that hostname,
/// as the cluster DNS names an address of a headless Service that has one.
#[must_use]
pub fn endpoint_hostname_record(
    service: &ServiceEndpoints,
    hostname: &str,
    addresses: &std::collections::BTreeSet<std::net::Ipv4Addr>,
) -> Value {
    address_record(
        &[
            hostname,
            &service_domain_of(service.name.as_str(), &service.namespace),
        ]
        .join("."),
        addresses
            .iter()
            .map(|ip| Expr::text(ip.to_string()))
            .collect(),
    )
}

/// `<name>.<namespace>.svc.cluster.local.` as a CNAME of the external host, as the cluster DNS
/// answers for an `ExternalName` Service.
#[must_use]
pub fn external_name_record(name: &ExternalName) -> Value {
    json!({
        "Type": "AWS::Route53::RecordSet",
        "Properties": {
            "HostedZoneId": zone_id(),
            "Name": service_domain_of(&name.name, &name.namespace) + ".",
            "ResourceRecords": [name.target],
            "TTL": EXTERNAL_NAME_TTL_SECONDS,
            "Type": "CNAME"
        }
    })
}

/// An error at each Service without a selector whose record would list more addresses than
/// one Route 53 record can be written with ([`MAX_RECORD_VALUES`]).
///
/// # Errors
/// Those errors, when there is one.
pub fn check_endpoint_records(application: &Application) -> Result<(), Vec<Diagnostic>> {
    let problems: Vec<Diagnostic> = application
        .service_endpoints
        .iter()
        .filter_map(|service| {
            let most = service
                .hostnames
                .values()
                .map(std::collections::BTreeSet::len)
                .chain([service.addresses.len()])
                .max()
                .unwrap_or_default();
            (most > MAX_RECORD_VALUES).then(|| {
                Diagnostic::error(
                    Code::TemplateLimit,
                    Some(service.span),
                    format!(
                        "Service `{}` would list {most} ready addresses in one Route 53 record; i2kit writes at most {MAX_RECORD_VALUES}, half of what one change to Route 53 may carry",
                        service.name
                    ),
                )
                .with_help("split the addresses between several Services without a selector, or put a load balancer in front of them outside i2kit")
            })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
