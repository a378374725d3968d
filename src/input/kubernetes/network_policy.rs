//! NetworkPolicy (networking.k8s.io/v1) → which pods are isolated and whom their ingress rules
//! admit, and whom their egress rules let them call, checked as the API server checks them
//! (`pkg/apis/networking/validation`).
//!
//! Namespaces are known only by name, so a `namespaceSelector` may read only the
//! `kubernetes.io/metadata.name` label Kubernetes puts on every namespace; one that reads any
//! other label cannot be evaluated, and is an error (I2K066) rather than a guess.

use super::metadata::{Metadata, NameRule, read_metadata_as};
use super::preamble::Preamble;
use super::reader::{Object, Sink, int_or_string, missing_spec, text};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Port;
use crate::model::intent::NetworkPolicy;
use crate::model::intent::network_policy::{
    Cidr, Expression, IngressRule, LabelSelector, NAMESPACE_NAME_LABEL, Operator, Peer, PolicyPort,
    PolicyProtocol, PortMatch,
};
use crate::model::intent::requests::IntOrString;
use crate::source::Span;
use crate::yaml::Node;

pub const API_VERSION: &str = "networking.k8s.io/v1";

/// Reads a NetworkPolicy; `None` after errors.
pub fn collect(
    mut object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<NetworkPolicy> {
    if !preamble.accepts_api_version(&[API_VERSION], sink) {
        object.accept_all();
        return None;
    }
    let errors_before = sink.error_count();
    let Metadata {
        name,
        name_span,
        namespace,
        ..
    } = read_metadata_as(&mut object, NameRule::DnsSubdomain, sink);
    object.accept(&["status"]);
    let spec = object.object("spec", sink);
    object.finish(sink, |_| None);
    let Some(mut spec) = spec else {
        sink.push(missing_spec("NetworkPolicy", &name, name_span));
        return None;
    };
    let pod_selector = match spec.object("podSelector", sink) {
        Some(selector) => label_selector(selector, sink),
        None => {
            sink.push(
                Diagnostic::error(
                    Code::MissingField,
                    Some(spec.span()),
                    format!("NetworkPolicy `{name}` has no `spec.podSelector`"),
                )
                .with_help("write `podSelector: {}` to select every pod of the namespace"),
            );
            LabelSelector::default()
        }
    };
    let types = policy_types(&mut spec, sink);
    let ingress_written = spec.key_span("ingress").is_some();
    let egress_written = spec.key_span("egress").is_some();
    let ingress: Vec<IngressRule> = spec
        .list("ingress", sink)
        .iter()
        .filter_map(|rule| read_rule(rule, &spec.child("ingress"), "from", sink))
        .collect();
    let egress: Vec<IngressRule> = spec
        .list("egress", sink)
        .iter()
        .filter_map(|rule| read_rule(rule, &spec.child("egress"), "to", sink))
        .collect();
    spec.finish(sink, |_| None);
    let (has_ingress, has_egress) = types.unwrap_or((true, egress_written));
    if egress_written && !has_egress {
        sink.ignored(
            spec_key_span(preamble, "egress").unwrap_or(name_span),
            "spec.egress",
            "`policyTypes` does not list Egress, so Kubernetes ignores these rules",
        );
    }
    if ingress_written && !has_ingress {
        sink.ignored(
            spec_key_span(preamble, "ingress").unwrap_or(name_span),
            "spec.ingress",
            "`policyTypes` does not list Ingress, so Kubernetes ignores these rules",
        );
    }
    if sink.error_count() > errors_before || name.is_empty() {
        return None;
    }
    Some(NetworkPolicy {
        name,
        namespace,
        span: name_span,
        pod_selector,
        ingress: has_ingress.then_some(ingress),
        egress: has_egress.then_some(egress),
    })
}

fn spec_key_span(preamble: &Preamble<'_>, key: &str) -> Option<Span> {
    preamble
        .root
        .get("spec")
        .and_then(|spec| spec.entry(key))
        .map(|(key, _)| key.span)
}

/// `Some((ingress, egress))` when `policyTypes` lists something.
fn policy_types(spec: &mut Object<'_>, sink: &mut Sink) -> Option<(bool, bool)> {
    let path = spec.child("policyTypes");
    spec.key_span("policyTypes")?;
    let items = spec.list("policyTypes", sink);
    let (mut ingress, mut egress) = (false, false);
    for item in items {
        match text(item, &path, sink).as_deref() {
            Some("Ingress") => ingress = true,
            Some("Egress") => egress = true,
            Some(other) => sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(item.span),
                    format!("`{path}` holds `{other}`; Kubernetes allows Ingress and Egress"),
                )
                .with_help("write `Ingress`, `Egress`, or both"),
            ),
            None => {}
        }
    }
    if items.len() > 2 {
        sink.push(Diagnostic::error(
            Code::InvalidValue,
            spec.value_span("policyTypes"),
            format!("`{path}` may hold at most two entries"),
        ));
    }
    // The API server defaults an empty list as if absent.
    (!items.is_empty()).then_some((ingress, egress))
}

/// An ingress rule (peers under `from`) or an egress rule (peers under `to`).
fn read_rule(node: &Node, path: &str, peers_key: &str, sink: &mut Sink) -> Option<IngressRule> {
    let mut rule = Object::new(node, path, sink)?;
    let ports_written = rule.key_span("ports").is_some();
    let from_written = rule.key_span(peers_key).is_some();
    let ports: Vec<PolicyPort> = rule
        .list("ports", sink)
        .iter()
        .filter_map(|port| policy_port(port, &rule.child("ports"), sink))
        .collect();
    let from: Vec<Peer> = rule
        .list(peers_key, sink)
        .iter()
        .filter_map(|peer| read_peer(peer, &rule.child(peers_key), sink))
        .collect();
    rule.finish(sink, |_| None);
    // An empty list is as if absent: it matches everything.
    Some(IngressRule {
        ports: (ports_written && !ports.is_empty()).then_some(ports),
        from: (from_written && !from.is_empty()).then_some(from),
        span: node.span,
    })
}

fn policy_port(node: &Node, path: &str, sink: &mut Sink) -> Option<PolicyPort> {
    let mut port = Object::new(node, path, sink)?;
    let protocol = match port.string("protocol", sink).as_deref() {
        None | Some("TCP") => PolicyProtocol::Tcp,
        Some("UDP") => PolicyProtocol::Udp,
        Some("SCTP") => PolicyProtocol::Sctp,
        Some(other) => {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    port.value_span("protocol"),
                    format!("`{path}.protocol` is `{other}`; Kubernetes allows TCP, UDP and SCTP"),
                )
                .with_help("write TCP, UDP or SCTP (TCP when absent)"),
            );
            return None;
        }
    };
    let number_span = port.value_span("port");
    let number = port
        .take("port")
        .and_then(|node| int_or_string(node, &format!("{path}.port"), sink));
    let end = port.integer("endPort", sink);
    port.finish(sink, |_| None);
    let valid = |value: i64, span: Option<Span>, sink: &mut Sink| -> Option<Port> {
        match Port::from_int(value) {
            Some(port) => Some(port),
            None => {
                sink.push(Diagnostic::error(
                    Code::InvalidValue,
                    span,
                    format!("`{path}` port {value} is outside 1–65535"),
                ));
                None
            }
        }
    };
    let port_match = match (number, end) {
        (None, None) => PortMatch::Any,
        (Some(IntOrString::Int(value)), None) => {
            let value = valid(value, number_span, sink)?;
            PortMatch::Range(value, value)
        }
        (Some(IntOrString::Int(value)), Some((end, end_span))) => {
            let low = valid(value, number_span, sink)?;
            let high = valid(end, Some(end_span), sink)?;
            if high < low {
                sink.push(Diagnostic::error(
                    Code::InvalidValue,
                    Some(end_span),
                    format!("`{path}.endPort` {high} is below `port` {low}"),
                ));
                return None;
            }
            PortMatch::Range(low, high)
        }
        (Some(IntOrString::Text(name)), None) => {
            if name.is_empty() || name.len() > 15 {
                sink.push(Diagnostic::error(
                    Code::InvalidValue,
                    number_span,
                    format!("`{path}.port` `{name}` is not a port name (1–15 characters)"),
                ));
                return None;
            }
            PortMatch::Named(name)
        }
        (_, Some((_, end_span))) => {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(end_span),
                    format!("`{path}.endPort` needs a numeric `port`"),
                )
                .with_help("Kubernetes allows endPort only after a port number"),
            );
            return None;
        }
    };
    Some(PolicyPort {
        protocol,
        port: port_match,
    })
}

fn read_peer(node: &Node, path: &str, sink: &mut Sink) -> Option<Peer> {
    let mut peer = Object::new(node, path, sink)?;
    let block_span = peer.key_span("ipBlock");
    let namespaces = peer
        .object("namespaceSelector", sink)
        .map(|selector| label_selector(selector, sink));
    let namespace_span = peer.value_span("namespaceSelector");
    let pods = peer
        .object("podSelector", sink)
        .map(|selector| label_selector(selector, sink));
    let block = peer.object("ipBlock", sink);
    peer.finish(sink, |_| None);
    if let Some(block) = block {
        if namespaces.is_some() || pods.is_some() {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    block_span,
                    format!("`{path}` has `ipBlock` beside a selector"),
                )
                .with_help("Kubernetes refuses a peer with both: write them as two peers"),
            );
            return None;
        }
        return ip_block(block, sink);
    }
    if let (Some(selector), Some(span)) = (&namespaces, namespace_span)
        && let Some(key) = selector.keys().find(|key| *key != NAMESPACE_NAME_LABEL)
    {
        sink.push(
            Diagnostic::error(
                Code::PolicyNotExpressible,
                Some(span),
                format!(
                    "this namespaceSelector reads the label `{key}`, and i2kit knows namespaces only by name: it cannot tell which namespaces carry that label, so it cannot say whose calls to admit"
                ),
            )
            .with_help(format!(
                "select namespaces by name, with the label every namespace carries: `matchLabels: {{{NAMESPACE_NAME_LABEL}: <namespace>}}`, or `matchExpressions` on that key"
            )),
        );
        return None;
    }
    if namespaces.is_none() && pods.is_none() {
        sink.push(
            Diagnostic::error(
                Code::MissingField,
                Some(node.span),
                format!("`{path}` names no peer"),
            )
            .with_help(
                "write `podSelector`, `namespaceSelector` or `ipBlock`, as Kubernetes requires",
            ),
        );
        return None;
    }
    Some(Peer::Pods {
        namespaces,
        pods: pods.unwrap_or_default(),
    })
}

fn ip_block(mut block: Object<'_>, sink: &mut Sink) -> Option<Peer> {
    let span = block.span();
    let cidr_span = block.value_span("cidr");
    let cidr_text = block.string("cidr", sink);
    let except_path = block.child("except");
    let except_nodes = block.list("except", sink);
    block.finish(sink, |_| None);
    let Some(cidr_text) = cidr_text else {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(span),
            "an `ipBlock` needs `cidr`",
        ));
        return None;
    };
    let parse = |text: &str, at: Option<Span>, sink: &mut Sink| {
        let parsed = Cidr::parse(text.trim());
        if parsed.is_none() {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    at,
                    format!("`{text}` is not a CIDR block"),
                )
                .with_help("write an address and a prefix length, such as 10.0.0.0/16"),
            );
        }
        parsed
    };
    let cidr = parse(&cidr_text, cidr_span, sink)?;
    let mut except = Vec::new();
    for node in except_nodes {
        let excepted =
            text(node, &except_path, sink).and_then(|text| parse(&text, Some(node.span), sink))?;
        if !(cidr.contains(&excepted) && excepted.prefix > cidr.prefix) {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                Some(node.span),
                format!("`{excepted}` is not a strict subset of `{cidr}`, as Kubernetes requires of `except`"),
            ));
            return None;
        }
        except.push(excepted);
    }
    Some(Peer::Block { cidr, except, span })
}

/// `matchLabels` and `matchExpressions` of a selector.
fn label_selector(mut selector: Object<'_>, sink: &mut Sink) -> LabelSelector {
    let labels = selector.string_map("matchLabels", sink);
    let path = selector.child("matchExpressions");
    let mut expressions = Vec::new();
    for node in selector.list("matchExpressions", sink) {
        let Some(mut item) = Object::new(node, &path, sink) else {
            continue;
        };
        let key = item.string("key", sink);
        let operator_span = item.value_span("operator");
        let operator = item.string("operator", sink);
        let values: Vec<String> = item
            .list("values", sink)
            .iter()
            .filter_map(|value| text(value, &item.child("values"), sink))
            .collect();
        item.finish(sink, |_| None);
        let operator = match operator.as_deref() {
            Some("In") => Operator::In,
            Some("NotIn") => Operator::NotIn,
            Some("Exists") => Operator::Exists,
            Some("DoesNotExist") => Operator::DoesNotExist,
            other => {
                sink.push(Diagnostic::error(
                    Code::InvalidValue,
                    operator_span.or(Some(node.span)),
                    format!(
                        "`{path}` operator `{}` is not In, NotIn, Exists or DoesNotExist",
                        other.unwrap_or_default()
                    ),
                ));
                continue;
            }
        };
        let needs_values = matches!(operator, Operator::In | Operator::NotIn);
        if needs_values == values.is_empty() {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                Some(node.span),
                if needs_values {
                    format!("`{path}`: In and NotIn need `values`")
                } else {
                    format!("`{path}`: Exists and DoesNotExist take no `values`")
                },
            ));
            continue;
        }
        if let Some(key) = key {
            expressions.push(Expression {
                key,
                operator,
                values,
            });
        }
    }
    selector.finish(sink, |_| None);
    LabelSelector {
        labels,
        expressions,
    }
}
