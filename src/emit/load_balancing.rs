//! The traffic path of each service: security groups, the load balancer, its listeners and
//! target groups, and its Route 53 names: the public `<name>.<zone>` and the Kubernetes
//! `<name>.<namespace>.svc.cluster.local` in the VPC's private zone.

use crate::emit::application_security_group::internal_client_rules;
use crate::emit::cluster_dns::cluster_record;
use crate::emit::intrinsic::Expr;
use crate::emit::naming::{
    HOSTED_ZONE_PARAMETER, LOGS_BUCKET_PARAMETER, LOGS_CONDITION, Names, SUBNETS_PARAMETER,
    VPC_PARAMETER,
};
use crate::emit::policy_rules::admitted_rules;
use crate::emit::template_builder::Make;
use crate::model::{
    Admission, Certificate, HealthCheck, HttpSuccess, Listener, LoadBalancer, LoadBalancerKind,
    Protocol, Service,
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

/// The load balancer's group: open on its listener ports only, to the internet when public
/// and to the application's VMs otherwise.
#[must_use]
pub fn load_balancer_security_group(service: &Service) -> Value {
    let ports: Vec<(u16, Protocol, &Admission)> = service
        .load_balancer
        .listeners
        .iter()
        .map(|listener| (listener.port, listener.protocol, &listener.admission))
        .collect();
    admitting_security_group(&service.name, service.load_balancer.public, false, &ports)
}

/// A load balancer's group named after `owner`: `ports` (listener port, protocol) open to
/// the internet (IPv6 too when `dual_stack`) when `public`, else to the application's group
/// and to what the internal client parameters add when given.
#[must_use]
pub fn listener_security_group(
    owner: &str,
    public: bool,
    dual_stack: bool,
    ports: &[(u16, Protocol)],
) -> Value {
    let ports: Vec<(u16, Protocol, &Admission)> = ports
        .iter()
        .map(|(port, protocol)| (*port, *protocol, &Admission::Default))
        .collect();
    admitting_security_group(owner, public, dual_stack, &ports)
}

/// [`listener_security_group`], each port admitting what its [`Admission`] says: the
/// default sources, or exactly those NetworkPolicies name (`policy_rules`).
fn admitting_security_group(
    owner: &str,
    public: bool,
    dual_stack: bool,
    ports: &[(u16, Protocol, &Admission)],
) -> Value {
    let mut ingress: Vec<Value> = Vec::new();
    for (port, protocol, admission) in ports {
        if let Admission::Only(sources) = admission {
            ingress.extend(admitted_rules(*port, *protocol, sources));
            continue;
        }
        if !public {
            ingress.extend(internal_client_rules(
                *port,
                protocol.as_str(),
                ip_protocol(*protocol),
            ));
            continue;
        }
        let rule = |key: &str, cidr: &str| {
            json!({
                key: cidr,
                "Description": format!("{} clients on port {port}", protocol.as_str()),
                "FromPort": port,
                "IpProtocol": ip_protocol(*protocol),
                "ToPort": port
            })
        };
        ingress.push(rule("CidrIp", "0.0.0.0/0"));
        if dual_stack {
            ingress.push(rule("CidrIpv6", "::/0"));
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
    // What the scanner reports and why it stays: a public group's port 80, open to the world on
    // purpose; an internal group's opt-in rules, inside Fn::If it cannot read. An internal group
    // admits no range by default, so its port 80 needs no excuse.
    let serves_port_80 = ports
        .iter()
        .any(|(port, _, admission)| *port == 80 && **admission == Admission::Default);
    let conditional_rules = ports
        .iter()
        .any(|(_, _, admission)| **admission == Admission::Default);
    let skips = if !public && conditional_rules {
        vec![("CKV_AWS_23", CONDITIONAL_RULES_SKIP.to_string())]
    } else if public && serves_port_80 {
        vec![(
            "CKV_AWS_260",
            format!("{owner} is a public service: the manifest exposes port 80 to the internet"),
        )]
    } else {
        Vec::new()
    };
    explain_skips(resource, &skips)
}

/// Every traffic resource of a service, by logical id, in template order, each value made when
/// the template is built.
#[must_use]
pub fn traffic_resources<'a>(service: &'a Service, names: &Names) -> Vec<(String, Make<'a>)> {
    let load_balancer = &service.load_balancer;
    let owned = names.clone();
    let mut resources: Vec<(String, Make<'a>)> = vec![(
        names.with("LoadBalancerSecurityGroup"),
        Box::new(move || load_balancer_security_group(service)),
    )];
    match load_balancer.kind {
        LoadBalancerKind::Classic => {
            let names = owned.clone();
            resources.push((
                owned.with("LoadBalancer"),
                Box::new(move || classic_load_balancer(service, &names)),
            ));
        }
        LoadBalancerKind::Application | LoadBalancerKind::Network => {
            let names = owned.clone();
            resources.push((
                owned.with("LoadBalancer"),
                Box::new(move || elbv2_load_balancer(service, &names)),
            ));
            for listener in &load_balancer.listeners {
                resources.push((
                    target_group_id(&owned, listener),
                    Box::new(move || target_group(listener)),
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

fn elbv2_load_balancer(service: &Service, names: &Names) -> Value {
    let load_balancer = &service.load_balancer;
    elbv2_load_balancer_resource(
        load_balancer.kind,
        load_balancer.public,
        &service.name,
        names,
    )
}

/// An application or network load balancer in the template's subnets, behind the security
/// group `names` names, logging under `log_prefix` when a bucket is given. Application load
/// balancers drop invalid header fields; network ones balance across zones.
#[must_use]
pub fn elbv2_load_balancer_resource(
    kind: LoadBalancerKind,
    public: bool,
    log_prefix: &str,
    names: &Names,
) -> Value {
    let (kind, first) = match kind {
        LoadBalancerKind::Network => (
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
pub fn target_group_resource(port: u16, protocol: Protocol, check: &HealthCheck) -> Value {
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
    alias_target_of(load_balancer.kind, names)
}

/// An alias to the load balancer `names` names, of `kind`.
#[must_use]
pub(crate) fn alias_target_of(kind: LoadBalancerKind, names: &Names) -> Value {
    let zone_attribute = match kind {
        LoadBalancerKind::Classic => "CanonicalHostedZoneNameID",
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
