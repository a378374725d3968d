//! The AWS Load Balancer Controller's `alb.ingress.kubernetes.io/` annotations on Ingresses
//! (and on their backend Services, whose target group settings win, as in the controller:
//! docs/guide/ingress/annotations.md), and the annotations of other ingress controllers, which
//! are reported as not applied. Values are checked here, where they are read.

use super::alb_authentication::read_authentication_setting;
use super::nginx_annotations::read_nginx_annotation;
use super::reader::Sink;
use super::restriction::{restricting_annotations, restriction_of};
use super::source_ranges::{INGRESS_ANNOTATION, read_annotation};
use crate::arn::parse_arn;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::health_check_timing::{INTERVAL_RANGE, THRESHOLD_RANGE, TIMEOUT_RANGE};
use crate::input::rules;
use crate::model::ingress::ProtocolVersion;
use crate::model::intent::balancing::{LoadBalancerSettings, PREFIX, TargetSettings, Written};
use crate::model::intent::ingress::NginxSettings;
use crate::model::{Port, Protocol};
use crate::source::Span;
use crate::success_codes::check_success_codes;

/// The class annotation that predates `spec.ingressClassName` (read by `ingress`).
pub const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";

/// The controller's bounds on `group.order` (annotations.md, group.order).
const GROUP_ORDER_RANGE: (i64, i64) = (-1000, 1000);

/// What an Ingress's annotations ask for.
#[derive(Default)]
pub struct IngressAnnotations {
    pub balancer: LoadBalancerSettings,
    pub targets: TargetSettings,
    /// ingress-nginx's annotations with an ALB equivalent, applied by class.
    pub nginx: NginxSettings,
    /// The first `alb.ingress.kubernetes.io/` annotation.
    pub alb_annotation: Option<Span>,
}

/// Reads an Ingress's annotations: this controller's, ingress-nginx's that have an
/// equivalent, and warnings for other controllers'.
pub fn read_ingress_annotations(
    annotations: &[(String, String, Span)],
    sink: &mut Sink,
) -> IngressAnnotations {
    let mut read = IngressAnnotations::default();
    for diagnostic in restricting_annotations(annotations, sink.waivers) {
        sink.push(diagnostic);
    }
    for (key, value, span) in annotations {
        if key.starts_with(PREFIX) {
            read.alb_annotation = read.alb_annotation.or(Some(*span));
        }
        if restriction_of(key, value).is_some() {
            continue;
        }
        if read_nginx_annotation(key, value, *span, &mut read.nginx, sink) {
            continue;
        }
        let (balancer, targets) = (&mut read.balancer, &mut read.targets);
        let Some(setting) = key.strip_prefix(PREFIX) else {
            if let Some(owner) = other_controller(key) {
                sink.push(
                    Diagnostic::warning(
                        Code::IgnoredField,
                        Some(*span),
                        format!("annotation `{key}` is not applied: {owner}"),
                    )
                    .with_help("the application load balancer follows the AWS Load Balancer Controller's alb.ingress.kubernetes.io/ annotations (see README, Ingress)"),
                );
            }
            continue;
        };
        if read_target_annotation(setting, key, value, *span, targets, sink) {
            continue;
        }
        let written = Annotation {
            key,
            value,
            span: *span,
        };
        read_balancer_setting(setting, &written, balancer, sink);
    }
    read
}

/// Reads `setting` into `targets` when it is a target group or authentication setting, which
/// Ingresses and Services both carry; whether it was one.
fn read_target_annotation(
    setting: &str,
    key: &str,
    value: &str,
    span: Span,
    targets: &mut TargetSettings,
    sink: &mut Sink,
) -> bool {
    let written = Annotation { key, value, span };
    read_target_setting(setting, &written, targets, sink)
        || read_authentication_setting(setting, key, value, span, &mut targets.authentication, sink)
}

/// Reads a Service's `alb.ingress.kubernetes.io/` annotations: only target group and
/// authentication settings belong on a Service. Those that restrict access and i2kit cannot
/// enforce the Service's reader reports.
pub fn read_service_annotations(
    annotations: &[(String, String, Span)],
    sink: &mut Sink,
) -> TargetSettings {
    let mut targets = TargetSettings::default();
    for (key, value, span) in annotations {
        let Some(setting) = key.strip_prefix(PREFIX) else {
            continue;
        };
        if restriction_of(key, value).is_some() {
            continue;
        }
        if key == INGRESS_ANNOTATION {
            sink.push(
                Diagnostic::error(
                    Code::SourceRange,
                    Some(*span),
                    format!("annotation `{key}` restricts an Ingress's listen ports; on a Service it would restrict nothing (the AWS Load Balancer Controller reads it on Ingresses only)"),
                )
                .with_help("write the ranges in the Service's spec.loadBalancerSourceRanges (type LoadBalancer), or on the Ingress that routes to it"),
            );
            continue;
        }
        if read_target_annotation(setting, key, value, *span, &mut targets, sink) {
            continue;
        }
        if FIREWALL_SETTINGS.contains(&setting) {
            // The controller reads these on Ingresses only: on a Service they protect nothing.
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(*span),
                    format!("annotation `{key}` protects nothing on a Service: the load balancer's firewall settings are read on its Ingresses"),
                )
                .with_help("move it to the Ingress (every Ingress of a group that sets it must agree)"),
            );
        } else {
            sink.push(Diagnostic::warning(
                Code::IgnoredField,
                Some(*span),
                format!("annotation `{key}` is ignored on a Service: on a Service i2kit reads the target group annotations (backend-protocol, backend-protocol-version, healthcheck-*, success-codes, target-type) and auth-*"),
            ));
        }
    }
    targets
}

struct Annotation<'a> {
    key: &'a str,
    value: &'a str,
    span: Span,
}

impl Annotation<'_> {
    fn invalid(&self, expected: &str) -> Diagnostic {
        Diagnostic::error(
            Code::InvalidValue,
            Some(self.span),
            format!(
                "annotation `{}` cannot be `{}`: expected {expected}",
                self.key, self.value
            ),
        )
    }

    /// One of `choices`, matched exactly as the controller does, with did-you-mean.
    fn choice<'c>(&self, choices: &[&'c str], sink: &mut Sink) -> Option<&'c str> {
        if let Some(found) = choices.iter().find(|choice| **choice == self.value) {
            return Some(found);
        }
        let mut problem = self.invalid(&choices.join(" or "));
        if let Some(suggestion) = did_you_mean(self.value, choices.iter().copied()) {
            problem = problem.with_help(format!("did you mean `{suggestion}`?"));
        }
        sink.push(problem);
        None
    }

    fn number(&self, sink: &mut Sink) -> Option<i64> {
        match self.value.trim().parse::<i64>() {
            Ok(number) => Some(number),
            Err(_) => {
                sink.push(self.invalid("a whole number"));
                None
            }
        }
    }

    fn port(&self, sink: &mut Sink) -> Option<Port> {
        let port = self.number(sink)?;
        match Port::from_int(port) {
            Some(port) => Some(port),
            None => {
                sink.push(self.invalid("a port from 1 to 65535"));
                None
            }
        }
    }

    /// A health check timing, moved into AWS's range with a warning.
    fn timing(&self, range: (u32, u32), sink: &mut Sink) -> Option<u32> {
        let number = self.number(sink)?;
        let what = format!("annotation `{}`", self.key);
        let (used, warning) = rules::clamp_to_aws_range(&what, number, range, self.span);
        if let Some(warning) = warning {
            sink.push(warning);
        }
        Some(used)
    }
}

/// Settings of the load balancer as a whole that filter requests.
const FIREWALL_SETTINGS: [&str; 4] = [
    "wafv2-acl-arn",
    "shield-advanced-protection",
    "waf-acl-id",
    "web-acl-id",
];

/// Target group settings; `false` when `setting` is not one.
fn read_target_setting(
    setting: &str,
    annotation: &Annotation<'_>,
    targets: &mut TargetSettings,
    sink: &mut Sink,
) -> bool {
    let health = &mut targets.health;
    match setting {
        "target-type" => match annotation.value {
            "instance" => {}
            "ip" => sink.push(
                Diagnostic::warning(
                    Code::IgnoredField,
                    Some(annotation.span),
                    format!("annotation `{}: ip` is ignored: each pod is a VM, and VMs register with the target group as instances", annotation.key),
                )
                .with_help("remove it, or write `instance`"),
            ),
            _ => {
                annotation.choice(&["instance", "ip"], sink);
            }
        },
        "backend-protocol" => {
            targets.protocol = annotation.choice(&["HTTP", "HTTPS"], sink).map(|chosen| {
                if chosen == "HTTPS" {
                    Protocol::Https
                } else {
                    Protocol::Http
                }
            });
        }
        "backend-protocol-version" => {
            targets.protocol_version = annotation
                .choice(&["HTTP1", "HTTP2", "GRPC"], sink)
                .map(|chosen| match chosen {
                    "GRPC" => ProtocolVersion::Grpc,
                    "HTTP2" => ProtocolVersion::Http2,
                    _ => ProtocolVersion::Http1,
                });
        }
        "healthcheck-path" => match rules::check_probe_path(annotation.value, Some(annotation.span))
        {
            Some(problem) => sink.push(problem),
            None => health.path = Some(annotation.value.to_string()),
        },
        "healthcheck-protocol" => {
            health.protocol = annotation.choice(&["HTTP", "HTTPS"], sink).map(|chosen| {
                if chosen == "HTTPS" {
                    Protocol::Https
                } else {
                    Protocol::Http
                }
            });
        }
        "healthcheck-port" => {
            if annotation.value != "traffic-port" {
                if annotation.value.parse::<i64>().is_err() {
                    sink.push(
                        annotation
                            .invalid("traffic-port or a port number")
                            .with_help("name the container port by its number"),
                    );
                } else {
                    health.port = annotation.port(sink);
                }
            }
        }
        "healthcheck-interval-seconds" => {
            health.interval_seconds = annotation.timing(INTERVAL_RANGE, sink);
        }
        "healthcheck-timeout-seconds" => {
            health.timeout_seconds = annotation.timing(TIMEOUT_RANGE, sink);
        }
        "healthy-threshold-count" => {
            health.healthy_threshold = annotation.timing(THRESHOLD_RANGE, sink);
        }
        "unhealthy-threshold-count" => {
            health.unhealthy_threshold = annotation.timing(THRESHOLD_RANGE, sink);
        }
        "success-codes" => match check_success_codes(annotation.value, (0, 599)) {
            Ok(()) => {
                targets.success_codes = Some(Written {
                    value: annotation.value.trim().to_string(),
                    span: annotation.span,
                });
            }
            Err(why) => sink.push(annotation.invalid(&why)),
        },
        _ => return false,
    }
    // Where a check's settings are written, for a timeout that ends up above its interval.
    if setting.starts_with("healthcheck-") || setting.ends_with("threshold-count") {
        health.span = health.span.or(Some(annotation.span));
    }
    true
}

/// Load balancer settings, and a warning for every annotation i2kit does not map.
fn read_balancer_setting(
    setting: &str,
    annotation: &Annotation<'_>,
    balancer: &mut LoadBalancerSettings,
    sink: &mut Sink,
) {
    let span = annotation.span;
    let written = |value| Some(Written { value, span });
    let flag = |value| Some(Written { value, span });
    let ports = |value| Some(Written { value, span });
    let arns = |value| Some(Written { value, span });
    let number = |value| Some(Written { value, span });
    let written_acl = |value| Some(Written { value, span });
    let written_ranges = |value| Some(Written { value, span });
    match setting {
        "group.name" => match check_group_name(annotation.value) {
            Ok(()) => balancer.group = written(annotation.value.to_string()),
            Err(why) => sink.push(annotation.invalid(why)),
        },
        "group.order" => {
            if let Some(order) = annotation.number(sink) {
                let (low, high) = GROUP_ORDER_RANGE;
                if (low..=high).contains(&order) {
                    balancer.order = order;
                } else {
                    sink.push(annotation.invalid(&format!("a whole number from {low} to {high}")));
                }
            }
        }
        "scheme" => {
            balancer.public = annotation
                .choice(&["internal", "internet-facing"], sink)
                .and_then(|chosen| flag(chosen == "internet-facing"));
        }
        "ip-address-type" => {
            balancer.dual_stack = annotation
                .choice(&["ipv4", "dualstack"], sink)
                .and_then(|chosen| flag(chosen == "dualstack"));
        }
        "listen-ports" => match parse_listen_ports(annotation.value) {
            Ok(listed) => balancer.listen_ports = ports(listed),
            Err(why) => sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(span),
                    format!("annotation `{}` cannot be read: {why}", annotation.key),
                )
                .with_help(r#"write a JSON list of single-entry objects, e.g. '[{"HTTP": 80}, {"HTTPS": 443}]'"#),
            ),
        },
        "certificate-arn" => {
            let found: Vec<String> = annotation
                .value
                .split(',')
                .map(str::trim)
                .filter(|arn| !arn.is_empty())
                .map(str::to_string)
                .collect();
            if let Some(bad) = found.iter().find(|arn| !is_certificate_arn(arn)) {
                sink.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        Some(span),
                        format!("annotation `{}`: `{bad}` is not a certificate ARN", annotation.key),
                    )
                    .with_help("write ACM certificate ARNs (arn:aws:acm:REGION:ACCOUNT:certificate/ID), separated by commas"),
                );
            } else if found.is_empty() {
                sink.push(annotation.invalid("one or more certificate ARNs, separated by commas"));
            } else {
                balancer.certificates = arns(found);
            }
        }
        "ssl-redirect" => balancer.ssl_redirect = annotation.port(sink).and_then(number),
        "wafv2-acl-arn" => match annotation.value.trim() {
            "" => {}
            "none" => balancer.web_acl = written_acl(None),
            arn if is_regional_web_acl_arn(arn) => {
                balancer.web_acl = written_acl(Some(arn.to_string()));
            }
            _ => sink.push(annotation.invalid("a regional WAFv2 web ACL ARN (arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID), or none").with_help(
                "an application load balancer takes only regional web ACLs; a CloudFront (global) web ACL is attached to a distribution instead",
            )),
        },
        // WAF Classic cannot be honoured: AWS ended its support, so the ACL would not filter.
        "waf-acl-id" | "web-acl-id" => {
            if annotation.value.trim() != "none" && !annotation.value.trim().is_empty() {
                sink.push(
                    Diagnostic::error(
                        Code::WafClassic,
                        Some(span),
                        format!("annotation `{}` names a WAF Classic web ACL, and AWS ended support for WAF Classic on 30 September 2025", annotation.key),
                    )
                    .with_help("migrate the ACL to WAFv2 (`aws waf-regional create-web-acl-migration-stack --web-acl-id ID --s3-bucket-name aws-waf-migration-BUCKET` writes a CloudFormation template for it; see the WAF Developer Guide, \"Migrating your AWS WAF Classic resources to AWS WAF\"), then write its ARN in `alb.ingress.kubernetes.io/wafv2-acl-arn`"),
                );
            }
        }
        "shield-advanced-protection" => match parse_go_bool(annotation.value) {
            Some(value) => balancer.shield_advanced = flag(value),
            None => sink.push(annotation.invalid("true or false")),
        },
        "inbound-cidrs" => {
            if let Some(ranges) = read_annotation(annotation.key, annotation.value, span, sink) {
                balancer.inbound_cidrs =
                    written_ranges(ranges.into_iter().map(|(cidr, _)| cidr).collect());
            }
        }
        "ssl-policy" => {
            if is_ssl_policy(annotation.value) {
                balancer.ssl_policy = written(annotation.value.to_string());
            } else {
                sink.push(annotation.invalid("a predefined policy name such as ELBSecurityPolicy-TLS13-1-2-2021-06"));
            }
        }
        _ => {
            if let Some(action) = setting.strip_prefix("actions.") {
                balancer.custom_actions.push(action.to_string());
            }
            sink.push(Diagnostic::warning(
                Code::IgnoredField,
                Some(span),
                format!(
                    "annotation `{}` is ignored: {}",
                    annotation.key,
                    unmapped_reason(setting)
                ),
            ));
        }
    }
}

fn unmapped_reason(setting: &str) -> &'static str {
    match setting {
        "security-group-prefix-lists" => {
            "internal load balancers admit the application's VMs (and InternalClientCidr when given), internet-facing ones everyone on their listener ports"
        }
        "security-groups" | "manage-backend-security-group-rules" => {
            "i2kit makes the load balancer's security group and admits it into the instances' groups itself"
        }
        "subnets" => "the load balancer runs in the template's Subnets parameter",
        "load-balancer-name" => "CloudFormation names the load balancer",
        _ if setting.starts_with("actions.") || setting.starts_with("conditions.") => {
            "custom actions and conditions are not compiled; routing follows the Ingress rules (use ssl-redirect for HTTPS redirects)"
        }
        _ => {
            "i2kit maps group.name, group.order, scheme, ip-address-type, listen-ports, certificate-arn, ssl-redirect, ssl-policy, target-type, backend-protocol, backend-protocol-version, healthcheck-*, *-threshold-count and success-codes"
        }
    }
}

/// GKE's reserved addresses have no equivalent on an application load balancer, whose
/// addresses AWS changes; the Elastic IP alternative is a Network Load Balancer in front.
const STATIC_IP_INSTEAD: &str = "it reserves a static IP for GKE's load balancer, and an application load balancer's addresses change; reach it by name (i2kit writes Route 53 aliases for rule hosts), or, where clients need fixed addresses, put a Network Load Balancer with Elastic IPs (or AWS Global Accelerator) in front of it";

/// Annotation prefixes of other ingress controllers and of the tools around them, with what a
/// warning says of each.
const OTHER_CONTROLLERS: [(&str, &str); 19] = [
    (
        "nginx.ingress.kubernetes.io/",
        "it configures ingress-nginx, not an application load balancer",
    ),
    (
        "nginx.org/",
        "it configures the NGINX Ingress Controller, not an application load balancer",
    ),
    (
        "kubernetes.io/ingress.global-static-ip-name",
        STATIC_IP_INSTEAD,
    ),
    (
        "kubernetes.io/ingress.regional-static-ip-name",
        STATIC_IP_INSTEAD,
    ),
    (
        "kubernetes.io/ingress.allow-http",
        "it configures GKE's load balancer; set listen-ports instead",
    ),
    (
        "kubernetes.io/tls-acme",
        "certificates come from ACM (certificate-arn, or the template's certificate parameter)",
    ),
    (
        "ingress.gcp.kubernetes.io/",
        "it configures GKE's load balancer, not an application load balancer",
    ),
    (
        "networking.gke.io/",
        "it configures GKE's load balancer, not an application load balancer",
    ),
    ("cloud.google.com/", "it configures Google Cloud, not AWS"),
    (
        "traefik.ingress.kubernetes.io/",
        "it configures Traefik, not an application load balancer",
    ),
    (
        "haproxy.org/",
        "it configures HAProxy, not an application load balancer",
    ),
    (
        "haproxy-ingress.github.io/",
        "it configures HAProxy Ingress, not an application load balancer",
    ),
    (
        "konghq.com/",
        "it configures Kong, not an application load balancer",
    ),
    (
        "projectcontour.io/",
        "it configures Contour, not an application load balancer",
    ),
    (
        "appgw.ingress.kubernetes.io/",
        "it configures Azure Application Gateway, not an application load balancer",
    ),
    (
        "cert-manager.io/",
        "certificates come from ACM (certificate-arn, or the template's certificate parameter)",
    ),
    (
        "acme.cert-manager.io/",
        "certificates come from ACM (certificate-arn, or the template's certificate parameter)",
    ),
    (
        "external-dns.alpha.kubernetes.io/",
        "i2kit writes the Route 53 records of rule hosts itself (see README, Ingress)",
    ),
    (
        "ingress.kubernetes.io/",
        "it configures another ingress controller, not an application load balancer",
    ),
];

/// Why an annotation of another controller is not applied, or `None` for annotations that
/// configure no ingress controller (tools' bookkeeping, the class annotation).
fn other_controller(key: &str) -> Option<&'static str> {
    if key == CLASS_ANNOTATION {
        return None;
    }
    if let Some((_, why)) = OTHER_CONTROLLERS
        .iter()
        .find(|(prefix, _)| key.starts_with(prefix))
    {
        return Some(why);
    }
    // `traefik.*` and every `*.ingress.kubernetes.io/` domain belong to some controller.
    let domain = key.split_once('/').map_or("", |(domain, _)| domain);
    (key.starts_with("traefik.") || domain.ends_with(".ingress.kubernetes.io"))
        .then_some("it configures another ingress controller, not an application load balancer")
}

/// `group.name`: lowercase letters, digits, '-' and '.', starting and ending alphanumeric, at
/// most 63 characters (annotations.md, group.name).
///
/// # Errors
/// What is expected, for the diagnostic.
pub fn check_group_name(name: &str) -> Result<(), &'static str> {
    let bytes = name.as_bytes();
    let edge =
        |byte: Option<&u8>| byte.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let valid = !bytes.is_empty()
        && bytes.len() <= 63
        && edge(bytes.first())
        && edge(bytes.last())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.');
    if valid {
        Ok(())
    } else {
        Err(
            "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 63 characters",
        )
    }
}

/// `listen-ports`: a JSON list of objects, each mapping `HTTP` or `HTTPS` to a port, read with
/// serde_json. A port listed twice is refused: the controller keeps the last silently.
///
/// # Errors
/// What is wrong, for the diagnostic.
pub fn parse_listen_ports(text: &str) -> Result<Vec<(Port, Protocol)>, String> {
    let parsed: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("it is not JSON ({error})"))?;
    let entries = parsed
        .as_array()
        .ok_or_else(|| "it is not a JSON list".to_string())?;
    if entries.is_empty() {
        return Err("the list is empty".to_string());
    }
    let mut ports: Vec<(Port, Protocol)> = Vec::new();
    for entry in entries {
        let object = entry
            .as_object()
            .ok_or_else(|| format!("`{entry}` is not an object such as {{\"HTTP\": 80}}"))?;
        if object.is_empty() {
            return Err("`{}` names no port".to_string());
        }
        for (name, port) in object {
            let protocol = match name.as_str() {
                "HTTP" => Protocol::Http,
                "HTTPS" => Protocol::Https,
                _ => return Err(format!("`{name}` is not HTTP or HTTPS")),
            };
            let port = port
                .as_i64()
                .and_then(Port::from_int)
                .ok_or_else(|| format!("`{port}` is not a port from 1 to 65535"))?;
            if ports.iter().any(|(listed, _)| *listed == port) {
                return Err(format!("port {port} is listed twice"));
            }
            ports.push((port, protocol));
        }
    }
    Ok(ports)
}

/// An ACM certificate (`arn:aws:acm:REGION:ACCOUNT:certificate/ID`) or an IAM server
/// certificate (`arn:aws:iam::ACCOUNT:server-certificate/NAME`), in any partition: what an
/// HTTPS listener accepts.
#[must_use]
pub fn is_certificate_arn(arn: &str) -> bool {
    let Some(arn) = parse_arn(arn) else {
        return false;
    };
    let resource_ok = |prefix: &str| {
        arn.resource.strip_prefix(prefix).is_some_and(|id| {
            !id.is_empty()
                && id.len() <= 256
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_/.+=,@".contains(c))
        })
    };
    match arn.service {
        "acm" => !arn.region.is_empty() && resource_ok("certificate/"),
        "iam" => arn.region.is_empty() && resource_ok("server-certificate/"),
        _ => false,
    }
}

/// A regional WAFv2 web ACL (`arn:PARTITION:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID`):
/// what `AWS::WAFv2::WebACLAssociation` takes for a load balancer.
#[must_use]
pub fn is_regional_web_acl_arn(arn: &str) -> bool {
    let Some(arn) = parse_arn(arn) else {
        return false;
    };
    // Names: 1-128 of letters, digits, '_' and '-'; ids are UUIDs.
    let word = |text: &str, max: usize| {
        !text.is_empty()
            && text.len() <= max
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    arn.service == "wafv2"
        && !arn.region.is_empty()
        && arn
            .resource
            .strip_prefix("regional/webacl/")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(name, id)| word(name, 128) && word(id, 36))
}

/// A boolean as Go's strconv.ParseBool reads it, which is how the controller reads flags.
#[must_use]
pub fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A predefined TLS policy name (`ELBSecurityPolicy-…`, or the FS ones).
#[must_use]
pub fn is_ssl_policy(name: &str) -> bool {
    name.strip_prefix("ELBSecurityPolicy-").is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_ports_are_json_lists_of_single_protocols() {
        assert_eq!(
            parse_listen_ports(r#"[{"HTTP": 80}, {"HTTPS": 443}]"#),
            Ok(vec![
                (Port::HTTP, Protocol::Http),
                (Port::HTTPS, Protocol::Https)
            ])
        );
        assert!(parse_listen_ports(r#"[{"HTTP": 80}"#).is_err());
        assert!(parse_listen_ports("[]").is_err());
        assert!(parse_listen_ports(r#"[{"TCP": 80}]"#).is_err());
        assert!(parse_listen_ports(r#"[{"HTTP": 0}]"#).is_err());
        assert!(parse_listen_ports(r#"[{"HTTP": 70000}]"#).is_err());
        assert!(parse_listen_ports(r#"[{"HTTP": 80}, {"HTTPS": 80}]"#).is_err());
        assert!(parse_listen_ports(r#"{"HTTP": 80}"#).is_err());
    }

    #[test]
    fn certificate_arns() {
        assert!(is_certificate_arn(
            "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
        ));
        assert!(is_certificate_arn(
            "arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc"
        ));
        assert!(is_certificate_arn(
            "arn:aws:iam::123456789012:server-certificate/site"
        ));
        assert!(!is_certificate_arn(
            "arn:aws:acm:eu-west-1:1234:certificate/x"
        ));
        assert!(!is_certificate_arn("arn:aws:s3:::bucket"));
        assert!(!is_certificate_arn("my-certificate"));
        assert!(!is_certificate_arn(
            "arn:aws:acm:eu-west-1:123456789012:certificate/a b"
        ));
    }

    #[test]
    fn web_acl_arns_are_regional_wafv2() {
        assert!(is_regional_web_acl_arn(
            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge-acl/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
        ));
        assert!(!is_regional_web_acl_arn(
            "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/a1b2c3d4"
        ));
        assert!(!is_regional_web_acl_arn(
            "arn:aws:waf-regional:us-east-1:123456789012:webacl/a1b2c3d4"
        ));
        assert!(!is_regional_web_acl_arn(
            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge"
        ));
        assert_eq!(parse_go_bool("True"), Some(true));
        assert_eq!(parse_go_bool("0"), Some(false));
        assert_eq!(parse_go_bool("yes"), None);
    }

    #[test]
    fn success_codes_and_group_names() {
        assert!(check_success_codes("200", (200, 499)).is_ok());
        assert!(check_success_codes("200,302", (200, 499)).is_ok());
        assert!(check_success_codes("200-299", (200, 499)).is_ok());
        assert!(check_success_codes("0-99", (0, 99)).is_ok());
        assert!(check_success_codes("12", (0, 99)).is_ok());
        assert!(check_success_codes("500", (200, 499)).is_err());
        assert!(check_success_codes("299-200", (200, 499)).is_err());
        assert!(check_success_codes("2xx", (200, 499)).is_err());
        assert!(check_success_codes("", (200, 499)).is_err());
        assert!(check_group_name("my-team.awesome-group").is_ok());
        assert!(check_group_name("-team").is_err());
        assert!(check_group_name("Team").is_err());
        assert!(check_group_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn other_controllers_are_named_and_bookkeeping_is_not() {
        assert!(other_controller("nginx.ingress.kubernetes.io/rewrite-target").is_some());
        assert!(other_controller("kubernetes.io/ingress.global-static-ip-name").is_some());
        assert!(other_controller("traefik.frontend.rule.type").is_some());
        assert!(other_controller("kubernetes.io/ingress.class").is_none());
        assert!(other_controller("meta.helm.sh/release-name").is_none());
        assert!(other_controller("kubectl.kubernetes.io/last-applied-configuration").is_none());
    }
}
