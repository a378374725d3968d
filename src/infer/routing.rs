//! The ingress routing pass: with every object collected and every Service planned,
//! Ingresses become application load balancers (one per Ingress, or one per
//! `alb.ingress.kubernetes.io/group.name`, rules merged), each backend resolves to the VMs
//! behind its Service port, and each listener's rules are ordered as the AWS Load Balancer
//! Controller orders them. ALB's quotas on what this plans are the AWS emitter's
//! (`crate::emit::alb_quotas`).

use crate::cidr::Cidr;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::infer::label_selector::{explain_no_match, selects};
use crate::model::document_order::DocumentOrder;
use crate::model::ingress::{
    Authentication, DEFAULT_AUTH_SCOPE, DEFAULT_AUTH_SESSION_COOKIE, IdentityProvider,
    IngressListener, IngressTargetGroup, MAX_AUTH_SESSION_TIMEOUT, PathOrigin, ProtocolVersion,
    RouteAction, RoutingRule, RuleHost, Unauthenticated, describe_balancer,
};
use crate::model::intent::balancing::{
    AuthenticationKind, AuthenticationSettings, PREFIX, TargetSettings, Written,
};
use crate::model::intent::ingress::{
    Backend, HttpPath, Ingress, PathType, Rule, Semantics, ServicePortRef, path_patterns,
};
use crate::model::intent::{Selector, Service, Workload};
use crate::model::{self, Certificate, HealthCheck, HttpSuccess, Namespace, Port, Protocol};
use crate::source::Span;
use crate::success_codes::check_success_codes;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// The Services the Ingresses route to, by (namespace, name): a Service among them that
/// selects nothing is an error at each route to it, reported by [`resolve_ingresses`], not
/// a warning.
#[must_use]
pub fn referred_services(ingresses: &[Ingress]) -> BTreeSet<(Namespace, String)> {
    ingresses
        .iter()
        .flat_map(|ingress| {
            ingress
                .rules
                .iter()
                .flat_map(|rule| rule.paths.iter().map(|path| &path.backend))
                .chain(&ingress.default_backend)
                .map(|backend| (ingress.namespace.clone(), backend.service.clone()))
        })
        .collect()
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
    ports: Vec<(Port, Protocol)>,
    rules: Vec<RoutingRule>,
    default: Option<(usize, Span)>,
    default_authentication: Option<Authentication>,
}

fn build(
    name: String,
    members: &[Ingress],
    context: &Context<'_>,
    sink: &mut Vec<Diagnostic>,
) -> Option<model::Ingress> {
    let first = members.first()?;
    let grouped = first.balancer.group.is_some();
    let describe = describe_balancer(&name, grouped);
    if let Some(other) = members
        .iter()
        .find(|member| member.semantics != first.semantics)
    {
        sink.push(
            Diagnostic::error(
                Code::IngressConflict,
                Some(other.span),
                format!(
                    "Ingress `{}` is compiled with other semantics than Ingress `{}` (their classes name different controllers), and {describe} orders its rules one way",
                    other.name, first.name
                ),
            )
            .with_help("give the Ingresses of one group.name the same class"),
        );
        return None;
    }
    // Settings of the load balancer as a whole: every Ingress of a group that writes one must
    // write the same value.
    let group = Group {
        members,
        describe: &describe,
    };
    let public = group.agree(|m| m.balancer.public.as_ref(), "scheme", sink);
    let dual_stack = group.agree(|m| m.balancer.dual_stack.as_ref(), "ip-address-type", sink);
    let ssl_redirect = group.agree(|m| m.balancer.ssl_redirect.as_ref(), "ssl-redirect", sink);
    let ssl_policy = group.agree(|m| m.balancer.ssl_policy.as_ref(), "ssl-policy", sink);
    let web_acl = group.agree(|m| m.balancer.web_acl.as_ref(), "wafv2-acl-arn", sink);
    let shield_advanced = group.agree(
        |m| m.balancer.shield_advanced.as_ref(),
        "shield-advanced-protection",
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
        let mut listener = plan_listener(port, protocol, &on_port, redirect);
        listener.source_ranges = port_ranges(port, &on_port, &describe, sink);
        report_shadowed(&listener, &mut shadowed, sink);
        if protocol == Protocol::Http {
            check_grpc_over_http(&listener, &on_port, &target_groups, &mut reported, sink);
            check_authentication_over_http(&listener, &on_port, &mut reported, sink);
        }
        planned.push(listener);
    }
    if target_groups.is_empty() {
        return None;
    }
    let public = public.is_some_and(|written| written.value);
    let dual_stack = dual_stack.is_some_and(|written| written.value);
    check_ranges(&resolved, dual_stack, &describe, sink);
    let ranges_span = resolved
        .iter()
        .filter_map(|member| member.ingress.balancer.inbound_cidrs.as_ref())
        .next_back()
        .map(|ranges| ranges.span);
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
        public,
        dual_stack,
        ssl_policy: ssl_policy.map(|written| written.value),
        web_acl: web_acl.and_then(|written| written.value),
        shield_advanced: shield_advanced.is_some_and(|written| written.value),
        listeners: planned,
        target_groups,
        hosts,
        grouped,
        ranges_span,
        span: Some(first.span),
    })
}

/// A setting the load balancer has once (the controller's "Exclusive" annotations): every
/// member that sets it must set the same value.
/// The Ingresses of one load balancer, and how diagnostics name it.
struct Group<'a> {
    members: &'a [Ingress],
    describe: &'a str,
}

impl Group<'_> {
    /// A setting of the load balancer as a whole, as the first Ingress that writes it has it;
    /// an Ingress that writes another value is an error (the controller's "Exclusive"
    /// annotations).
    fn agree<T: Clone + PartialEq>(
        &self,
        get: impl Fn(&Ingress) -> Option<&Written<T>>,
        annotation: &str,
        sink: &mut Vec<Diagnostic>,
    ) -> Option<Written<T>> {
        let mut first: Option<(&Written<T>, &Ingress)> = None;
        for member in self.members {
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
                            "annotation `{PREFIX}{annotation}` of Ingress `{}` differs from Ingress `{}`'s, and {} has one",
                            member.name, owner.name, self.describe
                        ),
                    )
                    .with_help("give every Ingress of the group the same value, or set it on one of them only"),
                ),
                Some(_) => {}
            }
        }
        first.map(|(written, _)| written.clone())
    }
}

/// One Ingress's backends as target groups, and its rules in evaluation order.
fn resolve_member<'a>(
    ingress: &'a Ingress,
    context: &Context<'_>,
    target_groups: &mut Vec<IngressTargetGroup>,
    sink: &mut Vec<Diagnostic>,
) -> Option<Member<'a>> {
    type Resolved = Option<(usize, Option<Authentication>)>;
    let mut cache: HashMap<(String, ServicePortRef), Resolved> = HashMap::new();
    let mut target = |backend: &Backend, sink: &mut Vec<Diagnostic>| {
        let key = (backend.service.clone(), backend.port.clone());
        if let Some(found) = cache.get(&key) {
            return found.clone();
        }
        let found = resolve_backend(ingress, backend, context, target_groups, sink);
        cache.insert(key, found.clone());
        found
    };
    // Where each path's host is written, for errors about the values the rule becomes.
    let host_spans: BTreeMap<Span, Option<Span>> = ingress
        .rules
        .iter()
        .flat_map(|rule| rule.paths.iter().map(|path| (path.span, rule.host_span)))
        .collect();
    let mut rules = Vec::new();
    let mut fallbacks = Vec::new();
    for planned in evaluation_order(ingress) {
        let (host, path) = match planned {
            Planned::Path(host, path) => (host, path),
            Planned::HostFallback(host) => {
                fallbacks.push(rules.len());
                rules.push(RoutingRule {
                    hosts: vec![host.to_string()],
                    paths: vec!["/*".to_string()],
                    action: RouteAction::NotFound,
                    authentication: None,
                    span: None,
                    origin: None,
                });
                continue;
            }
        };
        let Some((index, authentication)) = target(&path.backend, sink) else {
            continue;
        };
        let hosts: Vec<String> = host.iter().map(|host| (*host).to_string()).collect();
        let mut paths = path_patterns(&path.path, path.kind);
        // A rule needs a condition; the controller matches everything with `/*`.
        if hosts.is_empty() && paths.is_empty() {
            paths.push("/*".to_string());
        }
        rules.push(RoutingRule {
            hosts,
            paths,
            action: RouteAction::Forward(index),
            authentication,
            span: Some(path.span),
            origin: Some(PathOrigin {
                path: path.written.clone().unwrap_or_else(|| path.path.clone()),
                path_span: path.path_span,
                read_as_prefix: path.written.is_some(),
                host_span: host_spans.get(&path.span).copied().flatten(),
            }),
        });
    }
    let (default, default_authentication) = ingress
        .default_backend
        .as_ref()
        .and_then(|backend| {
            target(backend, sink).map(|(index, authentication)| {
                (Some((index, backend.service_span)), authentication)
            })
        })
        .unwrap_or_default();
    // A host's unmatched requests go to the default backend, authenticated as it is.
    if let Some((index, _)) = default {
        for position in fallbacks {
            rules[position].action = RouteAction::Forward(index);
            rules[position]
                .authentication
                .clone_from(&default_authentication);
        }
    }
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
        default_authentication,
    })
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
) -> Option<(usize, Option<Authentication>)> {
    let Some(service) = context
        .services
        .iter()
        .find(|service| service.namespace == ingress.namespace && service.name == backend.service)
    else {
        missing_service(ingress, backend, context, sink);
        return None;
    };
    let port = service.listen_ports().find(|port| match &backend.port {
        ServicePortRef::Number(number) => port.number == *number,
        ServicePortRef::Name(name) => port.name == Some(name.as_str()),
    });
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
                port.number, service.name
            ),
        ));
        return None;
    }
    // The Service's own load balancer, found by its place in the input: a Deployment no
    // Service selects has one of its own under the Deployment's name, which may be this
    // Service's name too, and must never stand in for a Service that selects nothing.
    let Some(planned) = context
        .planned
        .iter()
        .map(|(_, planned)| planned)
        .find(|planned| planned.span == Some(service.span))
    else {
        unserved(ingress, service, backend, context, sink);
        return None;
    };
    let listener = planned
        .load_balancer
        .listeners
        .iter()
        .find(|listener| listener.port == port.number)?;
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
    let authentication = authentication(&settings.authentication, sink)?;
    let target_group = IngressTargetGroup {
        service: planned.name.clone(),
        service_port: port.number,
        target_port: listener.target_port,
        protocol,
        protocol_version,
        health_check,
        backends: planned.backends.clone(),
        refused: Vec::new(),
    };
    let index = match target_groups
        .iter()
        .position(|known| *known == target_group)
    {
        Some(index) => index,
        None => {
            target_groups.push(target_group);
            target_groups.len() - 1
        }
    };
    Some((index, authentication))
}

/// The authentication a backend's `auth-*` settings ask for, with the controller's defaults
/// (auth_config_builder.go): `Some(None)` when none, `None` after an error. An identity
/// provider or session setting written without `auth-type` is an error rather than the
/// controller's silence: the author meant the route to be protected.
fn authentication(
    settings: &AuthenticationSettings,
    sink: &mut Vec<Diagnostic>,
) -> Option<Option<Authentication>> {
    let Some(kind) = &settings.kind else {
        let stray = [
            settings
                .oidc
                .as_ref()
                .map(|written| ("auth-idp-oidc", written.span)),
            settings
                .cognito
                .as_ref()
                .map(|written| ("auth-idp-cognito", written.span)),
            settings
                .scope
                .as_ref()
                .map(|written| ("auth-scope", written.span)),
            settings
                .session_cookie
                .as_ref()
                .map(|written| ("auth-session-cookie", written.span)),
            settings
                .session_timeout
                .as_ref()
                .map(|written| ("auth-session-timeout", written.span)),
            settings
                .on_unauthenticated
                .as_ref()
                .map(|written| ("auth-on-unauthenticated-request", written.span)),
        ];
        if let Some((annotation, span)) = stray.into_iter().flatten().next() {
            push_once(
                sink,
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(span),
                    format!("annotation `{PREFIX}{annotation}` has no effect without `{PREFIX}auth-type`: the routes to this backend would not be authenticated"),
                )
                .with_help("add `alb.ingress.kubernetes.io/auth-type: oidc` or `cognito` to the Ingress or the backend Service, or remove the auth-* annotations"),
            );
            return None;
        }
        return Some(None);
    };
    let missing = |idp: &str| {
        Diagnostic::error(
            Code::MissingField,
            Some(kind.span),
            format!("`{PREFIX}auth-type` asks for {idp} authentication, and neither the Ingress nor its backend Service has a readable `{PREFIX}auth-idp-{idp}`"),
        )
        .with_help(format!("add `{PREFIX}auth-idp-{idp}` (see README, Ingress)"))
    };
    let provider = match kind.value {
        AuthenticationKind::None => return Some(None),
        AuthenticationKind::Oidc => match &settings.oidc {
            Some(written) => IdentityProvider::Oidc(written.value.clone()),
            None => {
                push_once(sink, missing("oidc"));
                return None;
            }
        },
        AuthenticationKind::Cognito => match &settings.cognito {
            Some(written) => IdentityProvider::Cognito(written.value.clone()),
            None => {
                push_once(sink, missing("cognito"));
                return None;
            }
        },
    };
    Some(Some(Authentication {
        provider,
        scope: settings.scope.as_ref().map_or_else(
            || DEFAULT_AUTH_SCOPE.to_string(),
            |written| written.value.clone(),
        ),
        session_cookie: settings.session_cookie.as_ref().map_or_else(
            || DEFAULT_AUTH_SESSION_COOKIE.to_string(),
            |written| written.value.clone(),
        ),
        session_timeout: settings
            .session_timeout
            .as_ref()
            .map_or(MAX_AUTH_SESSION_TIMEOUT, |written| written.value),
        on_unauthenticated: settings
            .on_unauthenticated
            .as_ref()
            .map_or(Unauthenticated::Authenticate, |written| written.value),
    }))
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
    // The load balancer i2kit gives a Deployment no Service selects is no Service: Kubernetes
    // has nothing of that name to route to, so neither does the Ingress.
    let deployment = context.deployments.iter().find(|pending| {
        pending.deployment.namespace == ingress.namespace
            && pending.deployment.name == backend.service
    });
    problem = match (did_you_mean(&backend.service, names.iter().copied()), deployment) {
        (Some(suggestion), _) => problem.with_help(format!("did you mean `{suggestion}`?")),
        (None, Some(pending)) => problem.with_help(format!(
            "Deployment `{}` is there, but no Service: add a Service `{}` whose selector picks its pod labels ({})",
            backend.service,
            backend.service,
            pending
                .labels
                .iter()
                .map(|(key, value)| format!("`{key}: {value}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (None, None) => problem.with_help(
            "add the Service (and the Deployments it selects) to the input: the load balancer forwards to their VMs",
        ),
    };
    push_once(sink, problem);
}

fn missing_port(service: &Service, backend: &Backend, sink: &mut Vec<Diagnostic>) {
    let listed: Vec<String> = service
        .listen_ports()
        .map(|port| match port.name {
            Some(name) => format!("{} ({name})", port.number),
            None => port.number.to_string(),
        })
        .collect();
    let mut problem = Diagnostic::error(
        Code::IngressBackend,
        Some(backend.port_span),
        format!("Service `{}` has no port {}", service.name, backend.port),
    );
    let names: Vec<&str> = service
        .listen_ports()
        .filter_map(|port| port.name)
        .collect();
    problem = match &backend.port {
        ServicePortRef::Name(name) if did_you_mean(name, names.iter().copied()).is_some() => {
            problem.with_help(format!(
                "did you mean `{}`?",
                did_you_mean(name, names.iter().copied()).unwrap_or_default()
            ))
        }
        _ if listed.is_empty() => problem.with_help("the Service declares no ports"),
        _ => problem.with_help(format!("its ports are: {}", listed.join(", "))),
    };
    push_once(sink, problem);
}

/// A Service that exists but has no load balancer of its own, so no VMs behind it. Said only
/// when that is why: a Service whose planning failed has its errors reported already. Where
/// Kubernetes would answer 503, this is an error at the reference, never a fallback.
fn unserved(
    ingress: &Ingress,
    service: &Service,
    backend: &Backend,
    context: &Context<'_>,
    sink: &mut Vec<Diagnostic>,
) {
    let problem = match &service.selector {
        Selector::Labels(labels) if labels.is_empty() => Diagnostic::error(
            Code::IngressBackend,
            Some(backend.service_span),
            format!(
                "Service `{}` has no selector, so no VMs would serve this backend",
                service.name
            ),
        )
        .with_help(
            "give the Service a selector matching a Deployment's pod labels in its namespace",
        ),
        Selector::Labels(labels)
            if !context
                .deployments
                .iter()
                .any(|pending| selects(service, pending)) =>
        {
            Diagnostic::error(
                Code::ServiceSelection,
                Some(backend.service_span),
                format!(
                    "Ingress `{}` routes to Service `{}`{}, whose selector picks no Deployment in namespace `{}` of this input, so no VMs would serve this route",
                    ingress.name,
                    service.name,
                    if service.span.file == backend.service_span.file {
                        format!(" (line {})", service.span.start.line)
                    } else {
                        String::new()
                    },
                    service.namespace
                ),
            )
            .with_help(explain_no_match(
                &service.namespace,
                labels,
                context.deployments,
            ))
        }
        _ => return,
    };
    push_once(sink, problem);
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
) -> Option<Vec<(Port, Protocol)>> {
    let mut ports: BTreeMap<Port, (Protocol, &Ingress)> = BTreeMap::new();
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
    redirect: &Written<Port>,
    listeners: &[(Port, Protocol)],
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
    port: Port,
    protocol: Protocol,
    members: &[&Member<'_>],
    redirect: Option<Port>,
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
            default_authentication: None,
            source_ranges: Vec::new(),
        };
    }
    let rules = members
        .iter()
        .flat_map(|member| member.rules.iter().cloned())
        .collect();
    // The controller's 404 gets no authentication; a defaultBackend keeps its own.
    let (default_action, default_authentication) = members
        .iter()
        .find_map(|member| {
            member.default.map(|(index, _)| {
                (
                    RouteAction::Forward(index),
                    member.default_authentication.clone(),
                )
            })
        })
        .unwrap_or((RouteAction::NotFound, None));
    IngressListener {
        port,
        protocol,
        certificates,
        rules,
        default_action,
        default_authentication,
        source_ranges: Vec::new(),
    }
}

/// The ranges admitted on one listener port: the `inbound-cidrs` of the Ingresses listening
/// there. Those that write none take the others' (the controller's mergeListenPortConfigs);
/// two that write different sets conflict, since the port has one set of rules.
fn port_ranges(
    port: Port,
    members: &[&Member<'_>],
    describe: &str,
    sink: &mut Vec<Diagnostic>,
) -> Vec<Cidr> {
    let mut agreed: Option<(&Written<Vec<Cidr>>, &Ingress)> = None;
    for member in members {
        let Some(written) = &member.ingress.balancer.inbound_cidrs else {
            continue;
        };
        match agreed {
            None => agreed = Some((written, member.ingress)),
            Some((known, owner)) if as_set(&known.value) != as_set(&written.value) => {
                push_once(
                    sink,
                    Diagnostic::error(
                        Code::IngressConflict,
                        Some(written.span),
                        format!(
                            "annotation `{PREFIX}inbound-cidrs` of Ingress `{}` differs from Ingress `{}`'s on port {port}, and {describe} admits one set of ranges there",
                            member.ingress.name, owner.name
                        ),
                    )
                    .with_help("give every Ingress of the group that listens on the port the same inbound-cidrs, or set them on one of them only"),
                );
            }
            Some(_) => {}
        }
    }
    agreed.map_or_else(Vec::new, |(written, _)| written.value.clone())
}

fn as_set(ranges: &[Cidr]) -> BTreeSet<Cidr> {
    ranges.iter().copied().collect()
}

/// An IPv6 range on a load balancer only IPv4 clients reach would admit no one its author
/// meant to let in (the controller drops it silently).
fn check_ranges(
    members: &[Member<'_>],
    dual_stack: bool,
    describe: &str,
    sink: &mut Vec<Diagnostic>,
) {
    if dual_stack {
        return;
    }
    let written = members
        .iter()
        .filter_map(|member| member.ingress.balancer.inbound_cidrs.as_ref());
    for ranges in written {
        if let Some(ipv6) = ranges.value.iter().find(|cidr| cidr.is_ipv6()) {
            sink.push(
                Diagnostic::error(
                    Code::SourceRange,
                    Some(ranges.span),
                    format!("`{ipv6}` is an IPv6 range, and {describe} is reached over IPv4 only"),
                )
                .with_help(format!("add `{PREFIX}ip-address-type: dualstack` so IPv6 clients reach it, or remove the IPv6 ranges (the AWS Load Balancer Controller would drop them silently)")),
            );
        }
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

/// ALB authenticates only on HTTPS listeners, and the controller drops the action from rules
/// of an HTTP listener without a word: the route would come out open. Here it is an error at
/// the path (or defaultBackend) that would be served unauthenticated.
fn check_authentication_over_http(
    listener: &IngressListener,
    members: &[&Member<'_>],
    reported: &mut Vec<Span>,
    sink: &mut Vec<Diagnostic>,
) {
    let protected = listener
        .rules
        .iter()
        .filter(|rule| rule.authentication.is_some())
        .filter_map(|rule| rule.span)
        .chain(
            listener
                .default_authentication
                .as_ref()
                .and_then(|_| members.iter().find_map(|member| member.default))
                .map(|(_, span)| span),
        );
    for span in protected {
        if reported.contains(&span) {
            continue;
        }
        reported.push(span);
        sink.push(
            Diagnostic::error(
                Code::AuthenticationBypassed,
                Some(span),
                format!("this backend requires authentication (auth-type), which an application load balancer performs only on HTTPS listeners, and port {} is an HTTP listener: requests on it would reach the backend unauthenticated", listener.port),
            )
            .with_help(r#"listen on HTTPS only (a certificate-arn, spec.tls, or listen-ports '[{"HTTPS": 443}]'), or keep port 80 as a redirect: listen-ports '[{"HTTP": 80}, {"HTTPS": 443}]' with ssl-redirect '443'"#),
        );
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

/// One listener rule of an Ingress, in evaluation order.
#[derive(Debug)]
pub enum Planned<'a> {
    /// A path of the rules of this host (`None`: of every host).
    Path(Option<&'a str>, &'a HttpPath),
    /// The requests for this host that none of its paths take: Kubernetes sends them to the
    /// defaultBackend (else a 404), never to the paths of a less specific host, which an ALB
    /// would otherwise evaluate next.
    HostFallback(&'a str),
}

/// The listener rules of one Ingress in the order its semantics evaluate them.
#[must_use]
pub fn evaluation_order(ingress: &Ingress) -> Vec<Planned<'_>> {
    match ingress.semantics {
        Semantics::AwsLoadBalancerController => ingress
            .rules
            .iter()
            .flat_map(|rule| {
                sort_paths(&rule.paths)
                    .into_iter()
                    .map(|path| Planned::Path(rule.host.as_deref(), path))
            })
            .collect(),
        Semantics::Kubernetes => kubernetes_order(&ingress.rules),
    }
}

/// The Kubernetes Ingress spec's order, as ALB priorities: a request is routed by the rules of
/// its most specific host (an exact host, then a `*.` wildcard, then rules without a host);
/// among them Exact paths first, then the longest matching path (ImplementationSpecific globs
/// by what precedes their first wildcard, so GKE's `/v2/*` comes before `/*`), the written
/// order among equals. A host whose requests a later, less specific rule could take gets a
/// [`Planned::HostFallback`] after its own paths.
#[must_use]
pub fn kubernetes_order(rules: &[Rule]) -> Vec<Planned<'_>> {
    let mut hosts: Vec<Option<&str>> = Vec::new();
    for rule in rules {
        let host = rule.host.as_deref();
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    // Deeper wildcards first: ALB's `*.example.com` would also take `a.shop.example.com`.
    hosts.sort_by_key(|host| match host {
        Some(name) if name.starts_with("*.") => (1, std::cmp::Reverse(name.len())),
        Some(_) => (0, std::cmp::Reverse(0)),
        None => (2, std::cmp::Reverse(0)),
    });
    let mut planned = Vec::new();
    for (position, host) in hosts.iter().enumerate() {
        let mut paths: Vec<&HttpPath> = rules
            .iter()
            .filter(|rule| rule.host.as_deref() == *host)
            .flat_map(|rule| rule.paths.iter())
            .collect();
        paths.sort_by_key(|path| {
            let (exact, length) = match_precedence(path);
            (!exact, std::cmp::Reverse(length))
        });
        let takes_every_path = paths.iter().any(|path| {
            let patterns = path_patterns(&path.path, path.kind);
            patterns.is_empty() || patterns.iter().any(|pattern| pattern == "/*")
        });
        planned.extend(paths.iter().map(|path| Planned::Path(*host, path)));
        if let Some(name) = host
            && !takes_every_path
            && hosts[position + 1..]
                .iter()
                .any(|later| later.is_none_or(|wildcard| wildcard_covers(wildcard, name)))
        {
            planned.push(Planned::HostFallback(name));
        }
    }
    planned
}

/// Whether a path matches one request path only, and the length that decides which of two
/// matching paths is longer (Kubernetes: "the longest matching path").
fn match_precedence(path: &HttpPath) -> (bool, usize) {
    match path.kind {
        PathType::Exact => (true, path.path.len()),
        PathType::Prefix => (false, path.path.trim_end_matches('/').len()),
        PathType::ImplementationSpecific => match path.path.find(['*', '?']) {
            Some(wildcard) => (false, wildcard),
            None => (!path.path.is_empty(), path.path.len()),
        },
    }
}

/// Whether an ALB host condition `*.…` takes (some) requests for `host`, itself a name or a
/// wildcard: ALB's `*` also matches deeper names (`a.b.example.com`, and so the names of
/// `*.b.example.com`), which Kubernetes' one-label wildcard does not, so the fallback guards
/// those too.
fn wildcard_covers(wildcard: &str, host: &str) -> bool {
    wildcard.strip_prefix('*').is_some_and(|suffix| {
        host.strip_suffix(suffix)
            .is_some_and(|label| !label.is_empty())
    })
}

/// The order the AWS Load Balancer Controller evaluates one rule's paths in: Exact first,
/// then Prefix by length, longest first, then ImplementationSpecific, each keeping the written
/// order among equals (a stable sort, as sortIngressPaths).
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
pub fn listen_ports(ingress: &Ingress) -> Vec<(Port, crate::model::Protocol)> {
    use crate::model::Protocol;
    match &ingress.balancer.listen_ports {
        Some(Written { value, .. }) => value.clone(),
        None if ingress.balancer.certificates.is_some() || ingress.tls.is_some() => {
            vec![(Port::HTTPS, Protocol::Https)]
        }
        None => vec![(Port::HTTP, Protocol::Http)],
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
                port: ServicePortRef::Number(Port::HTTP),
                service_span: Span::default(),
                port_span: Span::default(),
            },
            span: Span::default(),
            path_span: Span::default(),
            written: None,
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

    fn rule(host: Option<&str>, paths: Vec<HttpPath>) -> Rule {
        Rule {
            host: host.map(str::to_string),
            host_span: None,
            paths,
            span: Span::default(),
        }
    }

    fn described(planned: &[Planned<'_>]) -> Vec<String> {
        planned
            .iter()
            .map(|entry| match entry {
                Planned::Path(host, path) => format!("{} {}", host.unwrap_or("-"), path.path),
                Planned::HostFallback(host) => format!("{host} fallback"),
            })
            .collect()
    }

    #[test]
    fn kubernetes_order_puts_exact_first_then_the_longest_path() {
        let rules = [rule(
            None,
            vec![
                path("/*", PathType::ImplementationSpecific),
                path("/", PathType::Prefix),
                path("/v2/*", PathType::ImplementationSpecific),
                path("/api", PathType::Prefix),
                path("/api/v2/", PathType::Prefix),
                path("/api", PathType::Exact),
                path("/img/*.png", PathType::ImplementationSpecific),
                path("/about", PathType::ImplementationSpecific),
            ],
        )];
        assert_eq!(
            described(&kubernetes_order(&rules)),
            vec![
                "- /about",
                "- /api",
                "- /api/v2/",
                "- /img/*.png",
                "- /v2/*",
                "- /api",
                "- /*",
                "- /",
            ]
        );
    }

    #[test]
    fn kubernetes_order_routes_a_host_by_its_own_rules_first() {
        let rules = [
            rule(None, vec![path("/", PathType::Prefix)]),
            rule(Some("*.example.com"), vec![path("/w", PathType::Prefix)]),
            rule(Some("shop.example.com"), vec![path("/s", PathType::Prefix)]),
            rule(Some("all.example.com"), vec![path("/", PathType::Prefix)]),
            rule(
                Some("shop.example.com"),
                vec![path("/s/long", PathType::Prefix)],
            ),
        ];
        assert_eq!(
            described(&kubernetes_order(&rules)),
            vec![
                "shop.example.com /s/long",
                "shop.example.com /s",
                "shop.example.com fallback",
                "all.example.com /",
                "*.example.com /w",
                "*.example.com fallback",
                "- /",
            ]
        );
        let wildcards = [
            rule(Some("*.example.com"), vec![path("/a", PathType::Prefix)]),
            rule(
                Some("*.shop.example.com"),
                vec![path("/b", PathType::Prefix)],
            ),
        ];
        assert_eq!(
            described(&kubernetes_order(&wildcards)),
            vec![
                "*.shop.example.com /b",
                "*.shop.example.com fallback",
                "*.example.com /a",
            ]
        );
        // Nothing less specific follows: no fallback is needed.
        let alone = [rule(
            Some("a.example.com"),
            vec![path("/a", PathType::Prefix)],
        )];
        assert_eq!(
            described(&kubernetes_order(&alone)),
            vec!["a.example.com /a"]
        );
    }

    #[test]
    fn wildcards_cover_what_alb_matches() {
        assert!(wildcard_covers("*.example.com", "shop.example.com"));
        assert!(wildcard_covers("*.example.com", "a.shop.example.com"));
        assert!(wildcard_covers("*.example.com", "*.shop.example.com"));
        assert!(!wildcard_covers("*.example.com", "example.com"));
        assert!(!wildcard_covers("*.example.com", "shop.example.org"));
    }
}
