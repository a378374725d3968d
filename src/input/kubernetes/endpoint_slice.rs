//! An EndpointSlice (discovery.k8s.io/v1): addresses of the Service named by its label
//! `kubernetes.io/service-name`, as a selectorless Service's owner writes them (kubernetes.io
//! "EndpointSlices"). Only `addressType: IPv4` becomes A records; the address rules and port
//! list are the Endpoints reader's.

use super::endpoints::{ignore_placement, read_hostname, read_ip, read_ports};
use super::metadata::{NameRule, read_metadata_as};
use super::preamble::Preamble;
use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::intent::endpoints::{EndpointAddress, Endpoints, EndpointsKind};
use crate::yaml::Value;

/// The EndpointSlice API i2kit reads.
pub const API_VERSION: &str = "discovery.k8s.io/v1";

/// The label naming the Service a slice belongs to (`discovery.LabelServiceName`).
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// Reads an EndpointSlice of [`API_VERSION`].
pub fn collect(
    mut object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<Endpoints> {
    if !preamble.accepts_api_version(&[API_VERSION], sink) {
        return None;
    }
    let metadata = read_metadata_as(&mut object, NameRule::DnsSubdomain, sink);
    let type_span = object.value_span("addressType");
    let address_type = object.string("addressType", sink);
    let ports: std::sync::Arc<[crate::model::intent::endpoints::EndpointPort]> =
        read_ports(&mut object, false, sink).into();
    let path = object.child("endpoints");
    let endpoints = object.list("endpoints", sink);
    object.finish(sink, |_| None);
    match address_type.as_deref() {
        Some("IPv4") => {}
        None => {
            sink.push(
                Diagnostic::error(
                    Code::MissingField,
                    Some(preamble.kind_span),
                    format!("EndpointSlice `{}` has no `addressType`", metadata.name),
                )
                .with_help("add `addressType: IPv4`, as Kubernetes requires one"),
            );
            return None;
        }
        Some(other) => {
            let help = if other == "FQDN" {
                "i2kit writes A records of IPv4 addresses only: name a host with an ExternalName Service instead"
            } else {
                "i2kit writes A records of IPv4 addresses only: list the hosts' IPv4 addresses in a slice of `addressType: IPv4`"
            };
            sink.push(
                Diagnostic::error(
                    Code::EndpointAddress,
                    type_span,
                    format!(
                        "EndpointSlice `{}` has `addressType: {other}`, which i2kit cannot name",
                        metadata.name
                    ),
                )
                .with_help(help),
            );
            return None;
        }
    }
    let mut addresses = Vec::new();
    for (index, node) in endpoints.iter().enumerate() {
        let Some(mut endpoint) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let (ready, not_ready_span) = read_ready(&mut endpoint, sink);
        let hostname = read_hostname(&mut endpoint, sink);
        ignore_placement(&mut endpoint, sink);
        for key in ["zone", "hints", "deprecatedTopology"] {
            if let Some(span) = endpoint.key_span(key) {
                endpoint.accept(&[key]);
                sink.ignored(
                    span,
                    &endpoint.child(key),
                    "topology routing needs a proxy, and callers reach the addresses directly",
                );
            }
        }
        let addresses_path = endpoint.child("addresses");
        let written = endpoint.list("addresses", sink);
        endpoint.finish(sink, |_| None);
        let Some(first) = written.first() else {
            sink.push(
                Diagnostic::error(
                    Code::MissingField,
                    Some(node.span),
                    format!("`{path}[{index}]` has no address"),
                )
                .with_help(
                    "Kubernetes requires one address per endpoint: list it under `addresses`",
                ),
            );
            continue;
        };
        if let Some(extra) = written.get(1) {
            sink.ignored(
                extra.span,
                &format!("{addresses_path}[1..]"),
                "kube-proxy and the cluster DNS read only the first address of an endpoint",
            );
        }
        if let Some(ip) = read_ip(first, &format!("{addresses_path}[0]"), sink) {
            addresses.push(EndpointAddress {
                ip,
                hostname,
                ready,
                ports: ports.clone(),
                span: first.span,
                not_ready_span,
            });
        }
    }
    let service = service_name(preamble, &metadata.name, sink)?;
    if metadata.name.is_empty() {
        return None;
    }
    Some(Endpoints {
        kind: EndpointsKind::EndpointSlice,
        name: metadata.name,
        service,
        namespace: metadata.namespace,
        addresses,
        order: preamble.order,
        span: metadata.name_span,
    })
}

/// `conditions.ready`, and where it says `false`. Absent is ready, as the API documents ("a
/// nil value should be interpreted as true") and the cluster DNS reads it. `serving` and
/// `terminating` refine it for proxies, which callers here do without.
fn read_ready(endpoint: &mut Object<'_>, sink: &mut Sink) -> (bool, Option<crate::source::Span>) {
    let Some(mut conditions) = endpoint.object("conditions", sink) else {
        return (true, None);
    };
    let span = conditions.key_span("ready");
    let ready = conditions.boolean("ready", sink).unwrap_or(true);
    for key in ["serving", "terminating"] {
        if let Some(at) = conditions.key_span(key) {
            conditions.accept(&[key]);
            sink.ignored(
                at,
                &conditions.child(key),
                "the cluster DNS lists an address by `ready` alone",
            );
        }
    }
    conditions.finish(sink, |_| None);
    (ready, span.filter(|_| !ready))
}

/// The Service the slice belongs to, from its label; a warning that it is ignored without one.
fn service_name(preamble: &Preamble<'_>, name: &str, sink: &mut Sink) -> Option<String> {
    let label = preamble
        .root
        .get("metadata")
        .and_then(|metadata| metadata.get("labels"))
        .and_then(|labels| labels.get(SERVICE_NAME_LABEL));
    match label.map(|node| (&node.value, node.span)) {
        Some((Value::String(service), _)) if !service.is_empty() => Some(service.clone()),
        Some((_, span)) => {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                Some(span),
                format!(
                    "label `{SERVICE_NAME_LABEL}` of EndpointSlice `{name}` must name a Service"
                ),
            ));
            None
        }
        None => {
            sink.push(
                Diagnostic::warning(
                    Code::EndpointsService,
                    Some(preamble.kind_span),
                    format!(
                        "EndpointSlice `{name}` has no label `{SERVICE_NAME_LABEL}`, so it belongs to no Service; it is ignored"
                    ),
                )
                .with_help(format!(
                    "label it `{SERVICE_NAME_LABEL}: <service>` to give a Service without a selector its addresses"
                )),
            );
            None
        }
    }
}
