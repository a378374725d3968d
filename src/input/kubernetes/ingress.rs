//! A Kubernetes Ingress (networking.k8s.io/v1) as written: rules, default backend, TLS and
//! annotations, with positions, each value checked where it is read. Backends are resolved
//! against Services once every object is collected (`routing`), since a Service may come
//! later in the input.

use super::alb_annotations::{CLASS_ANNOTATION, IngressAnnotations, read_ingress_annotations};
use super::metadata::{Metadata, split_metadata_and_spec};
use super::preamble::Preamble;
use super::reader::{Object, Sink, missing_spec};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::Port;
use crate::model::document_order::DocumentOrder;
use crate::model::ingress::{HOST_HELP, PATH_HELP};
use crate::model::intent::balancing::{LoadBalancerSettings, Written};
use crate::model::intent::ingress::{
    Backend, HttpPath, Ingress, PathType, Rule, Semantics, ServicePortRef,
};
use crate::model::intent::ingress_class::{ClassName, ClassSource};
use crate::source::Span;

/// The Ingress API i2kit reads.
pub const API_VERSION: &str = "networking.k8s.io/v1";
/// Versions Kubernetes 1.22 removed, with the older field names.
pub const REMOVED_API_VERSIONS: [&str; 2] = ["extensions/v1beta1", "networking.k8s.io/v1beta1"];

/// The error for an Ingress of a removed API version: what to rewrite.
#[must_use]
pub fn removed_api_version(version: &str, span: Option<Span>) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidValue,
        span,
        format!("Ingress apiVersion `{version}` was removed in Kubernetes 1.22; i2kit reads {API_VERSION}"),
    )
    .with_help("migrate the Ingress to networking.k8s.io/v1: `backend.serviceName`/`servicePort` become `backend.service.name` and `backend.service.port.number` (or `.name`), `spec.backend` becomes `spec.defaultBackend`, and every path needs a `pathType` (kubectl convert does this)")
}

/// Reads an Ingress of [`API_VERSION`]; one of the [`REMOVED_API_VERSIONS`] is an error of
/// its own, with how to migrate.
pub fn collect(object: Object<'_>, preamble: &Preamble<'_>, sink: &mut Sink) -> Option<Ingress> {
    if let Some(version) = &preamble.api_version
        && version != API_VERSION
    {
        let span = preamble.api_version_span();
        sink.push(if REMOVED_API_VERSIONS.contains(&version.as_str()) {
            removed_api_version(version, span)
        } else {
            Diagnostic::error(
                Code::InvalidValue,
                span,
                format!("an Ingress's apiVersion is `{API_VERSION}`"),
            )
        });
        return None;
    }
    let (metadata, spec) = split_metadata_and_spec(object, sink);
    read_ingress(metadata, preamble.order, spec, sink)
}

/// Reads an Ingress whose metadata and spec are split.
fn read_ingress(
    metadata: Metadata,
    order: DocumentOrder,
    spec: Option<Object<'_>>,
    sink: &mut Sink,
) -> Option<Ingress> {
    let Metadata {
        name,
        name_span: span,
        namespace,
        annotations,
    } = metadata;
    let IngressAnnotations {
        balancer,
        targets,
        nginx,
        alb_annotation,
    } = read_ingress_annotations(&annotations, sink);
    let Some(mut spec) = spec else {
        sink.push(missing_spec("Ingress", &name, span));
        return None;
    };
    let class = read_class(&mut spec, &annotations, sink);
    let default_backend = spec
        .object("defaultBackend", sink)
        .and_then(|backend| read_backend(backend, &balancer, sink));
    let mut rules = Vec::new();
    let rules_path = spec.child("rules");
    for (index, node) in spec.list("rules", sink).iter().enumerate() {
        if let Some(rule) = Object::new(node, &format!("{rules_path}[{index}]"), sink)
            .and_then(|rule| read_rule(rule, &balancer, sink))
        {
            rules.push(rule);
        }
    }
    let tls = spec.key_span("tls");
    let tls_path = spec.child("tls");
    for (index, node) in spec.list("tls", sink).iter().enumerate() {
        if let Some(entry) = Object::new(node, &format!("{tls_path}[{index}]"), sink) {
            read_tls(entry, sink);
        }
    }
    spec.finish(sink, |key| {
        (key == "backend")
            .then_some("that is the v1beta1 field; networking.k8s.io/v1 calls it `defaultBackend`")
    });
    Some(Ingress {
        name,
        namespace,
        order,
        span,
        balancer,
        targets,
        default_backend,
        rules,
        tls,
        class,
        nginx,
        alb_annotation,
        semantics: Semantics::default(),
    })
}

/// The class the Ingress names: `spec.ingressClassName`, else the deprecated annotation. The
/// API server refuses an Ingress whose two differ ("must match `ingressClassName` when both
/// are specified"), and so does i2kit.
fn read_class(
    spec: &mut Object<'_>,
    annotations: &[(String, String, Span)],
    sink: &mut Sink,
) -> Option<ClassName> {
    let field_span = spec.value_span("ingressClassName");
    let field = spec.string("ingressClassName", sink);
    let annotation = annotations
        .iter()
        .find(|(key, _, _)| key == CLASS_ANNOTATION);
    match (field.zip(field_span), annotation) {
        (Some((field, field_span)), Some((_, written, span))) if *written != field => {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(*span),
                    format!("annotation `{CLASS_ANNOTATION}` is `{written}` but `spec.ingressClassName` is `{field}`: Kubernetes refuses an Ingress whose two differ"),
                )
                .with_help("keep `spec.ingressClassName` and remove the deprecated annotation"),
            );
            Some(ClassName {
                name: Written {
                    value: field,
                    span: field_span,
                },
                source: ClassSource::Field,
            })
        }
        (Some((field, span)), _) => Some(ClassName {
            name: Written { value: field, span },
            source: ClassSource::Field,
        }),
        (None, Some((_, written, span))) => Some(ClassName {
            name: Written {
                value: written.clone(),
                span: *span,
            },
            source: ClassSource::Annotation,
        }),
        (None, None) => None,
    }
}

fn read_rule(
    mut rule: Object<'_>,
    balancer: &LoadBalancerSettings,
    sink: &mut Sink,
) -> Option<Rule> {
    let span = rule.span();
    let host_span = rule.value_span("host");
    let host = rule
        .string("host", sink)
        .and_then(|host| match check_host(&host) {
            Ok(()) => Some(host),
            Err(why) => {
                sink.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        host_span,
                        format!("host `{host}` {why}"),
                    )
                    .with_help(HOST_HELP),
                );
                None
            }
        });
    let mut paths = Vec::new();
    match rule.object("http", sink) {
        Some(mut http) => {
            let path = http.child("paths");
            for (index, node) in http.list("paths", sink).iter().enumerate() {
                if let Some(read) = Object::new(node, &format!("{path}[{index}]"), sink)
                    .and_then(|entry| read_path(entry, balancer, sink))
                {
                    paths.push(read);
                }
            }
            http.finish(sink, |_| None);
        }
        None => sink.ignored(
            span,
            rule.path(),
            "a rule without `http.paths` routes nothing",
        ),
    }
    rule.finish(sink, |_| None);
    Some(Rule {
        host,
        host_span,
        paths,
        span,
    })
}

fn read_path(
    mut entry: Object<'_>,
    balancer: &LoadBalancerSettings,
    sink: &mut Sink,
) -> Option<HttpPath> {
    let span = entry.span();
    let path_span = entry.value_span("path").unwrap_or(span);
    let path = entry.string("path", sink).unwrap_or_default();
    let type_span = entry.value_span("pathType");
    let kind = match entry.string("pathType", sink).as_deref() {
        Some("Exact") => PathType::Exact,
        Some("Prefix") => PathType::Prefix,
        Some("ImplementationSpecific") => PathType::ImplementationSpecific,
        None => {
            sink.push(Diagnostic::warning(
                Code::MissingField,
                Some(span),
                format!("`{}.pathType` is missing: networking.k8s.io/v1 requires it; read as ImplementationSpecific, as the AWS Load Balancer Controller does", entry.path()),
            ).with_help("write `pathType: Prefix` (or Exact, or ImplementationSpecific)"));
            PathType::ImplementationSpecific
        }
        Some(other) => {
            let choices = ["Exact", "Prefix", "ImplementationSpecific"];
            let mut problem = Diagnostic::error(
                Code::InvalidValue,
                type_span,
                format!("pathType `{other}` is not Exact, Prefix or ImplementationSpecific"),
            );
            if let Some(suggestion) = did_you_mean(other, choices) {
                problem = problem.with_help(format!("did you mean `{suggestion}`?"));
            }
            sink.push(problem);
            return None;
        }
    };
    let backend = entry
        .object("backend", sink)
        .and_then(|backend| read_backend(backend, balancer, sink));
    if backend.is_none() && entry.key_span("backend").is_none() {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(span),
            format!("`{}` has no `backend`", entry.path()),
        ));
    }
    entry.finish(sink, |_| None);
    if let Err(why) = check_path(&path, kind) {
        sink.push(
            Diagnostic::error(
                Code::InvalidValue,
                Some(path_span),
                format!("path `{path}` {why}"),
            )
            .with_help(PATH_HELP),
        );
        return None;
    }
    Some(HttpPath {
        path,
        kind,
        backend: backend?,
        span,
        path_span,
        written: None,
    })
}

fn read_backend(
    mut backend: Object<'_>,
    balancer: &LoadBalancerSettings,
    sink: &mut Sink,
) -> Option<Backend> {
    let span = backend.span();
    if let Some(resource) = backend.key_span("resource") {
        backend.accept_all();
        sink.push(
            Diagnostic::error(
                Code::IngressBackend,
                Some(resource),
                "a `resource` backend cannot be compiled: an application load balancer forwards only to Services' VMs",
            )
            .with_help("route to a Service (`service: {name, port: {number}}`)"),
        );
        return None;
    }
    if let Some(old) = backend.key_span("serviceName") {
        backend.accept_all();
        let removed_keys = [Some(old), backend.key_span("servicePort")];
        sink.supersede_unknown_fields(
            &removed_keys.into_iter().flatten().collect::<Vec<_>>(),
            Diagnostic::error(
                Code::IngressBackend,
                Some(old),
                "`serviceName` and `servicePort` are the removed v1beta1 backend fields",
            )
            .with_help(
                "write `service: {name: NAME, port: {number: PORT}}` (networking.k8s.io/v1)",
            ),
        );
        return None;
    }
    let Some(mut service) = backend.object("service", sink) else {
        backend.finish(sink, |_| None);
        sink.push(
            Diagnostic::error(
                Code::MissingField,
                Some(span),
                "the backend names no `service`",
            )
            .with_help("write `service: {name: NAME, port: {number: PORT}}`"),
        );
        return None;
    };
    backend.finish(sink, |_| None);
    let service_span = service.value_span("name").unwrap_or(service.span());
    let name = service.string("name", sink);
    let port_span = service.value_span("port").unwrap_or(service.span());
    let port = match service.object("port", sink) {
        Some(mut port) => {
            let number = port.integer("number", sink);
            let named = port.string("name", sink);
            port.finish(sink, |_| None);
            match (number, named) {
                (Some((number, span)), None) => match Port::from_int(number) {
                    Some(number) => Some(ServicePortRef::Number(number)),
                    None => {
                        sink.push(Diagnostic::error(
                            Code::PortSyntax,
                            Some(span),
                            format!("port {number} is outside 1–65535"),
                        ));
                        None
                    }
                },
                (None, Some(named)) => Some(ServicePortRef::Name(named)),
                (Some(_), Some(_)) => {
                    sink.push(Diagnostic::error(
                        Code::InvalidValue,
                        Some(port_span),
                        "the backend port has both `number` and `name`; Kubernetes allows one",
                    ));
                    None
                }
                (None, None) => {
                    sink.push(Diagnostic::error(
                        Code::MissingField,
                        Some(port_span),
                        "the backend port has neither `number` nor `name`",
                    ));
                    None
                }
            }
        }
        None => {
            sink.push(
                Diagnostic::error(
                    Code::MissingField,
                    Some(service.span()),
                    "the backend Service names no `port`",
                )
                .with_help("write `port: {number: 80}` or `port: {name: http}`"),
            );
            None
        }
    };
    service.finish(sink, |_| None);
    let name = name?;
    let port = port?;
    if port == ServicePortRef::Name("use-annotation".to_string()) {
        let action = if balancer.custom_actions.contains(&name) {
            format!(" `alb.ingress.kubernetes.io/actions.{name}`")
        } else {
            String::new()
        };
        sink.push(
            Diagnostic::error(
                Code::IngressBackend,
                Some(port_span),
                format!("this backend is the custom action{action}, which i2kit does not compile"),
            )
            .with_help("route to a Service instead; for a redirect to HTTPS use the `alb.ingress.kubernetes.io/ssl-redirect` annotation"),
        );
        return None;
    }
    Some(Backend {
        service: name,
        port,
        service_span,
        port_span,
    })
}

/// `spec.tls`: its hosts are checked; the Secret holding the certificate is not read, since
/// certificates come from ACM.
fn read_tls(mut entry: Object<'_>, sink: &mut Sink) {
    let path = entry.child("hosts");
    for (index, node) in entry.list("hosts", sink).iter().enumerate() {
        let Some(host) = super::reader::text(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        if let Err(why) = check_host(&host) {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                Some(node.span),
                format!("host `{host}` {why}"),
            ));
        }
    }
    if let Some(span) = entry.key_span("secretName") {
        entry.accept(&["secretName"]);
        sink.ignored(
            span,
            &entry.child("secretName"),
            "the load balancer's certificate comes from ACM: the certificate-arn annotation, else the template's <Name>IngressCertificateArn parameter",
        );
    }
    entry.finish(sink, |_| None);
}

/// The longest DNS name (RFC 1035, and Kubernetes' DNS-1123 subdomain, which a rule host is).
pub const MAX_DNS_NAME: usize = 253;

/// A rule host as Kubernetes takes it: a lowercase DNS name (labels of letters, digits and
/// inner '-') of at most [`MAX_DNS_NAME`] characters, optionally with `*` as its whole first
/// label, no IP address. How long a host a target's load balancer matches is its emitter's
/// question (`crate::emit::alb_quotas`).
///
/// # Errors
/// Why not, completing "host `…` ".
pub fn check_host(host: &str) -> Result<(), String> {
    if host.len() > MAX_DNS_NAME {
        return Err(format!(
            "is longer than {MAX_DNS_NAME} characters, the most a DNS name has"
        ));
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("is an IP address; Kubernetes rules take DNS names".to_string());
    }
    let labels: Vec<&str> = host.split('.').collect();
    for (index, label) in labels.iter().enumerate() {
        if index == 0 && *label == "*" && labels.len() > 1 {
            continue;
        }
        let bytes = label.as_bytes();
        let valid = !bytes.is_empty()
            && bytes.len() <= 63
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            && bytes.first() != Some(&b'-')
            && bytes.last() != Some(&b'-');
        if !valid {
            return Err(format!(
                "is not a DNS name: `{label}` is not a lowercase label (a wildcard is `*.` at the start only)"
            ));
        }
    }
    Ok(())
}

/// A path as the controller turns it into `path-pattern` values: absolute, in ALB's
/// character set, wildcards only in ImplementationSpecific paths (the controller refuses
/// them in Exact and Prefix ones). How long a pattern a target's load balancer matches is its
/// emitter's question (`crate::emit::alb_quotas`).
///
/// # Errors
/// Why not, completing "path `…` ".
pub fn check_path(path: &str, kind: PathType) -> Result<(), String> {
    if path.is_empty() {
        return match kind {
            PathType::ImplementationSpecific => Ok(()),
            PathType::Exact | PathType::Prefix => {
                Err("is empty; Exact and Prefix paths start with '/'".to_string())
            }
        };
    }
    if !path.starts_with('/') {
        return Err("does not start with '/'".to_string());
    }
    if let Some(bad) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_-.$/~\"'@:+&*?".contains(*c)))
    {
        return Err(format!(
            "holds `{bad}`, which an ALB path condition cannot match"
        ));
    }
    if kind != PathType::ImplementationSpecific && path.contains(['*', '?']) {
        return Err("holds a wildcard, which only ImplementationSpecific paths may".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::intent::ingress::path_patterns;

    #[test]
    fn prefix_paths_match_the_path_and_below_it() {
        assert_eq!(path_patterns("/", PathType::Prefix), vec!["/*"]);
        assert_eq!(
            path_patterns("/api", PathType::Prefix),
            vec!["/api", "/api/*"]
        );
        assert_eq!(
            path_patterns("/api/", PathType::Prefix),
            vec!["/api", "/api/*"]
        );
        assert_eq!(path_patterns("/api", PathType::Exact), vec!["/api"]);
        assert_eq!(
            path_patterns("/img/*.png", PathType::ImplementationSpecific),
            vec!["/img/*.png"]
        );
        assert!(path_patterns("", PathType::ImplementationSpecific).is_empty());
    }

    #[test]
    fn paths_are_checked_as_alb_takes_them() {
        assert!(check_path("/api", PathType::Prefix).is_ok());
        assert!(check_path("/a*", PathType::Prefix).is_err());
        assert!(check_path("/a*", PathType::ImplementationSpecific).is_ok());
        assert!(check_path("api", PathType::Exact).is_err());
        assert!(check_path("/a b", PathType::Exact).is_err());
        assert!(check_path("/%20", PathType::Exact).is_err());
        assert!(check_path("", PathType::Prefix).is_err());
        assert!(check_path("", PathType::ImplementationSpecific).is_ok());
        // How long a pattern may be is the target's (emit::alb_quotas), not the reader's.
        assert!(check_path(&format!("/{}", "a".repeat(126)), PathType::Prefix).is_ok());
        assert!(check_path(&format!("/{}", "a".repeat(1000)), PathType::Exact).is_ok());
    }

    #[test]
    fn hosts_are_lowercase_dns_names_with_leading_wildcards_only() {
        assert!(check_host("shop.example.com").is_ok());
        assert!(check_host("*.example.com").is_ok());
        assert!(check_host("localhost").is_ok());
        assert!(check_host("Shop.example.com").is_err());
        assert!(check_host("a.*.example.com").is_err());
        assert!(check_host("*").is_err());
        assert!(check_host("10.0.0.1").is_err());
        assert!(check_host("-a.example.com").is_err());
        assert!(check_host(&format!("{}com", "a.".repeat(125))).is_ok());
        assert!(check_host(&format!("{}com", "a.".repeat(126))).is_err());
    }
}
