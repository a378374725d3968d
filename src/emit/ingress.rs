//! Each Ingress load balancer in the template: its security group, the application load
//! balancer, a target group per backend, one listener per port with its rules in priority
//! order, and an alias record per rule host. The hosted zone is a parameter, so whether a
//! host lies in it is known only at deploy time: each record has a condition that holds when
//! `HostedZoneName` is one of the host's parent domains (or the host itself).

use crate::dns::zone_candidates;
use crate::emit::balancer_product::BalancerProduct;
use crate::emit::intrinsic::Expr;
use crate::emit::load_balancing::{
    ListenerPort, TLS_POLICY, alias_target_of, certificate_arn, elbv2_load_balancer_resource,
    explain_skips, listener_security_group, target_group_resource,
};
use crate::emit::naming::{HOSTED_ZONE_PARAMETER, Names, Owner, Section, logical_id};
use crate::emit::ordinals::{ordinal_targets, target_entries};
use crate::emit::template_builder::{Make, TemplateBuilder, TryMake};
use crate::internal_error::InternalError;
use crate::model::ingress::{
    Authentication, IdentityProvider, IngressListener, IngressTargetGroup, RouteAction, RoutingRule,
};
use crate::model::{Certificate, Deployment, Ingress, Protocol};
use serde_json::{Value, json};
use std::rc::Rc;

/// `Fn::Or` takes two to ten conditions.
const MAX_OR: usize = 10;

/// Hosts an output's description lists before "and N more": descriptions hold 1,024
/// characters and hosts up to 128.
const LISTED_HOSTS: usize = 5;

/// Names of an Ingress load balancer's resources: `<Name>Ingress…`, its name's labels and
/// dot-separated parts PascalCased (`shop.web` → `ShopWebIngress`).
#[must_use]
pub fn ingress_names(ingress: &Ingress) -> Names {
    Names {
        id: format!("{}Ingress", logical_id(&ingress.name.replace('.', "-"))),
    }
}

/// The logical id of each target group, in [`Ingress::target_groups`] order:
/// `<Ingress>TargetGroup<Service>Port<port>`, numbered from 2 when one backend has target
/// groups of different settings.
#[must_use]
pub fn target_group_ids(ingress: &Ingress) -> Vec<String> {
    let names = ingress_names(ingress);
    let mut ids: Vec<String> = Vec::new();
    for group in &ingress.target_groups {
        let base = names.with(&format!(
            "TargetGroup{}Port{}",
            logical_id(group.service.as_str()),
            group.service_port
        ));
        push_numbered(&mut ids, base);
    }
    ids
}

/// The target groups `deployment`'s Auto Scaling group registers with, across `ingresses`.
#[must_use]
pub fn routed_target_groups(deployment: &str, ingresses: &[&Ingress]) -> Vec<String> {
    ingresses
        .iter()
        .flat_map(|ingress| {
            ingress
                .target_groups
                .iter()
                .zip(target_group_ids(ingress))
                .filter(|(group, _)| {
                    group
                        .backends
                        .iter()
                        .any(|name| name.as_str() == deployment)
                })
                .map(|(_, id)| id)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether `deployment`'s VMs serve some backend of `ingress`.
#[must_use]
pub fn routes_to(ingress: &Ingress, deployment: &str) -> bool {
    ingress.target_groups.iter().any(|group| {
        group
            .backends
            .iter()
            .any(|name| name.as_str() == deployment)
    })
}

/// Adds `base` to `ids`, numbered `V2`, `V3`… when it is taken already.
fn push_numbered(ids: &mut Vec<String>, base: String) {
    let mut id = base.clone();
    let mut variant = 1;
    while ids.contains(&id) {
        variant += 1;
        id = format!("{base}V{variant}");
    }
    ids.push(id);
}

fn listener_id(names: &Names, listener: &IngressListener) -> String {
    names.with(&format!("Listener{}", listener.port))
}

/// Logical ids of a rule host's record and condition part: its labels PascalCased (`*` →
/// `Wildcard`), numbered from 2 when two hosts come to the same.
fn host_ids(ingress: &Ingress) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for host in &ingress.hosts {
        let base: String = host
            .name
            .split('.')
            .map(|label| {
                if label == "*" {
                    "Wildcard".to_string()
                } else {
                    logical_id(label)
                }
            })
            .collect();
        push_numbered(&mut ids, base);
    }
    ids
}

/// The hosts that get a record (a single-label host has no zone to be in), with their ids.
fn recorded_hosts(ingress: &Ingress) -> Vec<(&str, String, Vec<String>)> {
    ingress
        .hosts
        .iter()
        .zip(host_ids(ingress))
        .map(|(host, id)| (host.name.as_str(), id, zone_candidates(&host.name)))
        .filter(|(_, _, zones)| !zones.is_empty())
        .collect()
}

/// The Kubernetes Secrets (`secretName`) of the OIDC providers the load balancer's routes use,
/// each once, in order of first use.
fn oidc_clients(ingress: &Ingress) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    for listener in &ingress.listeners {
        let routes = listener
            .rules
            .iter()
            .map(|rule| rule.authentication.as_ref())
            .chain([listener.default_authentication.as_ref()]);
        for authentication in routes.flatten() {
            if let IdentityProvider::Oidc(provider) = &authentication.provider
                && !found.contains(&provider.client_secret_name.as_str())
            {
                found.push(&provider.client_secret_name);
            }
        }
    }
    found
}

/// The parameters that carry what each Kubernetes Secret of [`oidc_clients`] would: the
/// client id, and the client secret (NoEcho, so CloudFormation masks it). i2kit bakes no
/// Secret object, and a literal secret in the template would be readable by everyone who can
/// read the template. `<Ingress>Oidc<Secret>ClientId` / `…ClientSecret`, numbered from 2 when
/// two Secret names come to the same id (`shop-oidc`, `shop.oidc`): one pair per Secret.
fn oidc_client_parameters<'i>(
    ingress: &'i Ingress,
    names: &Names,
) -> Vec<(&'i str, String, String)> {
    let mut bases: Vec<String> = Vec::new();
    let mut found = Vec::new();
    for secret in oidc_clients(ingress) {
        // Secret names are DNS subdomains: their dots become word breaks, as in Ingress names.
        let base = names.with(&format!("Oidc{}", logical_id(&secret.replace('.', "-"))));
        let mut id = base.clone();
        let mut variant = 1;
        while bases.contains(&id) {
            variant += 1;
            id = format!("{base}V{variant}");
        }
        bases.push(id.clone());
        found.push((secret, format!("{id}ClientId"), format!("{id}ClientSecret")));
    }
    found
}

fn needs_certificate_parameter(ingress: &Ingress) -> bool {
    ingress
        .listeners
        .iter()
        .any(|listener| listener.certificates.contains(&Certificate::Parameter))
}

/// Every parameter, condition, resource and output of the load balancer, each with the object
/// it belongs to: a rule host's condition and records to the host, the rest to the Ingress.
/// A route that forwards to a target group the Ingress does not have (a defect of the reader)
/// fails the build as an internal error rather than coming out as a `Ref` to nothing.
pub fn add_ingress<'a>(
    builder: &mut TemplateBuilder<'a>,
    ingress: &'a Ingress,
    deployments: &'a [Deployment],
) {
    let names = ingress_names(ingress);
    let owner = ingress_owner(ingress);
    if needs_certificate_parameter(ingress) {
        builder.add(
            Section::Parameters,
            names.with("CertificateArn"),
            &owner,
            move || certificate_parameter(ingress),
        );
    }
    for (secret, id_parameter, secret_parameter) in oidc_client_parameters(ingress, &names) {
        builder.add(Section::Parameters, id_parameter, &owner, move || {
            json!({
                "Type": "String",
                "Description": format!("The OIDC client id of Ingress {} (what the Kubernetes Secret {secret} holds as clientID).", ingress.name),
                "MinLength": 1
            })
        });
        builder.add(Section::Parameters, secret_parameter, &owner, move || {
            json!({
                "Type": "String",
                "Description": format!("The OIDC client secret of Ingress {} (what the Kubernetes Secret {secret} holds as clientSecret).", ingress.name),
                "MinLength": 1,
                "NoEcho": true
            })
        });
    }
    let hosts = recorded_hosts(ingress);
    for (host, id, zones) in &hosts {
        let zones = zones.clone();
        builder.add(
            Section::Conditions,
            names.with(&format!("{id}InHostedZone")),
            &host_owner(ingress, host),
            move || in_hosted_zone(&zones),
        );
    }
    builder.try_add_all(
        Section::Resources,
        load_balancer_resources(ingress, &names, deployments),
        &owner,
    );
    for (host, id, _) in &hosts {
        builder.add_all(
            Section::Resources,
            host_records(ingress, &names, host, id),
            &host_owner(ingress, host),
        );
    }
    let recorded: Vec<&'a str> = hosts.iter().map(|(host, _, _)| *host).collect();
    let output_names = names.clone();
    builder.add(
        Section::Outputs,
        names.with("LoadBalancerDnsName"),
        &owner,
        move || dns_name_output(ingress, &output_names, &recorded),
    );
}

/// The certificate parameter, when some HTTPS listener has no ARN for an Ingress.
fn certificate_parameter(ingress: &Ingress) -> Value {
    json!({
            "Type": "String",
            "Description": format!("The ACM certificate ARN for the HTTPS listeners of Ingress {}: it should name the Ingress's hosts.", ingress.name),
            "AllowedPattern": "^arn:aws[a-z-]*:acm:.+$",
            "ConstraintDescription": "an ACM certificate ARN"
    })
}

/// A recorded host's condition: the hosted zone is one of the host's parent domains.
fn in_hosted_zone(zones: &[String]) -> Value {
    let tests: Vec<Value> = zones
        .iter()
        .map(|zone| json!({ "Fn::Equals": [Expr::reference(HOSTED_ZONE_PARAMETER), zone] }))
        .collect();
    any_of(tests)
}

/// A condition true when one of `tests` is: `Fn::Or` of at most ten, nested beyond that.
fn any_of(mut tests: Vec<Value>) -> Value {
    if tests.len() == 1 {
        return tests.pop().unwrap_or(Value::Null);
    }
    if tests.len() <= MAX_OR {
        return json!({ "Fn::Or": tests });
    }
    let chunks: Vec<Value> = tests
        .chunks(MAX_OR)
        .map(|chunk| any_of(chunk.to_vec()))
        .collect();
    any_of(chunks)
}

/// When a Service's own public record `<name>.<zone>` gives way to an Ingress host of the
/// same name: the condition's id and value, true unless `HostedZoneName` is the rest of a
/// rule host whose first label is the service's name. The Ingress names that host for the
/// load balancer that routes it; two records of one name would fail the stack. `None` when no
/// rule host can be the service's name (wildcards never are: an exact record wins over them).
#[must_use]
pub fn service_record_condition(service: &str, ingresses: &[Ingress]) -> Option<(String, Value)> {
    let zones: Vec<Value> = ingresses
        .iter()
        .flat_map(|ingress| &ingress.hosts)
        .filter_map(|host| {
            let (first, rest) = host.name.split_once('.')?;
            (first == service && zone_candidates(rest).first().map(String::as_str) == Some(rest))
                .then(|| json!({ "Fn::Equals": [Expr::reference(HOSTED_ZONE_PARAMETER), rest] }))
        })
        .collect();
    if zones.is_empty() {
        return None;
    }
    Some((
        Names::new(service).with("PublicNameFree"),
        json!({ "Fn::Not": [any_of(zones)] }),
    ))
}

/// The load balancer, its security group, target groups, and listeners with their
/// certificates and rules, by logical id, in template order.
fn load_balancer_resources<'a>(
    ingress: &'a Ingress,
    names: &Names,
    deployments: &'a [Deployment],
) -> Vec<(String, TryMake<'a>)> {
    let group_ids: Rc<[String]> = target_group_ids(ingress).into();
    let balancer_names = names.clone();
    let mut resources: Vec<(String, TryMake<'a>)> = vec![
        (
            names.with("LoadBalancerSecurityGroup"),
            Box::new(move || {
                let ports: Vec<ListenerPort<'_>> = ingress
                    .listeners
                    .iter()
                    .map(|listener| {
                        (
                            listener.port,
                            listener.protocol,
                            listener.source_ranges.as_slice(),
                        )
                    })
                    .collect();
                Ok(listener_security_group(
                    &format!("Ingress {}", ingress.name),
                    ingress.public,
                    ingress.dual_stack,
                    &ports,
                ))
            }),
        ),
        (
            names.with("LoadBalancer"),
            Box::new(move || Ok(load_balancer(ingress, &balancer_names))),
        ),
    ];
    if let Some(web_acl) = &ingress.web_acl {
        let acl_names = names.clone();
        resources.push((
            names.with("WebAclAssociation"),
            Box::new(move || {
                Ok(json!({
                    "Type": "AWS::WAFv2::WebACLAssociation",
                    "Properties": {
                        "ResourceArn": Expr::reference(acl_names.with("LoadBalancer")),
                        "WebACLArn": web_acl
                    }
                }))
            }),
        ));
    }
    if ingress.shield_advanced {
        let shield_names = names.clone();
        resources.push((
            names.with("ShieldProtection"),
            Box::new(move || {
                // The load balancer's own name: unique, at most 32 characters of letters,
                // digits and '-', which Shield's names accept.
                Ok(json!({
                    "Type": "AWS::Shield::Protection",
                    "Properties": {
                        "Name": Expr::get_att(shield_names.with("LoadBalancer"), "LoadBalancerName"),
                        "ResourceArn": Expr::reference(shield_names.with("LoadBalancer"))
                    }
                }))
            }),
        ));
    }
    for (group, id) in ingress.target_groups.iter().zip(group_ids.iter()) {
        resources.push((
            id.clone(),
            Box::new(move || Ok(target_group(group, deployments))),
        ));
    }
    for listener in &ingress.listeners {
        let id = listener_id(names, listener);
        let (listener_names, ids) = (names.clone(), Rc::clone(&group_ids));
        resources.push((
            id.clone(),
            Box::new(move || listener_resource(ingress, listener, &listener_names, &ids)),
        ));
        for (position, certificate) in listener.certificates.iter().enumerate().skip(1) {
            let (certificate_names, listener_ref) = (names.clone(), id.clone());
            resources.push((
                format!("{id}Certificate{}", position + 1),
                Box::new(move || {
                    Ok(json!({
                        "Type": "AWS::ElasticLoadBalancingV2::ListenerCertificate",
                        "Properties": {
                            "Certificates": [{ "CertificateArn": certificate_arn(certificate, &certificate_names) }],
                            "ListenerArn": Expr::reference(listener_ref)
                        }
                    }))
                }),
            ));
        }
        for (position, rule) in listener.rules.iter().enumerate() {
            let priority = position + 1;
            let (listener_ref, ids, rule_names) =
                (id.clone(), Rc::clone(&group_ids), names.clone());
            resources.push((
                format!("{id}Rule{priority}"),
                Box::new(move || {
                    rule_resource(ingress, rule, priority, &listener_ref, &ids, &rule_names)
                }),
            ));
        }
    }
    resources
}

/// A recorded host's alias records (A, and AAAA when dual-stack), under its condition.
fn host_records<'a>(
    ingress: &Ingress,
    names: &Names,
    host: &'a str,
    id: &str,
) -> Vec<(String, Make<'a>)> {
    let condition = names.with(&format!("{id}InHostedZone"));
    let kinds: &[&str] = if ingress.dual_stack {
        &["A", "AAAA"]
    } else {
        &["A"]
    };
    kinds
        .iter()
        .map(|kind| -> (String, Make<'a>) {
            let suffix = if *kind == "A" { "" } else { "Ipv6" };
            let (condition, names) = (condition.clone(), names.clone());
            (
                names.with(&format!("DnsRecord{id}{suffix}")),
                Box::new(move || {
                    json!({
                        "Type": "AWS::Route53::RecordSet",
                        "Condition": condition,
                        "Properties": {
                            "AliasTarget": alias_target_of(BalancerProduct::Application, &names),
                            "HostedZoneName": Expr::Concat(vec![Expr::reference(HOSTED_ZONE_PARAMETER), Expr::text(".")]),
                            "Name": format!("{host}."),
                            "Type": kind
                        }
                    })
                }),
            )
        })
        .collect()
}

/// The load balancer's DNS name, with the hosts that get records when the zone fits.
fn dns_name_output(ingress: &Ingress, names: &Names, hosts: &[&str]) -> Value {
    let mut description = format!("The load balancer of Ingress {}.", ingress.name);
    if !hosts.is_empty() {
        let mut listed = hosts
            .iter()
            .take(LISTED_HOSTS)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if hosts.len() > LISTED_HOSTS {
            listed.push_str(&format!(" and {} more", hosts.len() - LISTED_HOSTS));
        }
        description.push_str(&format!(
            " Alias records for {listed} exist when HostedZoneName is one of their parent domains; point other names at this one."
        ));
    }
    json!({
        "Description": description,
        "Value": Expr::get_att(names.with("LoadBalancer"), "DNSName")
    })
}

/// The load balancer's resources belong to the Ingress (or group) that names them.
#[must_use]
pub fn ingress_owner(ingress: &Ingress) -> Owner {
    Owner::new(
        format!("the Ingress load balancer `{}`", ingress.name),
        ingress.span,
    )
}

/// A rule host's record and condition belong to the host, where the input first names it.
fn host_owner(ingress: &Ingress, host: &str) -> Owner {
    let span = ingress
        .hosts
        .iter()
        .find(|rule_host| rule_host.name == host)
        .and_then(|rule_host| rule_host.span)
        .or(ingress.span);
    Owner::new(
        format!(
            "host `{host}` of the Ingress load balancer `{}`",
            ingress.name
        ),
        span,
    )
}

fn load_balancer(ingress: &Ingress, names: &Names) -> Value {
    let mut resource = elbv2_load_balancer_resource(
        BalancerProduct::Application,
        ingress.public,
        &ingress.name,
        names,
    );
    if ingress.dual_stack {
        resource["Properties"]["IpAddressType"] = json!("dualstack");
    }
    resource
}

fn target_group(group: &IngressTargetGroup, deployments: &[Deployment]) -> Value {
    let mut resource =
        target_group_resource(group.target_port, group.protocol, &group.health_check);
    // A StatefulSet's ordinals, which no Auto Scaling group registers.
    let ordinals = ordinal_targets(deployments, &group.backends);
    if !ordinals.is_empty() {
        resource["Properties"]["Targets"] = target_entries(&ordinals);
    }
    resource["Properties"]["ProtocolVersion"] = json!(group.protocol_version.as_str());
    resource
}

fn action(action: RouteAction, group_ids: &[String]) -> Result<Value, InternalError> {
    Ok(match action {
        RouteAction::Forward(index) => {
            let group = group_ids.get(index).ok_or_else(|| {
                InternalError::inconsistent("a route forwards to no target group")
            })?;
            json!({ "TargetGroupArn": Expr::reference(group.clone()), "Type": "forward" })
        }
        // Host, path and query default to the request's own (#{host}, /#{path}, #{query}).
        RouteAction::RedirectToHttps(port) => json!({
            "RedirectConfig": {
                "Port": port.to_string(),
                "Protocol": "HTTPS",
                "StatusCode": "HTTP_301"
            },
            "Type": "redirect"
        }),
        RouteAction::NotFound => json!({
            "FixedResponseConfig": { "ContentType": "text/plain", "StatusCode": "404" },
            "Type": "fixed-response"
        }),
    })
}

/// Where a route's actions go: ListenerRule and Listener schemas type `SessionTimeout`
/// differently (an integer on rules, a string on a listener's default actions).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ActionsOf {
    Rule,
    Listener,
}

/// A route's actions: authentication first when the route is protected, then its action,
/// numbered by `Order` as ALB requires of several actions (the controller numbers them so too).
fn actions(
    ingress: &Ingress,
    authentication: Option<&Authentication>,
    route: RouteAction,
    group_ids: &[String],
    names: &Names,
    of: ActionsOf,
) -> Result<Vec<Value>, InternalError> {
    let last = action(route, group_ids)?;
    let Some(authentication) = authentication else {
        return Ok(vec![last]);
    };
    let timeout = match of {
        ActionsOf::Rule => json!(authentication.session_timeout),
        ActionsOf::Listener => json!(authentication.session_timeout.to_string()),
    };
    let (config_key, action_type, mut config, extra_params) = match &authentication.provider {
        IdentityProvider::Oidc(provider) => {
            let (_, client_id, client_secret) = oidc_client_parameters(ingress, names)
                .into_iter()
                .find(|(secret, _, _)| *secret == provider.client_secret_name)
                .ok_or_else(|| {
                    InternalError::inconsistent("an OIDC provider has no client parameters")
                })?;
            let config = json!({
                "AuthorizationEndpoint": provider.authorization_endpoint,
                "ClientId": Expr::reference(client_id),
                "ClientSecret": Expr::reference(client_secret),
                "Issuer": provider.issuer,
                "TokenEndpoint": provider.token_endpoint,
                "UserInfoEndpoint": provider.user_info_endpoint
            });
            (
                "AuthenticateOidcConfig",
                "authenticate-oidc",
                config,
                &provider.extra_params,
            )
        }
        IdentityProvider::Cognito(provider) => {
            let config = json!({
                "UserPoolArn": provider.user_pool_arn,
                "UserPoolClientId": provider.user_pool_client_id,
                "UserPoolDomain": provider.user_pool_domain
            });
            (
                "AuthenticateCognitoConfig",
                "authenticate-cognito",
                config,
                &provider.extra_params,
            )
        }
    };
    if !extra_params.is_empty() {
        config["AuthenticationRequestExtraParams"] = json!(extra_params);
    }
    config["OnUnauthenticatedRequest"] = json!(authentication.on_unauthenticated.as_str());
    config["Scope"] = json!(authentication.scope);
    config["SessionCookieName"] = json!(authentication.session_cookie);
    config["SessionTimeout"] = timeout;
    let mut first = json!({ config_key: config, "Type": action_type });
    first["Order"] = json!(1);
    let mut last = last;
    last["Order"] = json!(2);
    Ok(vec![first, last])
}

fn listener_resource(
    ingress: &Ingress,
    listener: &IngressListener,
    names: &Names,
    group_ids: &[String],
) -> Result<Value, InternalError> {
    // ALB authenticates only on HTTPS listeners (the routing pass refuses the rest, I2K063):
    // an authenticate action here would be refused by AWS, or dropped as the controller does.
    let authenticates = listener.default_authentication.is_some()
        || listener
            .rules
            .iter()
            .any(|rule| rule.authentication.is_some());
    if authenticates && listener.protocol != Protocol::Https {
        return Err(InternalError::inconsistent(
            "an authenticated route on a listener that is not HTTPS",
        ));
    }
    let mut properties = json!({
        "DefaultActions": actions(
            ingress,
            listener.default_authentication.as_ref(),
            listener.default_action,
            group_ids,
            names,
            ActionsOf::Listener,
        )?,
        "LoadBalancerArn": Expr::reference(names.with("LoadBalancer")),
        "Port": listener.port,
        "Protocol": listener.protocol.as_str(),
    });
    if let Some(arn) = listener
        .certificates
        .first()
        .and_then(|certificate| certificate_arn(certificate, names))
    {
        properties["Certificates"] = json!([{ "CertificateArn": arn }]);
        properties["SslPolicy"] = json!(ingress.ssl_policy.as_deref().unwrap_or(TLS_POLICY));
    }
    let resource =
        json!({ "Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": properties });
    let redirects = matches!(listener.default_action, RouteAction::RedirectToHttps(_));
    let skips: Vec<(&str, String)> = if listener.protocol == Protocol::Http && !redirects {
        let why = format!(
            "Ingress {} listens with plain HTTP on port {}; add an HTTPS port and ssl-redirect to serve TLS only",
            ingress.name, listener.port
        );
        vec![("CKV_AWS_2", why.clone()), ("CKV_AWS_103", why)]
    } else {
        Vec::new()
    };
    Ok(explain_skips(resource, &skips))
}

fn rule_resource(
    ingress: &Ingress,
    rule: &RoutingRule,
    priority: usize,
    listener_id: &str,
    group_ids: &[String],
    names: &Names,
) -> Result<Value, InternalError> {
    let mut conditions = Vec::new();
    if !rule.hosts.is_empty() {
        conditions
            .push(json!({ "Field": "host-header", "HostHeaderConfig": { "Values": rule.hosts } }));
    }
    if !rule.paths.is_empty() {
        conditions.push(
            json!({ "Field": "path-pattern", "PathPatternConfig": { "Values": rule.paths } }),
        );
    }
    Ok(json!({
        "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
        "Properties": {
            "Actions": actions(ingress, rule.authentication.as_ref(), rule.action, group_ids, names, ActionsOf::Rule)?,
            "Conditions": conditions,
            "ListenerArn": Expr::reference(listener_id.to_string()),
            "Priority": priority
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_nest_past_ten_alternatives() {
        let tests: Vec<Value> = (0..23).map(|n| json!(n)).collect();
        let condition = any_of(tests);
        let outer = condition["Fn::Or"].as_array().expect("an Fn::Or");
        assert_eq!(outer.len(), 3);
        assert_eq!(outer[0]["Fn::Or"].as_array().map(Vec::len), Some(10));
        assert_eq!(outer[2]["Fn::Or"].as_array().map(Vec::len), Some(3));
        assert_eq!(any_of(vec![json!(1)]), json!(1));
    }
}
