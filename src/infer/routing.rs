//! The ingress routing pass: with every object collected and every Service planned,
//! Ingresses become application load balancers (one per Ingress, or one per
//! `alb.ingress.kubernetes.io/group.name`, rules merged), each backend resolves to the VMs
//! behind its Service port, and each listener's rules are ordered as the AWS Load Balancer
//! Controller orders them and counted against ALB's quotas before anything is built.

use crate::infer::label_selector::selects;
use crate::model::intent::balancing::{PREFIX, TargetSettings, Written};
use crate::model::intent::ingress::{
    Backend, HttpPath, Ingress, PathType, ServicePortRef, path_patterns,
};
use crate::model::intent::{Selector, Service, Workload};
use crate::success_codes::check_success_codes;
// ALB's quotas are checked here, as the Ingresses of a group merge, so the error points at the
// Ingress that goes over rather than at a template that cannot deploy.
use crate::aws_quotas::{
    MAX_CONDITION_VALUES, MAX_CONDITION_WILDCARDS, MAX_EXTRA_CERTIFICATES, MAX_LISTENERS,
    MAX_RULES, MAX_TARGET_GROUPS,
};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::model::document_order::DocumentOrder;
use crate::model::ingress::{
    IngressListener, IngressTargetGroup, ProtocolVersion, RouteAction, RoutingRule, RuleHost,
};
use crate::model::{self, Certificate, HealthCheck, HttpSuccess, Protocol};
use crate::source::Span;
use std::collections::{BTreeMap, HashMap};

/// The controller's gRPC health check defaults (annotations.md, healthcheck-path and
/// success-codes): the path AWS's gRPC checks call, and gRPC status 12 (UNIMPLEMENTED), which
/// any gRPC server answers for a method it lacks.
pub const GRPC_HEALTH_PATH: &str = "/AWS.ALB/healthcheck";
pub const GRPC_SUCCESS_CODES: &str = "12";
/// The codes an ALB health check may accept (ELBv2 Matcher).
const HTTP_SUCCESS_RANGE: (u16, u16) = (200, 499);
const GRPC_SUCCESS_RANGE: (u16, u16) = (0, 99);

/// What resolving Ingresses reads of the other objects.
pub struct Context<'a> {
    pub services: &'a [Service],
    pub deployments: &'a [Workload],
    pub planned: &'a [(DocumentOrder, model::Service)],
}

/// One load balancer per group of Ingresses, each with its place in the input.
pub fn resolve_ingresses(
    ingresses: Vec<Ingress>,
    context: &Context<'_>,
    sink: &mut Vec<Diagnostic>,
) -> Vec<(DocumentOrder, model::Ingress)> {
    let mut built = Vec::new();
    for (name, members) in group(ingresses) {
        let errors_before = sink.error_count();
        let order = members
            .iter()
            .map(|member| member.order)
            .min()
            .unwrap_or_default();
        let balancer = build(name, &members, context, sink);
        if let Some(balancer) = balancer
            && sink.error_count() == errors_before
        {
            built.push((order, balancer));
        }
    }
    built.sort_by_key(|(order, _)| *order);
    check_names(&built, sink);
    claim_hosts(&mut built, sink);
    built
}

/// Ingresses by load balancer, in order of first appearance: explicit groups by name (across
/// namespaces, as the controller groups them), every other Ingress alone. Members are in the
/// controller's order: `group.order`, then namespace/name (group_loader.go).
fn group(ingresses: Vec<Ingress>) -> Vec<(String, Vec<Ingress>)> {
    let mut groups: Vec<(String, Vec<Ingress>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for ingress in ingresses {
        let (key, name) = match &ingress.balancer.group {
            Some(group) => (format!("group {}", group.value), group.value.clone()),
            None => (
                format!("ingress {}/{}", ingress.namespace, ingress.name),
                ingress.name.clone(),
            ),
        };
        match index.get(&key) {
            Some(position) => groups[*position].1.push(ingress),
            None => {
                index.insert(key, groups.len());
                groups.push((name, vec![ingress]));
            }
        }
    }
    for (_, members) in &mut groups {
        members.sort_by(|a, b| {
            (a.balancer.order, &a.namespace, &a.name).cmp(&(
                b.balancer.order,
                &b.namespace,
                &b.name,
            ))
        });
    }
    groups
}

/// What one member Ingress contributes, its backends resolved.
struct Member<'a> {
    ingress: &'a Ingress,
    ports: Vec<(u16, Protocol)>,
    rules: Vec<RoutingRule>,
    default: Option<(usize, Span)>,
}

fn build(
    name: String,
    members: &[Ingress],
    context: &Context<'_>,
    sink: &mut Vec<Diagnostic>,
) -> Option<model::Ingress> {
    let first = members.first()?;
    let describe = describe(&name, first);
    let public = agree(
        members,
        |m| m.balancer.public.as_ref(),
        "scheme",
        &describe,
        sink,
    );
    let dual_stack = agree(
        members,
        |m| m.balancer.dual_stack.as_ref(),
        "ip-address-type",
        &describe,
        sink,
    );
    let ssl_redirect = agree(
        members,
        |m| m.balancer.ssl_redirect.as_ref(),
        "ssl-redirect",
        &describe,
        sink,
    );
    let ssl_policy = agree(
        members,
        |m| m.balancer.ssl_policy.as_ref(),
        "ssl-policy",
        &describe,
        sink,
    );
    let mut target_groups: Vec<IngressTargetGroup> = Vec::new();
    let mut resolved = Vec::new();
    for ingress in members {
        if let Some(member) = resolve_member(ingress, context, &mut target_groups, sink) {
            resolved.push(member);
        }
    }
    let listeners = plan_ports(&resolved, &describe, sink)?;
    if let Some(redirect) = &ssl_redirect {
        check_redirect(redirect, &listeners, sink);
    }
    check_default_backends(&resolved, &describe, sink);
    let mut planned = Vec::new();
    let mut reported = Vec::new();
    let mut shadowed = Vec::new();
    for (port, protocol) in listeners {
        let on_port: Vec<&Member<'_>> = resolved
            .iter()
            .filter(|member| member.ports.iter().any(|(listed, _)| *listed == port))
            .collect();
        let redirect = ssl_redirect.as_ref().map(|written| written.value);
        let listener = plan_listener(port, protocol, &on_port, redirect);
        report_shadowed(&listener, &mut shadowed, sink);
        if protocol == Protocol::Http {
            check_grpc_over_http(&listener, &on_port, &target_groups, &mut reported, sink);
        }
        planned.push(listener);
    }
    if target_groups.is_empty() {
        return None;
    }
    check_quotas(&planned, &target_groups, &describe, first.span, sink);
    let mut hosts: Vec<RuleHost> = Vec::new();
    for member in &resolved {
        for rule in &member.ingress.rules {
            if let Some(host) = &rule.host
                && !hosts.iter().any(|known| known.name == *host)
            {
                hosts.push(RuleHost {
                    name: host.clone(),
                    span: rule.host_span,
                });
            }
        }
    }
    Some(model::Ingress {
        name,
        public: public.is_some_and(|written| written.value),
        dual_stack: dual_stack.is_some_and(|written| written.value),
        ssl_policy: ssl_policy.map(|written| written.value),
        listeners: planned,
        target_groups,
        hosts,
        span: Some(first.span),
    })
}

/// How diagnostics name a load balancer: by its Ingress, or by its group.
fn describe(name: &str, first: &Ingress) -> String {
    if first.balancer.group.is_some() {
        format!("the load balancer of group `{name}`")
    } else {
        format!("the load balancer of Ingress `{name}`")
    }
}

/// A setting the load balancer has once (the controller's "Exclusive" annotations): every
/// member that sets it must set the same value.
fn agree<T: Clone + PartialEq>(
    members: &[Ingress],
    get: impl Fn(&Ingress) -> Option<&Written<T>>,
    annotation: &str,
    describe: &str,
    sink: &mut Vec<Diagnostic>,
) -> Option<Written<T>> {
    let mut first: Option<(&Written<T>, &Ingress)> = None;
    for member in members {
        let Some(written) = get(member) else {
            continue;
        };
        match first {
            None => first = Some((written, member)),
            Some((agreed, owner)) if agreed.value != written.value => sink.push(
                Diagnostic::error(
                    Code::IngressConflict,
                    Some(written.span),
                    format!(
                        "annotation `{PREFIX}{annotation}` of Ingress `{}` differs from Ingress `{}`'s, and {describe} has one",
                        member.name, owner.name
                    ),
                )
                .with_help("give every Ingress of the group the same value, or set it on one of them only"),
            ),
            Some(_) => {}
        }
    }
    first.map(|(written, _)| written.clone())
}

/// One Ingress's backends as target groups, and its rules in evaluation order.
fn resolve_member<'a>(
    ingress: &'a Ingress,
    context: &Context<'_>,
    target_groups: &mut Vec<IngressTargetGroup>,
    sink: &mut Vec<Diagnostic>,
) -> Option<Member<'a>> {
    let mut cache: HashMap<(String, ServicePortRef), Option<usize>> = HashMap::new();
    let mut target = |backend: &Backend, sink: &mut Vec<Diagnostic>| {
        let key = (backend.service.clone(), backend.port.clone());
        if let Some(found) = cache.get(&key) {
            return *found;
        }
        let found = resolve_backend(ingress, backend, context, target_groups, sink);
        cache.insert(key, found);
        found
    };
    let mut rules = Vec::new();
    for rule in &ingress.rules {
        for path in sort_paths(&rule.paths) {
            let Some(index) = target(&path.backend, sink) else {
                continue;
            };
            let hosts: Vec<String> = rule.host.iter().cloned().collect();
            let mut paths = path_patterns(&path.path, path.kind);
            // A rule needs a condition; the controller matches everything with `/*`.
            if hosts.is_empty() && paths.is_empty() {
                paths.push("/*".to_string());
            }
            check_conditions(&hosts, &paths, path.span, sink);
            rules.push(RoutingRule {
                hosts,
                paths,
                action: RouteAction::Forward(index),
                span: Some(path.span),
            });
        }
    }
    let default = ingress
        .default_backend
        .as_ref()
        .and_then(|backend| target(backend, sink).map(|index| (index, backend.service_span)));
    if ingress.rules.iter().all(|rule| rule.paths.is_empty()) && ingress.default_backend.is_none() {
        sink.push(Diagnostic::warning(
            Code::IgnoredKind,
            Some(ingress.span),
            format!(
                "Ingress `{}` is ignored: it has neither rules with paths nor a defaultBackend, so it routes nothing",
                ingress.name
            ),
        ));
        return None;
    }
    Some(Member {
        ingress,
        ports: listen_ports(ingress),
        rules,
        default,
    })
}

/// ALB's per-rule quotas on the conditions of one path.
fn check_conditions(hosts: &[String], paths: &[String], span: Span, sink: &mut Vec<Diagnostic>) {
    let values = hosts.len() + paths.len();
    let wildcards: usize = hosts
        .iter()
        .chain(paths)
        .map(|value| value.chars().filter(|c| matches!(c, '*' | '?')).count())
        .sum();
    if values > MAX_CONDITION_VALUES || wildcards > MAX_CONDITION_WILDCARDS {
        sink.push(
            Diagnostic::error(
                Code::IngressLimit,
                Some(span),
                format!("this path makes a listener rule of {values} condition values with {wildcards} wildcards; an application load balancer allows {MAX_CONDITION_VALUES} of each per rule"),
            )
            .with_help("use fewer `*` and `?` in the path (a Prefix path needs none)"),
        );
    }
}

/// The target group a backend reaches, added to `target_groups` unless an identical one is
/// there: the Service (in the Ingress's namespace), its port by number or name, and the
/// container port and VMs the Service's own planning found behind it.
fn resolve_backend(
    ingress: &Ingress,
    backend: &Backend,
    context: &Context<'_>,
    target_groups: &mut Vec<IngressTargetGroup>,
    sink: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let Some(service) = context
        .services
        .iter()
        .find(|service| service.namespace == ingress.namespace && service.name == backend.service)
    else {
        missing_service(ingress, backend, context, sink);
        return None;
    };
    let port = match &backend.port {
        ServicePortRef::Number(number) => service.ports.iter().find(|port| port.port == *number),
        ServicePortRef::Name(name) => service
            .ports
            .iter()
            .find(|port| port.name.as_deref() == Some(name.as_str())),
    };
    let Some(port) = port else {
        missing_port(service, backend, sink);
        return None;
    };
    if port.udp {
        sink.push(Diagnostic::error(
            Code::IngressBackend,
            Some(backend.port_span),
            format!(
                "port {} of Service `{}` is UDP; an application load balancer forwards HTTP",
                port.port, service.name
            ),
        ));
        return None;
    }
    let Some(planned) = context
        .planned
        .iter()
        .map(|(_, planned)| planned)
        .find(|planned| planned.name == service.name && planned.namespace == service.namespace)
    else {
        unserved(service, backend, context, sink);
        return None;
    };
    let listener = planned
        .load_balancer
        .listeners
        .iter()
        .find(|listener| listener.port == port.port)?;
    let settings = service.ingress_targets.over(&ingress.targets);
    let protocol = settings.protocol.unwrap_or(Protocol::Http);
    let protocol_version = settings.protocol_version.unwrap_or(ProtocolVersion::Http1);
    let health_check = target_health(
        &listener.health_check,
        protocol,
        protocol_version,
        &settings,
        sink,
    )?;
    let target_group = IngressTargetGroup {
        service: planned.name.clone(),
        service_port: port.port,
        target_port: listener.target_port,
        protocol,
        protocol_version,
        health_check,
        backends: planned.backends.clone(),
        refused: Vec::new(),
    };
    Some(
        match target_groups
            .iter()
            .position(|known| *known == target_group)
        {
            Some(index) => index,
            None => {
                target_groups.push(target_group);
                target_groups.len() - 1
            }
        },
    )
}

fn missing_service(
    ingress: &Ingress,
    backend: &Backend,
    context: &Context<'_>,
    sink: &mut Vec<Diagnostic>,
) {
    let names: Vec<&str> = context
        .services
        .iter()
        .filter(|service| service.namespace == ingress.namespace)
        .map(|service| service.name.as_str())
        .collect();
    let mut problem = Diagnostic::error(
        Code::IngressBackend,
        Some(backend.service_span),
        format!(
            "Ingress `{}` routes to Service `{}`, which is not in namespace `{}` of this input",
            ingress.name, backend.service, ingress.namespace
        ),
    );
    problem = match did_you_mean(&backend.service, names.iter().copied()) {
        Some(suggestion) => problem.with_help(format!("did you mean `{suggestion}`?")),
        None => problem.with_help(
            "add the Service (and the Deployments it selects) to the input: the load balancer forwards to their VMs",
        ),
    };
    push_once(sink, problem);
}

fn missing_port(service: &Service, backend: &Backend, sink: &mut Vec<Diagnostic>) {
    let listed: Vec<String> = service
        .ports
        .iter()
        .map(|port| match &port.name {
            Some(name) => format!("{} ({name})", port.port),
            None => port.port.to_string(),
        })
        .collect();
    let mut problem = Diagnostic::error(
        Code::IngressBackend,
        Some(backend.port_span),
        format!("Service `{}` has no port {}", service.name, backend.port),
    );
    let names = service.ports.iter().filter_map(|port| port.name.as_deref());
    problem = match &backend.port {
        ServicePortRef::Name(name) if did_you_mean(name, names.clone()).is_some() => problem
            .with_help(format!(
                "did you mean `{}`?",
                did_you_mean(name, names).unwrap_or_default()
            )),
        _ if listed.is_empty() => problem.with_help("the Service declares no ports"),
        _ => problem.with_help(format!("its ports are: {}", listed.join(", "))),
    };
    push_once(sink, problem);
}

/// A Service that exists but has no load balancer of its own, so no VMs behind it. Said only
/// when that is why: a Service whose planning failed has its errors reported already.
fn unserved(
    service: &Service,
    backend: &Backend,
    context: &Context<'_>,
    sink: &mut Vec<Diagnostic>,
) {
    let why = if service.selector == Selector::Labels(Vec::new()) {
        "has no selector"
    } else if !context
        .deployments
        .iter()
        .any(|pending| selects(service, pending))
    {
        "selects no Deployment of this input"
    } else {
        return;
    };
    push_once(
        sink,
        Diagnostic::error(
            Code::IngressBackend,
            Some(backend.service_span),
            format!(
                "Service `{}` {why}, so no VMs would serve this backend",
                service.name
            ),
        )
        .with_help(
            "give the Service a selector matching a Deployment's pod labels in its namespace",
        ),
    );
}

/// The target group's check: the Service's own check of the same VMs and port (its readiness
/// probe and annotations), as an HTTP(S) check, with the Ingress's and the Service's
/// `alb.ingress.kubernetes.io/` settings over it. Keeping the Service's check means the one
/// Auto Scaling group is not judged by two different verdicts on the same VMs.
fn target_health(
    base: &HealthCheck,
    protocol: Protocol,
    version: ProtocolVersion,
    settings: &TargetSettings,
    sink: &mut Vec<Diagnostic>,
) -> Option<HealthCheck> {
    let request = &settings.health;
    let grpc = version == ProtocolVersion::Grpc;
    let (path, mut success) = match &request.path {
        Some(path) => (path.clone(), HttpSuccess::Success),
        None if grpc => (
            GRPC_HEALTH_PATH.to_string(),
            HttpSuccess::Grpc(GRPC_SUCCESS_CODES.to_string()),
        ),
        None if base.protocol.is_http_family() => (
            base.path.clone().unwrap_or_else(|| "/".to_string()),
            base.success.clone(),
        ),
        None => ("/".to_string(), HttpSuccess::AnyAnswer),
    };
    if grpc && !matches!(success, HttpSuccess::Grpc(_)) {
        success = HttpSuccess::Grpc(GRPC_SUCCESS_CODES.to_string());
    }
    if let Some(codes) = &settings.success_codes {
        let range = if grpc {
            GRPC_SUCCESS_RANGE
        } else {
            HTTP_SUCCESS_RANGE
        };
        if let Err(why) = check_success_codes(&codes.value, range) {
            push_once(
                sink,
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(codes.span),
                    format!(
                        "annotation `{PREFIX}success-codes` cannot be `{}`: expected {why}",
                        codes.value
                    ),
                ),
            );
            return None;
        }
        success = if grpc {
            HttpSuccess::Grpc(codes.value.clone())
        } else {
            HttpSuccess::Listed(codes.value.clone())
        };
    }
    let interval_seconds = request.interval_seconds.unwrap_or(base.interval_seconds);
    let timeout_seconds = request.timeout_seconds.unwrap_or(base.timeout_seconds);
    if timeout_seconds >= interval_seconds {
        push_once(
            sink,
            Diagnostic::error(
                Code::InvalidValue,
                request.span,
                format!("health check timeout ({timeout_seconds} s) must be shorter than its interval ({interval_seconds} s)"),
            )
            .with_help("AWS rejects a target group whose timeout is not below its interval"),
        );
        return None;
    }
    Some(HealthCheck {
        protocol: request.protocol.unwrap_or(protocol),
        port: request.port.unwrap_or(base.port),
        path: Some(path),
        success,
        interval_seconds,
        timeout_seconds,
        healthy_threshold: request.healthy_threshold.unwrap_or(base.healthy_threshold),
        unhealthy_threshold: request
            .unhealthy_threshold
            .unwrap_or(base.unhealthy_threshold),
        guessed: false,
    })
}

/// The load balancer's listeners: every member's ports, merged; one port has one protocol.
fn plan_ports(
    members: &[Member<'_>],
    describe: &str,
    sink: &mut Vec<Diagnostic>,
) -> Option<Vec<(u16, Protocol)>> {
    let mut ports: BTreeMap<u16, (Protocol, &Ingress)> = BTreeMap::new();
    for member in members {
        for (port, protocol) in &member.ports {
            match ports.get(port) {
                Some((known, owner)) if known != protocol => {
                    let span = member
                        .ingress
                        .balancer
                        .listen_ports
                        .as_ref()
                        .map_or(member.ingress.span, |written| written.span);
                    sink.push(
                        Diagnostic::error(
                            Code::IngressConflict,
                            Some(span),
                            format!(
                                "Ingress `{}` listens with {} on port {port}, where Ingress `{}` listens with {}, and {describe} has one listener there",
                                member.ingress.name,
                                protocol.as_str(),
                                owner.name,
                                known.as_str()
                            ),
                        )
                        .with_help("use one protocol per port across the group's listen-ports"),
                    );
                    return None;
                }
                Some(_) => {}
                None => {
                    ports.insert(*port, (*protocol, member.ingress));
                }
            }
        }
    }
    Some(
        ports
            .into_iter()
            .map(|(port, (protocol, _))| (port, protocol))
            .collect(),
    )
}

fn check_redirect(
    redirect: &Written<u16>,
    listeners: &[(u16, Protocol)],
    sink: &mut Vec<Diagnostic>,
) {
    let port = redirect.value;
    let problem = match listeners.iter().find(|(listed, _)| *listed == port) {
        Some((_, Protocol::Https)) => return,
        Some(_) => format!(
            "ssl-redirect names port {port}, an HTTP listener: requests would be redirected to plain HTTP"
        ),
        None => format!("ssl-redirect names port {port}, where the load balancer has no listener"),
    };
    sink.push(
        Diagnostic::error(Code::InvalidValue, Some(redirect.span), problem).with_help(
            r#"name an HTTPS port of listen-ports, e.g. listen-ports '[{"HTTP": 80}, {"HTTPS": 443}]' with ssl-redirect '443'"#,
        ),
    );
}

/// A listener has one default action: two Ingresses with a defaultBackend on one port would
/// each claim it (the controller refuses this too).
fn check_default_backends(members: &[Member<'_>], describe: &str, sink: &mut Vec<Diagnostic>) {
    for (index, member) in members.iter().enumerate() {
        let Some((_, span)) = member.default else {
            continue;
        };
        let earlier = members[..index].iter().find(|other| {
            other.default.is_some()
                && other
                    .ports
                    .iter()
                    .any(|(port, _)| member.ports.iter().any(|(mine, _)| mine == port))
        });
        if let Some(other) = earlier {
            sink.push(
                Diagnostic::error(
                    Code::IngressConflict,
                    Some(span),
                    format!(
                        "Ingresses `{}` and `{}` both set a defaultBackend, and {describe} has one default action per listener",
                        other.ingress.name, member.ingress.name
                    ),
                )
                .with_help("keep the defaultBackend on one Ingress of the group, and route the other's requests with rules"),
            );
        }
    }
}

fn plan_listener(
    port: u16,
    protocol: Protocol,
    members: &[&Member<'_>],
    redirect: Option<u16>,
) -> IngressListener {
    let certificates = if protocol == Protocol::Https {
        certificates(members)
    } else {
        Vec::new()
    };
    // ssl-redirect turns every HTTP listener into a redirect with no rules
    // (model_build_listener.go, model_build_listener_rules.go).
    if let (Protocol::Http, Some(https)) = (protocol, redirect) {
        return IngressListener {
            port,
            protocol,
            certificates,
            rules: Vec::new(),
            default_action: RouteAction::RedirectToHttps(https),
        };
    }
    let rules = members
        .iter()
        .flat_map(|member| member.rules.iter().cloned())
        .collect();
    let default_action = members
        .iter()
        .find_map(|member| member.default)
        .map_or(RouteAction::NotFound, |(index, _)| {
            RouteAction::Forward(index)
        });
    IngressListener {
        port,
        protocol,
        certificates,
        rules,
        default_action,
    }
}

/// An HTTPS listener's certificates, members in order: each member's ARNs, or the template's
/// certificate parameter for a member that names none (where the controller would look one up
/// in ACM by the Ingress's hosts).
fn certificates(members: &[&Member<'_>]) -> Vec<Certificate> {
    let mut found: Vec<Certificate> = Vec::new();
    for member in members {
        let mine = match &member.ingress.balancer.certificates {
            Some(arns) => arns.value.iter().cloned().map(Certificate::Arn).collect(),
            None => vec![Certificate::Parameter],
        };
        for certificate in mine {
            if !found.contains(&certificate) {
                found.push(certificate);
            }
        }
    }
    found
}

/// A rule after one that matches every path of its host (or of every host) is never
/// evaluated: the controller orders Prefix `/` before ImplementationSpecific paths, which
/// surprises manifests written for controllers that pick the longest match.
fn report_shadowed(
    listener: &IngressListener,
    reported: &mut Vec<Span>,
    sink: &mut Vec<Diagnostic>,
) {
    for (index, rule) in listener.rules.iter().enumerate() {
        let Some(span) = rule.span else {
            continue;
        };
        let shadow = listener.rules[..index].iter().find(|earlier| {
            earlier.paths.iter().any(|path| path == "/*")
                && (earlier.hosts.is_empty() || earlier.hosts == rule.hosts)
        });
        if let Some(shadow) = shadow
            && !reported.contains(&span)
        {
            reported.push(span);
            let whose = shadow
                .hosts
                .first()
                .map_or_else(|| "every host".to_string(), |host| format!("host `{host}`"));
            sink.push(
                Diagnostic::warning(
                    Code::IngressConflict,
                    Some(span),
                    format!("this path is never reached: an earlier rule takes every path of {whose} (the AWS Load Balancer Controller puts Exact paths first, then Prefix paths longest first, then ImplementationSpecific ones)"),
                )
                .with_help("make the path Exact or Prefix so it sorts before the catch-all, or move the catch-all into the defaultBackend"),
            );
        }
    }
}

/// ALB carries gRPC only over HTTPS listeners (clients speak HTTP/2 only over TLS).
fn check_grpc_over_http(
    listener: &IngressListener,
    members: &[&Member<'_>],
    target_groups: &[IngressTargetGroup],
    reported: &mut Vec<Span>,
    sink: &mut Vec<Diagnostic>,
) {
    let forwards = listener
        .rules
        .iter()
        .filter_map(|rule| match rule.action {
            RouteAction::Forward(index) => rule.span.map(|span| (index, span)),
            _ => None,
        })
        .chain(members.iter().filter_map(|member| member.default));
    for (index, span) in forwards {
        let grpc = target_groups
            .get(index)
            .is_some_and(|group| group.protocol_version == ProtocolVersion::Grpc);
        if grpc && !reported.contains(&span) {
            reported.push(span);
            sink.push(
                Diagnostic::error(
                    Code::ProtocolMismatch,
                    Some(span),
                    format!("this backend speaks gRPC, which an application load balancer carries only over HTTPS, and port {} is an HTTP listener", listener.port),
                )
                .with_help(r#"listen on HTTPS (a certificate-arn, spec.tls, or listen-ports '[{"HTTPS": 443}]'), and redirect HTTP with ssl-redirect"#),
            );
        }
    }
}

fn check_quotas(
    listeners: &[IngressListener],
    target_groups: &[IngressTargetGroup],
    describe: &str,
    span: Span,
    sink: &mut Vec<Diagnostic>,
) {
    let rules: usize = listeners.iter().map(|listener| listener.rules.len()).sum();
    let extra_certificates: usize = listeners
        .iter()
        .map(|listener| listener.certificates.len().saturating_sub(1))
        .sum();
    let counts = [
        (
            listeners.len(),
            MAX_LISTENERS,
            "listeners",
            "list fewer listen-ports, or split the Ingresses over several group.names",
        ),
        (
            rules,
            MAX_RULES,
            "listener rules",
            "split the Ingresses over several group.names, merge paths (one Prefix path covers everything below it), or redirect HTTP with ssl-redirect so only the HTTPS listener has rules",
        ),
        (
            target_groups.len(),
            MAX_TARGET_GROUPS,
            "target groups",
            "split the Ingresses over several group.names",
        ),
        (
            extra_certificates,
            MAX_EXTRA_CERTIFICATES,
            "certificates besides each listener's default",
            "use fewer certificate ARNs, e.g. one certificate with several names",
        ),
    ];
    for (count, limit, what, help) in counts {
        if count > limit {
            sink.push(
                Diagnostic::error(
                    Code::IngressLimit,
                    Some(span),
                    format!("{describe} would have {count} {what}; an application load balancer holds {limit}"),
                )
                .with_help(help),
            );
        }
    }
}

/// Load balancer names become logical ids: two load balancers cannot share one.
fn check_names(built: &[(DocumentOrder, model::Ingress)], sink: &mut Vec<Diagnostic>) {
    for (index, (_, balancer)) in built.iter().enumerate() {
        if built[..index]
            .iter()
            .any(|(_, earlier)| earlier.name == balancer.name)
        {
            sink.push(
                Diagnostic::error(
                    Code::IngressConflict,
                    balancer.span,
                    format!("two load balancers would be named `{}`", balancer.name),
                )
                .with_help("Ingresses of different namespaces, or an Ingress and a group, share this name: rename one, or join them with one group.name"),
            );
        }
    }
}

/// A host routed by two load balancers gets its record from the first only: one name cannot
/// alias two load balancers.
fn claim_hosts(built: &mut [(DocumentOrder, model::Ingress)], sink: &mut Vec<Diagnostic>) {
    let mut claimed: HashMap<String, String> = HashMap::new();
    for (_, balancer) in built.iter_mut() {
        let mut kept = Vec::new();
        for host in std::mem::take(&mut balancer.hosts) {
            match claimed.get(&host.name) {
                Some(owner) => sink.push(
                    Diagnostic::warning(
                        Code::IngressConflict,
                        host.span,
                        format!(
                            "host `{}` is also routed by the load balancer `{owner}`, which its Route 53 record points to: requests for it never reach `{}`",
                            host.name, balancer.name
                        ),
                    )
                    .with_help("put the Ingresses in one group (alb.ingress.kubernetes.io/group.name) so one load balancer serves all their paths"),
                ),
                None => {
                    claimed.insert(host.name.clone(), balancer.name.clone());
                    kept.push(host);
                }
            }
        }
        balancer.hosts = kept;
    }
}

/// Reports a diagnostic unless the same one is already reported: one annotation used by many
/// backends is wrong once.
fn push_once(sink: &mut Vec<Diagnostic>, diagnostic: Diagnostic) {
    if !sink.contains(&diagnostic) {
        sink.push(diagnostic);
    }
}

/// The order the controller evaluates one rule's paths in: Exact first, then Prefix by
/// length, longest first, then ImplementationSpecific, each keeping the written order among
/// equals (a stable sort, as sortIngressPaths).
#[must_use]
pub fn sort_paths(paths: &[HttpPath]) -> Vec<&HttpPath> {
    let mut sorted: Vec<&HttpPath> = paths.iter().collect();
    sorted.sort_by_key(|path| match path.kind {
        PathType::Exact => (0, 0),
        PathType::Prefix => (1, usize::MAX - path.path.len()),
        PathType::ImplementationSpecific => (2, 0),
    });
    sorted
}

/// The Ingress's own listen ports: the annotation's, else HTTPS 443 when it has a
/// certificate ARN or asks for TLS (`spec.tls`), else HTTP 80.
#[must_use]
pub fn listen_ports(ingress: &Ingress) -> Vec<(u16, crate::model::Protocol)> {
    use crate::model::Protocol;
    match &ingress.balancer.listen_ports {
        Some(Written { value, .. }) => value.clone(),
        None if ingress.balancer.certificates.is_some() || ingress.tls.is_some() => {
            vec![(443, Protocol::Https)]
        }
        None => vec![(80, Protocol::Http)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str, kind: PathType) -> HttpPath {
        HttpPath {
            path: text.to_string(),
            kind,
            backend: Backend {
                service: "s".to_string(),
                port: ServicePortRef::Number(80),
                service_span: Span::default(),
                port_span: Span::default(),
            },
            span: Span::default(),
        }
    }

    #[test]
    fn paths_sort_as_the_controller_sorts_them() {
        let paths = [
            path("/static/*.css", PathType::ImplementationSpecific),
            path("/a", PathType::Prefix),
            path("/api/v1", PathType::Prefix),
            path("/healthz", PathType::Exact),
            path("/b", PathType::Prefix),
            path("/login", PathType::Exact),
        ];
        let order: Vec<&str> = sort_paths(&paths).iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            order,
            vec!["/healthz", "/login", "/api/v1", "/a", "/b", "/static/*.css"]
        );
    }
}
