//! The traffic path of each service: security groups, the load balancer, its listeners and
//! target groups, and its Route 53 names: the public `<name>.<zone>` and the Kubernetes
//! `<name>.<namespace>.svc.cluster.local` in the VPC's private zone.

use crate::cidr::Cidr;
use crate::emit::application_security_group::internal_client_rule;
use crate::emit::balancer_product::BalancerProduct;
use crate::emit::cluster_dns::cluster_record;
use crate::emit::intrinsic::Expr;
use crate::emit::naming::{
    HOSTED_ZONE_PARAMETER, LOGS_BUCKET_PARAMETER, LOGS_CONDITION, Names, SUBNETS_PARAMETER,
    VPC_PARAMETER,
};
use crate::emit::ordinals::target_entries;
use crate::emit::policy_rules::admitted_rules;
use crate::emit::template_builder::Make;
use crate::model::admission::{Source, admitted_sources};
use crate::model::{
    Admission, Certificate, HealthCheck, HttpSuccess, Listener, LoadBalancer, Port, Protocol,
    Service,
};
use serde_json::{Value, json};

/// TLS 1.3 with 1.2 fallback: AWS's recommended policy for HTTPS and TLS listeners.
pub const TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/// The newest predefined policy a classic load balancer accepts (TLS 1.2 only; classic ones
/// have no TLS 1.3 policy).
pub const CLASSIC_TLS_POLICY: &str = "ELBSecurityPolicy-TLS-1-2-2017-01";
/// The name the classic load balancer's listeners use for [`CLASSIC_TLS_POLICY`].
const CLASSIC_TLS_POLICY_NAME: &str = "i2kit-tls";

/// Records in a resource's Metadata why a security-scanner check does not apply, so a scan
/// reports no unexplained finding (`checkov` reads `Metadata.checkov.skip`).
pub(crate) fn explain_skips(mut resource: Value, skips: &[(&str, String)]) -> Value {
    if !skips.is_empty() {
        let entries: Vec<Value> = skips
            .iter()
            .map(|(id, comment)| json!({ "id": id, "comment": comment }))
            .collect();
        resource["Metadata"] = json!({ "checkov": { "skip": entries } });
    }
    resource
}

pub(crate) const ACCESS_LOGS_SKIP: &str = "access logs are written when the LoadBalancerLogsBucket parameter names a bucket; the scanner cannot evaluate Fn::If";

const CONDITIONAL_RULES_SKIP: &str = "every rule has a Description; those InternalClientCidr and InternalClientSecurityGroupId add are inside Fn::If, which the scanner cannot evaluate";

pub(crate) fn ip_protocol(protocol: Protocol) -> &'static str {
    protocol.ip_protocol()
}

/// The load balancer's group: open on its listener ports only, to whom
/// [`admitted_sources`] names.
#[must_use]
pub fn load_balancer_security_group(service: &Service) -> Value {
    let load_balancer = &service.load_balancer;
    let ports: Vec<(ListenerPort<'_>, &Admission)> = load_balancer
        .listeners
        .iter()
        .map(|listener| {
            (
                (
                    listener.port,
                    listener.protocol,
                    load_balancer.source_ranges.as_slice(),
                ),
                &listener.admission,
            )
        })
        .collect();
    admitting_security_group(&service.name, load_balancer.public, false, &ports)
}

/// A listener port, its protocol, and the source ranges the manifest admits there (empty:
/// none written).
pub type ListenerPort<'a> = (Port, Protocol, &'a [Cidr]);

/// A load balancer's group named after `owner`, internet-facing when `public`, reached over
/// IPv6 too when `dual_stack`: one ingress rule per port and source [`admitted_sources`]
/// names, in that order.
#[must_use]
pub fn listener_security_group(
    owner: &str,
    public: bool,
    dual_stack: bool,
    ports: &[ListenerPort<'_>],
) -> Value {
    let ports: Vec<(ListenerPort<'_>, &Admission)> = ports
        .iter()
        .map(|port| (*port, &Admission::Default))
        .collect();
    admitting_security_group(owner, public, dual_stack, &ports)
}

/// [`listener_security_group`], each port admitting what its [`Admission`] says: the sources
/// [`admitted_sources`] names by default, or exactly those the NetworkPolicies isolating the
/// VMs behind it name (`policy_rules`).
fn admitting_security_group(
    owner: &str,
    public: bool,
    dual_stack: bool,
    ports: &[(ListenerPort<'_>, &Admission)],
) -> Value {
    let mut ingress: Vec<Value> = Vec::new();
    let mut conditional = false;
    for ((port, protocol, ranges), admission) in ports {
        if let Admission::Only(sources) = admission {
            ingress.extend(admitted_rules(*port, *protocol, sources));
            continue;
        }
        for source in admitted_sources(public, dual_stack, ranges) {
            let Source::Range(cidr) = source else {
                conditional |= source != Source::ApplicationVms;
                ingress.extend(internal_client_rule(
                    source,
                    *port,
                    protocol.as_str(),
                    ip_protocol(*protocol),
                ));
                continue;
            };
            let key = if cidr.is_ipv6() { "CidrIpv6" } else { "CidrIp" };
            let description = if cidr.prefix() == 0 {
                format!("{} clients on port {port}", protocol.as_str())
            } else {
                format!("{} from {cidr} on port {port}", protocol.as_str())
            };
            ingress.push(json!({
                key: cidr.to_string(),
                "Description": description,
                "FromPort": port,
                "IpProtocol": ip_protocol(*protocol),
                "ToPort": port
            }));
        }
    }
    let resource = json!({
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupDescription": format!("i2kit {owner} load balancer"),
            "SecurityGroupIngress": ingress,
            "VpcId": Expr::reference(VPC_PARAMETER)
        }
    });
    // What the scanner reports and why it stays: port 80 open to every address, which the
    // manifest asked for (an internet-facing load balancer without source ranges or policy, or
    // a range of 0.0.0.0/0 or ::/0 written on purpose); an internal group's opt-in rules,
    // inside Fn::If it cannot read.
    let defaulted = |admission: &Admission| *admission == Admission::Default;
    let everyone_on_port_80 = ports.iter().any(|((port, _, ranges), admission)| {
        port.get() == 80
            && defaulted(admission)
            && admitted_sources(public, dual_stack, ranges)
                .iter()
                .any(|source| matches!(source, Source::Range(cidr) if cidr.prefix() == 0))
    });
    let mut skips = Vec::new();
    if conditional {
        skips.push(("CKV_AWS_23", CONDITIONAL_RULES_SKIP.to_string()));
    }
    if everyone_on_port_80 {
        let why = if public
            && !ports
                .iter()
                .any(|((port, _, ranges), _)| port.get() == 80 && !ranges.is_empty())
        {
            format!("{owner} is a public service: the manifest exposes port 80 to the internet")
        } else {
            format!("the manifest's source ranges for {owner} admit every address on port 80")
        };
        skips.push(("CKV_AWS_260", why));
    }
    explain_skips(resource, &skips)
}

/// Every traffic resource of a service, by logical id, in template order, each value made when
/// the template is built.
#[must_use]
///
/// `ordinals` are the instances of StatefulSets behind it, registered as targets (an Auto
/// Scaling group registers its own).
pub fn traffic_resources<'a>(
    service: &'a Service,
    names: &Names,
    ordinals: Vec<String>,
) -> Vec<(String, Make<'a>)> {
    let ordinals = std::rc::Rc::new(ordinals);
    let load_balancer = &service.load_balancer;
    let owned = names.clone();
    let mut resources: Vec<(String, Make<'a>)> = vec![(
        names.with("LoadBalancerSecurityGroup"),
        Box::new(move || load_balancer_security_group(service)),
    )];
    match BalancerProduct::for_layer(load_balancer.layer) {
        BalancerProduct::Classic => {
            let names = owned.clone();
            let instances = std::rc::Rc::clone(&ordinals);
            resources.push((
                owned.with("LoadBalancer"),
                Box::new(move || {
                    let mut resource = classic_load_balancer(service, &names);
                    if !instances.is_empty() {
                        resource["Properties"]["Instances"] = Value::Array(
                            instances
                                .iter()
                                .map(|id| json!(Expr::reference(id.clone())))
                                .collect(),
                        );
                    }
                    resource
                }),
            ));
        }
        product @ (BalancerProduct::Application | BalancerProduct::Network) => {
            let names = owned.clone();
            resources.push((
                owned.with("LoadBalancer"),
                Box::new(move || elbv2_load_balancer(service, product, &names)),
            ));
            for listener in &load_balancer.listeners {
                let instances = std::rc::Rc::clone(&ordinals);
                resources.push((
                    target_group_id(&owned, listener),
                    Box::new(move || {
                        let mut resource = target_group(listener);
                        if !instances.is_empty() {
                            resource["Properties"]["Targets"] = target_entries(&instances);
                        }
                        resource
                    }),
                ));
                let names = owned.clone();
                resources.push((
                    owned.with(&format!("Listener{}", listener.port)),
                    Box::new(move || listener_resource(listener, &names)),
                ));
            }
        }
    }
    let names = owned.clone();
    resources.push((
        owned.with("DnsRecord"),
        Box::new(move || dns_record(service, &names)),
    ));
    resources.push((
        owned.with("ClusterDnsRecord"),
        Box::new(move || cluster_record(service, &alias_target(load_balancer, &owned))),
    ));
    resources
}

/// The logical id of the target group behind `listener`.
#[must_use]
pub fn target_group_id(names: &Names, listener: &Listener) -> String {
    names.with(&format!("TargetGroup{}", listener.port))
}

fn scheme(public: bool) -> &'static str {
    if public {
        "internet-facing"
    } else {
        "internal"
    }
}

/// The S3 access-log attributes, present only when a logs bucket is given; logs go under
/// `prefix`.
pub(crate) fn access_log_attributes(prefix: &str) -> Vec<Value> {
    let only_with_bucket = |key: &str, value: Expr| {
        json!(Expr::If(
            LOGS_CONDITION.to_string(),
            Box::new(Expr::Json(json!({ "Key": key, "Value": value }))),
            Box::new(Expr::NoValue),
        ))
    };
    vec![
        json!({
            "Key": "access_logs.s3.enabled",
            "Value": Expr::If(LOGS_CONDITION.to_string(), Box::new(Expr::text("true")), Box::new(Expr::text("false")))
        }),
        only_with_bucket(
            "access_logs.s3.bucket",
            Expr::reference(LOGS_BUCKET_PARAMETER),
        ),
        only_with_bucket("access_logs.s3.prefix", Expr::text(prefix)),
    ]
}

fn elbv2_load_balancer(service: &Service, product: BalancerProduct, names: &Names) -> Value {
    elbv2_load_balancer_resource(product, service.load_balancer.public, &service.name, names)
}

/// An application or network load balancer in the template's subnets, behind the security
/// group `names` names, logging under `log_prefix` when a bucket is given. Application load
/// balancers drop invalid header fields; network ones balance across zones.
#[must_use]
pub fn elbv2_load_balancer_resource(
    product: BalancerProduct,
    public: bool,
    log_prefix: &str,
    names: &Names,
) -> Value {
    let (kind, first) = match product {
        BalancerProduct::Network => (
            "network",
            json!({ "Key": "load_balancing.cross_zone.enabled", "Value": "true" }),
        ),
        _ => (
            "application",
            json!({ "Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true" }),
        ),
    };
    let mut attributes = vec![first];
    attributes.extend(access_log_attributes(log_prefix));
    let resource = json!({
        "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "Properties": {
            "LoadBalancerAttributes": attributes,
            "Scheme": scheme(public),
            "SecurityGroups": [Expr::reference(names.with("LoadBalancerSecurityGroup"))],
            "Subnets": Expr::reference(SUBNETS_PARAMETER),
            "Type": kind
        }
    });
    explain_skips(resource, &[("CKV_AWS_91", ACCESS_LOGS_SKIP.to_string())])
}

fn target_group(listener: &Listener) -> Value {
    target_group_resource(
        listener.target_port,
        listener.target_protocol,
        &listener.health_check,
    )
}

/// A target group of instances on `port`, checked by `check`.
#[must_use]
pub fn target_group_resource(port: Port, protocol: Protocol, check: &HealthCheck) -> Value {
    let mut properties = json!({
        "HealthCheckEnabled": true,
        "HealthCheckIntervalSeconds": check.interval_seconds,
        "HealthCheckPort": check.port.to_string(),
        "HealthCheckProtocol": check.protocol.as_str(),
        "HealthCheckTimeoutSeconds": check.timeout_seconds,
        "HealthyThresholdCount": check.healthy_threshold,
        "Port": port,
        "Protocol": protocol.as_str(),
        "TargetType": "instance",
        "UnhealthyThresholdCount": check.unhealthy_threshold,
        "VpcId": Expr::reference(VPC_PARAMETER),
    });
    if let Some(path) = &check.path {
        properties["HealthCheckPath"] = json!(path);
        properties["Matcher"] = match &check.success {
            HttpSuccess::Grpc(codes) => json!({ "GrpcCode": codes }),
            success => json!({ "HttpCode": success.codes() }),
        };
    }
    json!({ "Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": properties })
}

pub(crate) fn certificate_arn(certificate: &Certificate, names: &Names) -> Option<Expr> {
    match certificate {
        Certificate::None => None,
        Certificate::Arn(arn) => Some(Expr::text(arn.clone())),
        Certificate::Parameter => Some(Expr::reference(names.with("CertificateArn"))),
    }
}

fn listener_resource(listener: &Listener, names: &Names) -> Value {
    let mut properties = json!({
        "DefaultActions": [{
            "TargetGroupArn": Expr::reference(target_group_id(names, listener)),
            "Type": "forward"
        }],
        "LoadBalancerArn": Expr::reference(names.with("LoadBalancer")),
        "Port": listener.port,
        "Protocol": listener.protocol.as_str(),
    });
    if let Some(arn) = certificate_arn(&listener.certificate, names) {
        properties["Certificates"] = json!([{ "CertificateArn": arn }]);
        properties["SslPolicy"] = json!(TLS_POLICY);
    }
    let resource =
        json!({ "Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": properties });
    let skips: Vec<(&str, String)> = if listener.protocol == Protocol::Http {
        let why = format!(
            "the manifest asks for plain HTTP on port {}; add an HTTPS port to serve TLS",
            listener.port
        );
        vec![("CKV_AWS_2", why.clone()), ("CKV_AWS_103", why)]
    } else {
        Vec::new()
    };
    explain_skips(resource, &skips)
}

/// Classic ELB protocol names: TLS is called SSL there.
fn classic_protocol(protocol: Protocol) -> &'static str {
    if protocol == Protocol::Tls {
        "SSL"
    } else {
        protocol.as_str()
    }
}

/// The Classic ELB of the paper's Fig. 7. It has one health check for all listeners: the
/// first listener's.
fn classic_load_balancer(service: &Service, names: &Names) -> Value {
    let load_balancer = &service.load_balancer;
    let listeners: Vec<Value> = load_balancer
        .listeners
        .iter()
        .map(|listener| {
            let mut entry = json!({
                "InstancePort": listener.target_port.to_string(),
                "InstanceProtocol": classic_protocol(listener.target_protocol),
                "LoadBalancerPort": listener.port.to_string(),
                "Protocol": classic_protocol(listener.protocol),
            });
            if let Some(arn) = certificate_arn(&listener.certificate, names) {
                entry["SSLCertificateId"] = json!(arn);
                entry["PolicyNames"] = json!([CLASSIC_TLS_POLICY_NAME]);
            }
            entry
        })
        .collect();
    let mut properties = json!({
        "CrossZone": true,
        "Listeners": listeners,
        "SecurityGroups": [Expr::reference(names.with("LoadBalancerSecurityGroup"))],
        "Subnets": Expr::reference(SUBNETS_PARAMETER),
    });
    if let Some(first) = load_balancer.listeners.first() {
        properties["HealthCheck"] = classic_health_check(&first.health_check);
    }
    let terminates_tls = load_balancer
        .listeners
        .iter()
        .any(|listener| listener.certificate != Certificate::None);
    if terminates_tls {
        properties["Policies"] = json!([{
            "Attributes": [{ "Name": "Reference-Security-Policy", "Value": CLASSIC_TLS_POLICY }],
            "PolicyName": CLASSIC_TLS_POLICY_NAME,
            "PolicyType": "SSLNegotiationPolicyType"
        }]);
    }
    if !load_balancer.public {
        properties["Scheme"] = json!("internal");
    }
    properties["AccessLoggingPolicy"] = json!(Expr::If(
        LOGS_CONDITION.to_string(),
        Box::new(Expr::Json(json!({
            "EmitInterval": 60,
            "Enabled": true,
            "S3BucketName": Expr::reference(LOGS_BUCKET_PARAMETER),
            "S3BucketPrefix": service.name
        }))),
        Box::new(Expr::NoValue),
    ));
    let resource =
        json!({ "Type": "AWS::ElasticLoadBalancing::LoadBalancer", "Properties": properties });
    explain_skips(resource, &[("CKV_AWS_92", ACCESS_LOGS_SKIP.to_string())])
}

fn classic_health_check(check: &HealthCheck) -> Value {
    let target = match &check.path {
        Some(path) => format!("{}:{}{path}", check.protocol.as_str(), check.port),
        None => format!("TCP:{}", check.port),
    };
    json!({
        "HealthyThreshold": check.healthy_threshold.to_string(),
        "Interval": check.interval_seconds.to_string(),
        "Target": target,
        "Timeout": check.timeout_seconds.to_string(),
        "UnhealthyThreshold": check.unhealthy_threshold.to_string()
    })
}

/// An alias to the service's load balancer: valid even at a zone apex, and free of TTL drift.
fn alias_target(load_balancer: &LoadBalancer, names: &Names) -> Value {
    alias_target_of(BalancerProduct::for_layer(load_balancer.layer), names)
}

/// An alias to the load balancer `names` names, a `product`.
#[must_use]
pub(crate) fn alias_target_of(product: BalancerProduct, names: &Names) -> Value {
    let zone_attribute = match product {
        BalancerProduct::Classic => "CanonicalHostedZoneNameID",
        _ => "CanonicalHostedZoneID",
    };
    json!({
        "DNSName": Expr::get_att(names.with("LoadBalancer"), "DNSName"),
        "EvaluateTargetHealth": true,
        "HostedZoneId": Expr::get_att(names.with("LoadBalancer"), zone_attribute)
    })
}

/// `<name>.<zone>` in the public hosted zone: the paper's Fig. 7 name.
fn dns_record(service: &Service, names: &Names) -> Value {
    json!({
        "Type": "AWS::Route53::RecordSet",
        "Properties": {
            "AliasTarget": alias_target(&service.load_balancer, names),
            "HostedZoneName": Expr::Concat(vec![Expr::reference(HOSTED_ZONE_PARAMETER), Expr::text(".")]),
            "Name": host_name(service),
            "Type": "A"
        }
    })
}

/// `<name>.<zone>.`, fully qualified as Route 53 stores it.
#[must_use]
pub fn host_name(service: &Service) -> Expr {
    Expr::Concat(vec![
        Expr::text(format!("{}.", service.name)),
        Expr::reference(HOSTED_ZONE_PARAMETER),
        Expr::text("."),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One rule per admitted source, so the passes' quota count is the template's; and a port
    /// with ranges admits exactly them (plus the application's VMs when internal).
    #[test]
    fn a_ranged_port_admits_its_ranges_and_nothing_wider() {
        let ranges: Vec<Cidr> = ["203.0.113.0/24", "2001:db8::/32"]
            .iter()
            .map(|text| Cidr::parse(text).unwrap().cidr)
            .collect();
        for (public, dual_stack) in [(true, true), (true, false), (false, false)] {
            let ports: [ListenerPort<'_>; 2] = [
                (Port::HTTPS, Protocol::Https, &ranges),
                (Port::new(8080).unwrap(), Protocol::Http, &[]),
            ];
            let group = listener_security_group("x", public, dual_stack, &ports);
            let rules = group["Properties"]["SecurityGroupIngress"]
                .as_array()
                .unwrap();
            let expected: usize = ports
                .iter()
                .map(|(_, _, ranges)| admitted_sources(public, dual_stack, ranges).len())
                .sum();
            assert_eq!(rules.len(), expected);
            let on_443: Vec<&Value> = rules
                .iter()
                .filter(|rule| rule["FromPort"] == 443)
                .collect();
            let cidrs: Vec<&Value> = on_443
                .iter()
                .filter_map(|rule| rule.get("CidrIp").or_else(|| rule.get("CidrIpv6")))
                .collect();
            assert_eq!(cidrs, vec!["203.0.113.0/24", "2001:db8::/32"]);
            assert_eq!(on_443.len(), if public { 2 } else { 3 });
            assert!(on_443.iter().all(|rule| rule.get("Fn::If").is_none()));
        }
    }
}
