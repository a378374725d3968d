//! Container `ports`: the numbers and names that Services and probes refer to.

use super::super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Port;
use crate::model::intent::ContainerPort;
use crate::source::Span;

/// The `ports` of container `container`.
pub fn read_ports(object: &mut Object<'_>, container: &str, sink: &mut Sink) -> Vec<ContainerPort> {
    let mut ports = Vec::new();
    let path = object.child("ports");
    for (index, node) in object.list("ports", sink).iter().enumerate() {
        let Some(mut port) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        let name_span = port.value_span("name");
        let name = port.string("name", sink);
        if let Some(name) = &name
            && ports
                .iter()
                .any(|earlier: &ContainerPort| earlier.name.as_ref() == Some(name))
        {
            sink.push(
                Diagnostic::error(
                    Code::PodConflict,
                    name_span,
                    format!("container `{container}` already has a port named `{name}`"),
                )
                .with_help("Kubernetes refuses two ports of one name in a container, and a Service or probe naming it could mean either: rename one"),
            );
        }
        let number = port.integer("containerPort", sink);
        let protocol = port
            .string("protocol", sink)
            .unwrap_or_else(|| "TCP".to_string());
        port.finish(sink, |key| {
            matches!(key, "hostPort" | "hostIP").then_some(
                "a container listens on its VM's own address; the load balancer maps ports",
            )
        });
        let udp = match protocol.as_str() {
            "TCP" => false,
            "UDP" => true,
            other => {
                sink.push(protocol_error(
                    other,
                    node.get("protocol").map_or(node.span, |n| n.span),
                ));
                continue;
            }
        };
        let Some((number, span)) = number else {
            continue;
        };
        match Port::from_int(number) {
            Some(number) => ports.push(ContainerPort {
                container: container.to_string(),
                name,
                number,
                udp,
                span,
            }),
            None => sink.push(Diagnostic::error(
                Code::PortSyntax,
                Some(span),
                format!("containerPort {number} is outside 1–65535"),
            )),
        }
    }
    ports
}

pub fn protocol_error(protocol: &str, span: Span) -> Diagnostic {
    if protocol == "SCTP" {
        Diagnostic::error(
            Code::ProtocolMismatch,
            Some(span),
            "SCTP cannot be load balanced on AWS",
        )
        .with_help("Elastic Load Balancing carries TCP and UDP; use one of them")
    } else {
        Diagnostic::error(
            Code::InvalidValue,
            Some(span),
            format!("protocol `{protocol}` is not TCP, UDP or SCTP"),
        )
    }
}
