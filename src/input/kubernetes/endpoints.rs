//! An Endpoints object (v1): the addresses a Service of its name and namespace stands for when
//! the Service has no selector (kubernetes.io "Services without selectors"). Each subset pairs
//! its addresses with its ports; `notReadyAddresses` are read so the pass can say they are
//! left out, as the cluster DNS leaves them out. The cluster DNS and kube-proxy read the
//! EndpointSlices the mirroring controller makes of it, so an object labelled to skip mirroring
//! gives no addresses. The address rules and the port list are the same in an EndpointSlice,
//! which reads them from here.

use super::metadata::{NameRule, read_metadata_as};
use super::preamble::Preamble;
use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::intent::endpoints::{
    EndpointAddress, EndpointPort, Endpoints, EndpointsKind, endpoint_ip,
};
use crate::model::{DnsLabel, Port};
use crate::yaml::Node;

/// Why `nodeName` is not read, in both kinds.
pub(super) const NODE_NAME_IGNORED: &str = "there are no nodes: callers reach the address itself";

/// Why `targetRef` is not read, in both kinds.
pub(super) const TARGET_REF_IGNORED: &str =
    "the address is listed as written; the object it refers to is not looked up";

/// Reads a `v1 Endpoints`.
pub fn collect(
    mut object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<Endpoints> {
    if !preamble.accepts_api_version(&["v1"], sink) {
        return None;
    }
    let metadata = read_metadata_as(&mut object, NameRule::DnsSubdomain, sink);
    let path = object.child("subsets");
    let mut addresses = Vec::new();
    for (index, node) in object.list("subsets", sink).iter().enumerate() {
        let Some(mut subset) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let ports: std::sync::Arc<[EndpointPort]> = read_ports(&mut subset, true, sink).into();
        for (key, ready) in [("addresses", true), ("notReadyAddresses", false)] {
            let not_ready_span = subset.key_span(key).filter(|_| !ready);
            let list_path = subset.child(key);
            for (index, node) in subset.list(key, sink).iter().enumerate() {
                let Some(mut address) = Object::new(node, &format!("{list_path}[{index}]"), sink)
                else {
                    continue;
                };
                let ip_node = address.take("ip");
                let hostname = read_hostname(&mut address, sink);
                ignore_placement(&mut address, sink);
                address.finish(sink, |_| None);
                let Some(ip_node) = ip_node else {
                    sink.push(Diagnostic::error(
                        Code::MissingField,
                        Some(node.span),
                        format!("`{list_path}[{index}]` has no `ip`"),
                    ));
                    continue;
                };
                if let Some(ip) = read_ip(ip_node, &address_path(&list_path, index), sink) {
                    addresses.push(EndpointAddress {
                        ip,
                        hostname,
                        ready,
                        ports: ports.clone(),
                        span: ip_node.span,
                        not_ready_span,
                    });
                }
            }
        }
        subset.finish(sink, |_| None);
    }
    object.finish(sink, |_| None);
    if metadata.name.is_empty() {
        return None;
    }
    if let Some(span) = skips_mirroring(preamble) {
        sink.push(
            Diagnostic::warning(
                Code::EndpointsService,
                Some(span),
                format!(
                    "Endpoints `{}` is ignored: labelled `{SKIP_MIRROR_LABEL}: \"true\"`, it is not mirrored into the EndpointSlices the cluster DNS and kube-proxy read",
                    metadata.name
                ),
            )
            .with_help("drop the label to give its Service these addresses"),
        );
        return None;
    }
    Some(Endpoints {
        kind: EndpointsKind::Endpoints,
        service: metadata.name.clone(),
        name: metadata.name,
        namespace: metadata.namespace,
        addresses,
        order: preamble.order,
        span: metadata.name_span,
    })
}

/// The label that keeps the EndpointSlice mirroring controller off an Endpoints object
/// (kubernetes.io "EndpointSlices", EndpointSlice mirroring).
pub const SKIP_MIRROR_LABEL: &str = "endpointslice.kubernetes.io/skip-mirror";

/// Where the object is labelled to skip mirroring, when it is: the controller skips it only
/// for the exact value "true".
fn skips_mirroring(preamble: &Preamble<'_>) -> Option<crate::source::Span> {
    let label = preamble
        .root
        .get("metadata")?
        .get("labels")?
        .get(SKIP_MIRROR_LABEL)?;
    (label.value == crate::yaml::Value::String("true".to_string())).then_some(label.span)
}

fn address_path(list_path: &str, index: usize) -> String {
    format!("{list_path}[{index}].ip")
}

/// The address at `node` (written at `path`), or an error at it saying why it cannot be listed.
pub(super) fn read_ip(node: &Node, path: &str, sink: &mut Sink) -> Option<std::net::Ipv4Addr> {
    let written = super::reader::text(node, path, sink)?;
    match endpoint_ip(&written) {
        Ok(ip) => Some(ip),
        Err(refusal) => {
            sink.push(
                Diagnostic::error(
                    Code::EndpointAddress,
                    Some(node.span),
                    format!("`{path}` `{written}` {}", refusal.why),
                )
                .with_help(refusal.help),
            );
            None
        }
    }
}

/// `hostname`: a DNS label, as Kubernetes requires, since it becomes the first label of the
/// address's own name under a headless Service.
pub(super) fn read_hostname(address: &mut Object<'_>, sink: &mut Sink) -> Option<DnsLabel> {
    let span = address.value_span("hostname");
    let written = address.string("hostname", sink)?;
    let label = DnsLabel::new(&written);
    if label.is_none() {
        sink.push(crate::input::rules::invalid_dns_label(&written, span));
    }
    label
}

/// `nodeName` and `targetRef`, which place an address in a cluster there is none of.
pub(super) fn ignore_placement(address: &mut Object<'_>, sink: &mut Sink) {
    for (key, why) in [
        ("nodeName", NODE_NAME_IGNORED),
        ("targetRef", TARGET_REF_IGNORED),
    ] {
        if let Some(span) = address.key_span(key) {
            address.accept(&[key]);
            sink.ignored(span, &address.child(key), why);
        }
    }
}

/// `ports[]` of a subset or slice (both kinds share the type): name, number and protocol.
/// `appProtocol` is ignored with a warning, since no proxy reads it. An Endpoints port needs
/// its number (`number_required`); a slice's may leave it out, and kube-proxy skips it then.
pub(super) fn read_ports(
    parent: &mut Object<'_>,
    number_required: bool,
    sink: &mut Sink,
) -> Vec<EndpointPort> {
    let path = parent.child("ports");
    let mut ports = Vec::new();
    for (index, node) in parent.list("ports", sink).iter().enumerate() {
        let Some(mut port) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let name = port.string("name", sink).unwrap_or_default();
        let number = port.integer("port", sink);
        let protocol_span = port.value_span("protocol");
        let protocol = port
            .string("protocol", sink)
            .unwrap_or_else(|| "TCP".to_string());
        if let Some(span) = port.key_span("appProtocol") {
            port.accept(&["appProtocol"]);
            sink.ignored(
                span,
                &port.child("appProtocol"),
                "callers reach the addresses directly, and no proxy reads the application protocol",
            );
        }
        port.finish(sink, |_| None);
        let number = match number {
            None if number_required => {
                sink.push(Diagnostic::error(
                    Code::MissingField,
                    Some(node.span),
                    format!("`{path}[{index}]` has no `port`"),
                ));
                continue;
            }
            None => None,
            Some((number, span)) => match Port::from_int(number) {
                Some(port) => Some(port),
                None => {
                    sink.push(Diagnostic::error(
                        Code::PortSyntax,
                        Some(span),
                        format!("port {number} is outside 1–65535"),
                    ));
                    continue;
                }
            },
        };
        let udp = match protocol.as_str() {
            "TCP" => false,
            "UDP" => true,
            "SCTP" => {
                sink.ignored(
                    protocol_span.unwrap_or(node.span),
                    &format!("{path}[{index}]"),
                    "an SCTP port serves no Service port i2kit compiles (TCP and UDP)",
                );
                continue;
            }
            other => {
                sink.push(Diagnostic::error(
                    Code::InvalidValue,
                    Some(protocol_span.unwrap_or(node.span)),
                    format!("protocol `{other}` is not TCP, UDP or SCTP"),
                ));
                continue;
            }
        };
        ports.push(EndpointPort {
            name,
            port: number,
            udp,
            span: node.span,
        });
    }
    ports
}
