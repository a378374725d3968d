//! A Kubernetes Service → the load balancer it asks for: listener ports, scheme, and the AWS
//! load-balancer annotations teams already use with the in-tree cloud provider.

use super::alb_annotations::read_service_annotations;
use super::metadata::{Metadata, split_metadata_and_spec};
use super::preamble::Preamble;
use super::reader::{Object, Sink, int_or_string, missing_spec};
use super::restriction::{restricting_annotations, restriction_of};
use super::source_ranges::{SERVICE_ANNOTATION, WrittenRange, read_annotation, read_field};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::health_check_timing::{INTERVAL_RANGE, THRESHOLD_RANGE, TIMEOUT_RANGE, clamp};
use crate::input::rules;
use crate::model::document_order::DocumentOrder;
use crate::model::intent::balancing::{AuthenticationKind, Written};
use crate::model::intent::{ReadName, Selector, Service, ServicePort, SslPorts};
use crate::model::{BalancerLayer, ExternalName, Port, Protocol, ServiceName};
use crate::source::Span;

const ANNOTATION_PREFIX: &str = "service.beta.kubernetes.io/aws-load-balancer-";

/// The `spec.loadBalancerClass` the AWS Load Balancer Controller reconciles by default
/// (its `--load-balancer-class` flag, docs/guide/service/nlb.md).
const CONTROLLER_CLASS: &str = "service.k8s.aws/nlb";

/// What a Service asks for: a load balancer in front of the pods it selects, or, of type
/// `ExternalName`, a name for another host.
#[derive(Debug)]
pub enum ReadService {
    Balanced(Box<Service>),
    ExternalName(ExternalName),
}

/// Reads a `v1 Service`.
pub fn collect(
    object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<ReadService> {
    if !preamble.accepts_api_version(&["v1"], sink) {
        return None;
    }
    let (metadata, spec) = split_metadata_and_spec(object, sink);
    read_service(metadata, preamble.order, spec, sink)
}

/// Reads a Service whose metadata and spec are split.
fn read_service(
    metadata: Metadata,
    order: DocumentOrder,
    spec: Option<Object<'_>>,
    sink: &mut Sink,
) -> Option<ReadService> {
    let Metadata {
        name,
        name_span: span,
        namespace,
        annotations,
    } = metadata;
    // `read_metadata` has reported a name that is not a label, and left it empty.
    let name = ReadName::from_checked(ServiceName::new(&name));
    let mut service = Service::as_read(name, namespace, order, span);
    let Some(mut spec) = spec else {
        sink.push(missing_spec("Service", service.name.as_str(), span));
        return None;
    };
    let kind = spec
        .string("type", sink)
        .unwrap_or_else(|| "ClusterIP".to_string());
    let load_balancer_type = kind == "LoadBalancer";
    if load_balancer_type {
        service.load_balancer_type = spec.value_span("type");
    }
    match kind.as_str() {
        "LoadBalancer" | "ClusterIP" => {}
        "NodePort" => {
            let type_span = spec.key_span("type").unwrap_or(span);
            sink.ignored(type_span, &spec.child("type"), "VMs have no node ports; the Service gets an internal load balancer, like ClusterIP");
        }
        "ExternalName" => {
            return read_external_name(service, spec, sink).map(ReadService::ExternalName);
        }
        other => {
            let mut problem = Diagnostic::error(
                Code::InvalidValue,
                spec.key_span("type"),
                format!(
                    "Service type `{other}` is not ClusterIP, NodePort, LoadBalancer or ExternalName"
                ),
            );
            if let Some(suggestion) = did_you_mean(
                other,
                ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
            ) {
                problem = problem.with_help(format!("did you mean `{suggestion}`?"));
            }
            sink.push(problem);
        }
    }
    service.selector = Selector::Labels(spec.string_map("selector", sink));
    read_ports(&mut spec, &mut service, sink);
    if let Some(span) = spec.key_span("clusterIP")
        && spec.string("clusterIP", sink).as_deref() == Some("None")
    {
        service.headless = Some(span);
    }
    // Taken before `finish`, which lists only the first unread keys of an object.
    let field_span = spec.key_span("loadBalancerSourceRanges");
    let field_path = spec.child("loadBalancerSourceRanges");
    let field = read_field(
        spec.list("loadBalancerSourceRanges", sink),
        &field_path,
        sink,
    );
    service.source_ranges = source_ranges(
        field_span
            .filter(|_| !field.is_empty())
            .map(|span| (field, span)),
        &annotations,
        load_balancer_type,
        sink,
    );
    let class_span = spec.key_span("loadBalancerClass");
    let class = spec.string("loadBalancerClass", sink);
    let controller_class = class.as_deref() == Some(CONTROLLER_CLASS);
    if let (Some(span), Some(_)) = (class_span, &class)
        && !controller_class
    {
        sink.ignored(
            span,
            &spec.child("loadBalancerClass"),
            "the load balancer is created by CloudFormation, not a cloud controller",
        );
    }
    spec.accept(&["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"]);
    spec.finish(sink, |key| match key {
        "externalTrafficPolicy" | "internalTrafficPolicy" => {
            Some("traffic always goes through the load balancer to the VMs")
        }
        "sessionAffinity" | "sessionAffinityConfig" => {
            Some("use target group stickiness outside i2kit if you need it")
        }
        "loadBalancerIP"
        | "externalIPs"
        | "allocateLoadBalancerNodePorts"
        | "healthCheckNodePort" => {
            Some("the load balancer is created by CloudFormation, not a cloud controller")
        }
        "publishNotReadyAddresses" => Some("only VMs passing the health check receive traffic"),
        _ => None,
    });
    for diagnostic in restricting_annotations(&annotations, sink.waivers) {
        sink.push(diagnostic);
    }
    let scheme = read_annotations(&annotations, &mut service, sink);
    if controller_class {
        service.layer = service.layer.or(Some(BalancerLayer::Connection));
    }
    service.public = scheme.public(load_balancer_type, controller_class);
    service.ingress_targets = read_service_annotations(&annotations, sink);
    check_authentication_reach(&service, sink);
    Some(ReadService::Balanced(Box::new(service)))
}

/// An `ExternalName` Service: `spec.externalName`, which Kubernetes requires to be a DNS
/// subdomain once one trailing dot is taken off (`ValidateService`). Its ports and selector
/// mean nothing to the cluster DNS, which answers with the CNAME alone, so they are read
/// without a word.
fn read_external_name(
    service: Service,
    mut spec: Object<'_>,
    sink: &mut Sink,
) -> Option<ExternalName> {
    let span = spec.value_span("externalName").unwrap_or(service.span);
    let written = spec.string("externalName", sink);
    spec.accept(&[
        "ports",
        "selector",
        "sessionAffinity",
        "sessionAffinityConfig",
    ]);
    spec.finish(sink, |_| None);
    let Some(written) = written.filter(|name| !name.is_empty()) else {
        sink.push(
            Diagnostic::error(
                Code::MissingField,
                Some(span),
                format!(
                    "ExternalName Service `{}` needs `spec.externalName`",
                    service.name
                ),
            )
            .with_help("name the host its name stands for, e.g. `externalName: db.example.com`"),
        );
        return None;
    };
    let target = written.strip_suffix('.').unwrap_or(&written);
    if !rules::is_dns_subdomain(target) {
        sink.push(
            Diagnostic::error(
                Code::InvalidValue,
                Some(span),
                format!("`spec.externalName` `{written}` is not a DNS name"),
            )
            .with_help("Kubernetes requires lower-case letters, digits, `-` and `.`, at most 253 characters"),
        );
        return None;
    }
    if target.parse::<std::net::Ipv4Addr>().is_ok() {
        // Kubernetes takes it, as a name of digits: the resolver then looks up that name, and
        // finds nothing, in the cluster as on the VMs.
        sink.push(
            Diagnostic::warning(
                Code::InvalidValue,
                Some(span),
                format!("`spec.externalName` `{written}` is an IPv4 address, which a CNAME cannot point at: calls to `{}` will not resolve", service.name),
            )
            .with_help("give the host a DNS name, or use a Service without a selector and an EndpointSlice outside i2kit"),
        );
    }
    // A refused name (already an error) names no host.
    Some(ExternalName {
        name: service.name.into_checked()?,
        namespace: service.namespace,
        target: target.to_string(),
        order: service.order,
        span: service.span,
    })
}

/// `auth-type` on a Service protects the Ingress routes to it (the controller reads it there
/// only). A Service with its own internet-facing load balancer is also reachable through that
/// network load balancer, which cannot authenticate: the backend would be open after all.
fn check_authentication_reach(service: &Service, sink: &mut Sink) {
    let Some(kind) = &service.ingress_targets.authentication.kind else {
        return;
    };
    if service.public && kind.value != AuthenticationKind::None {
        sink.push(
            Diagnostic::error(
                Code::AuthenticationBypassed,
                Some(kind.span),
                format!("Service `{}` asks for authentication, which only an Ingress's HTTPS listeners perform, and its own internet-facing load balancer would serve it without", service.name),
            )
            .with_help("make the Service ClusterIP (or its load balancer internal) and reach it through the Ingress"),
        );
    }
}

/// The ranges that restrict the load balancer, as the API server picks them
/// (`GetLoadBalancerSourceRanges`): the field when it lists any, else the annotation. Either
/// is refused on a Service that is not `type: LoadBalancer`, as the API server refuses it; an
/// IPv6 range is refused because a Service's load balancer takes IPv4 clients only, as the
/// AWS Load Balancer Controller refuses it on a load balancer that is not dualstack.
fn source_ranges(
    field: Option<(Vec<WrittenRange>, Span)>,
    annotations: &[(String, String, Span)],
    load_balancer_type: bool,
    sink: &mut Sink,
) -> Option<Written<Vec<crate::cidr::Cidr>>> {
    let annotation = annotations
        .iter()
        .find(|(key, _, _)| key == SERVICE_ANNOTATION)
        .and_then(|(key, value, span)| {
            read_annotation(key, value, *span, sink).map(|ranges| (ranges, *span))
        });
    let (ranges, span) = match (field, annotation) {
        (Some(field), Some((_, annotation_span))) => {
            sink.push(Diagnostic::warning(
                Code::IgnoredField,
                Some(annotation_span),
                format!("annotation `{SERVICE_ANNOTATION}` is ignored: `spec.loadBalancerSourceRanges` lists ranges, and the field wins, as in Kubernetes"),
            ).with_help("remove the annotation, or move its ranges into the field"));
            field
        }
        (Some(written), None) | (None, Some(written)) => written,
        (None, None) => return None,
    };
    if !load_balancer_type {
        sink.push(
            Diagnostic::error(
                Code::SourceRange,
                Some(span),
                "source ranges may only be set on a Service of `type: LoadBalancer`, as Kubernetes requires".to_string(),
            )
            .with_help("set `type: LoadBalancer` (add the aws-load-balancer-internal or aws-load-balancer-scheme annotation to keep it internal), or remove the ranges"),
        );
    }
    for (cidr, at) in ranges.iter().filter(|(cidr, _)| cidr.is_ipv6()) {
        sink.push(
            Diagnostic::error(
                Code::SourceRange,
                Some(*at),
                format!("`{cidr}` is an IPv6 range, and a Service's load balancer is reached over IPv4 only"),
            )
            .with_help("remove it (the AWS Load Balancer Controller refuses IPv6 ranges on a load balancer that is not dualstack too), or serve IPv6 clients through an Ingress with alb.ingress.kubernetes.io/ip-address-type: dualstack"),
        );
    }
    Some(Written {
        value: ranges.into_iter().map(|(cidr, _)| cidr).collect(),
        span,
    })
}

fn read_ports(spec: &mut Object<'_>, service: &mut Service, sink: &mut Sink) {
    let path = spec.child("ports");
    for (index, node) in spec.list("ports", sink).iter().enumerate() {
        let Some(mut port) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let number = port.integer("port", sink);
        let target_span = node.get("targetPort").map_or(node.span, |n| n.span);
        let target = port
            .take("targetPort")
            .and_then(|target| int_or_string(target, &format!("{path}[{index}].targetPort"), sink));
        let protocol = port
            .string("protocol", sink)
            .unwrap_or_else(|| "TCP".to_string());
        let app_protocol = port.string("appProtocol", sink).and_then(|text| {
            match text.to_ascii_lowercase().as_str() {
                "http" => Some(Protocol::Http),
                "https" => Some(Protocol::Https),
                _ => None,
            }
        });
        if let Some(span) = port.key_span("nodePort") {
            port.accept(&["nodePort"]);
            sink.ignored(span, &port.child("nodePort"), "VMs have no node ports");
        }
        let name = port.string("name", sink);
        port.finish(sink, |_| None);
        let udp = match protocol.as_str() {
            "TCP" => false,
            "UDP" => true,
            other => {
                sink.push(super::pod::protocol_error(
                    other,
                    node.get("protocol").map_or(node.span, |n| n.span),
                ));
                continue;
            }
        };
        let Some((number, number_span)) = number else {
            sink.push(Diagnostic::error(
                Code::MissingField,
                Some(node.span),
                format!("`{path}[{index}]` has no `port`"),
            ));
            continue;
        };
        let Some(number) = Port::from_int(number) else {
            sink.push(Diagnostic::error(
                Code::PortSyntax,
                Some(number_span),
                format!("port {number} is outside 1–65535"),
            ));
            continue;
        };
        service.ports.push(ServicePort {
            name,
            port: number,
            target,
            udp,
            app_protocol,
            span: node.span,
            target_span,
        });
    }
}

/// What a Service's annotations say of its scheme; [`SchemeAnnotations::public`] decides.
#[derive(Default)]
struct SchemeAnnotations {
    /// `aws-load-balancer-scheme`: internet-facing (`true`) or internal.
    scheme: Option<bool>,
    /// `aws-load-balancer-internal`, as written.
    internal: Option<String>,
    /// `aws-load-balancer-type: external` or `nlb-ip`: the AWS Load Balancer Controller's.
    controller_type: bool,
}

impl SchemeAnnotations {
    /// Whether the load balancer is internet-facing, as the controller that would reconcile
    /// the Service decides.
    ///
    /// The AWS Load Balancer Controller (type `external` or `nlb-ip`, or its load balancer
    /// class): `aws-load-balancer-scheme` first, then the legacy `aws-load-balancer-internal`
    /// (`"false"` is internet-facing), else internal, its `--default-load-balancer-scheme`
    /// since v2.2.0 (pkg/service/model_build_load_balancer.go, buildLoadBalancerScheme and
    /// buildLoadBalancerSchemeLegacyAnnotation; pkg/config/controller_config.go;
    /// docs/guide/service/nlb.md).
    ///
    /// The in-tree provider (no type, `nlb`, `classic`): `type: LoadBalancer` is
    /// internet-facing unless `aws-load-balancer-internal` is set to anything but `"false"`.
    /// It does not read `aws-load-balancer-scheme`; i2kit honours `internal` there too, and
    /// `internet-facing` only where no `aws-load-balancer-internal` asks for internal, so
    /// that neither reading comes out more open than the other.
    fn public(&self, load_balancer_type: bool, controller_class: bool) -> bool {
        let internal_asked = self.internal.as_deref().map(|value| value != "false");
        if self.controller_type || controller_class {
            return self
                .scheme
                .or(internal_asked.map(|internal| !internal))
                .unwrap_or(false);
        }
        if internal_asked == Some(true) || self.scheme == Some(false) {
            return false;
        }
        self.scheme.unwrap_or(load_balancer_type)
    }
}

fn read_annotations(
    annotations: &[(String, String, Span)],
    service: &mut Service,
    sink: &mut Sink,
) -> SchemeAnnotations {
    let mut scheme = SchemeAnnotations::default();
    for (key, value, span) in annotations {
        let Some(setting) = key.strip_prefix(ANNOTATION_PREFIX) else {
            continue;
        };
        if restriction_of(key, value).is_some() {
            continue;
        }
        let key_span = *span;
        let span = Some(key_span);
        let invalid = |expected: &str| {
            Diagnostic::error(
                Code::InvalidValue,
                span,
                format!("annotation `{key}` cannot be `{value}`: expected {expected}"),
            )
        };
        match setting {
            "type" => match value.as_str() {
                "nlb" => service.layer = Some(BalancerLayer::Connection),
                // The controller's types; `nlb-ip` registers pod IPs, and a pod's IP is its
                // VM's, which registers as an instance.
                "external" | "nlb-ip" => {
                    service.layer = Some(BalancerLayer::Connection);
                    scheme.controller_type = true;
                }
                // `classic` and `elb` ask for each listener at its own layer.
                "classic" | "elb" => service.layer = Some(BalancerLayer::PerListener),
                _ => {
                    let mut problem = invalid("nlb, external, nlb-ip or classic");
                    if let Some(suggestion) = did_you_mean(value, ["nlb", "external", "nlb-ip", "classic"]) {
                        problem = problem.with_help(format!("did you mean `{suggestion}`?"));
                    }
                    sink.push(problem);
                }
            },
            "scheme" => match value.as_str() {
                "internal" => scheme.scheme = Some(false),
                "internet-facing" => scheme.scheme = Some(true),
                _ => {
                    let mut problem = invalid("internal or internet-facing");
                    if let Some(suggestion) = did_you_mean(value, ["internal", "internet-facing"]) {
                        problem = problem.with_help(format!("did you mean `{suggestion}`?"));
                    }
                    sink.push(problem);
                }
            },
            "internal" => scheme.internal = Some(value.clone()),
            "ssl-cert" => {
                if value.starts_with("arn:") {
                    service.certificate = Some(value.clone());
                } else {
                    sink.push(invalid("an ACM certificate ARN (arn:aws:acm:…)"));
                }
            }
            "ssl-ports" => {
                service.ssl_ports = if value.trim() == "*" {
                    SslPorts::All
                } else {
                    SslPorts::Listed(value.split(',').map(|part| part.trim().to_string()).filter(|part| !part.is_empty()).collect())
                };
            }
            "backend-protocol" => match value.as_str() {
                "http" => service.backend = Some(Protocol::Http),
                "https" => service.backend = Some(Protocol::Https),
                "ssl" => service.backend = Some(Protocol::Tls),
                "tcp" => service.backend = Some(Protocol::Tcp),
                _ => sink.push(invalid("http, https, ssl or tcp")),
            },
            "healthcheck-path" => service.health.path = Some(value.clone()),
            "healthcheck-protocol" => match value.to_ascii_uppercase().as_str() {
                "HTTP" => service.health.protocol = Some(Protocol::Http),
                "HTTPS" => service.health.protocol = Some(Protocol::Https),
                "TCP" => service.health.protocol = Some(Protocol::Tcp),
                _ => sink.push(invalid("TCP, HTTP or HTTPS")),
            },
            "healthcheck-port" => {
                if value != "traffic-port" {
                    match value.parse::<u16>().ok().and_then(Port::new) {
                        Some(port) => service.health.port = Some(port),
                        None => sink.push(invalid("traffic-port or a port number")),
                    }
                }
            }
            "healthcheck-interval" | "healthcheck-timeout" | "healthcheck-healthy-threshold" | "healthcheck-unhealthy-threshold" => {
                let Ok(number) = value.parse::<i64>() else {
                    sink.push(invalid("a whole number"));
                    continue;
                };
                let range = match setting {
                    "healthcheck-interval" => INTERVAL_RANGE,
                    "healthcheck-timeout" => TIMEOUT_RANGE,
                    _ => THRESHOLD_RANGE,
                };
                let (clamped, moved) = clamp(number, range);
                if moved {
                    sink.push(Diagnostic::warning(
                        Code::Clamped,
                        span,
                        format!("annotation `{key}` {number} is outside AWS's range {}–{}; using {clamped}", range.0, range.1),
                    ));
                }
                let target = match setting {
                    "healthcheck-interval" => &mut service.health.interval_seconds,
                    "healthcheck-timeout" => &mut service.health.timeout_seconds,
                    "healthcheck-healthy-threshold" => &mut service.health.healthy_threshold,
                    _ => &mut service.health.unhealthy_threshold,
                };
                *target = Some(clamped);
            }
            _ => sink.push(Diagnostic::warning(
                Code::IgnoredField,
                span,
                format!("annotation `{key}` is ignored: i2kit maps the type, scheme, internal, ssl-cert, ssl-ports, backend-protocol and healthcheck-* annotations"),
            )),
        }
    }
    if service.health.span.is_none() {
        service.health.span = Some(service.span);
    }
    scheme
}
