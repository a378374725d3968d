//! An IngressClass (networking.k8s.io/v1): which controller serves the Ingresses of a class,
//! and whether it is the default for Ingresses without one. Read so that an Ingress is
//! compiled with its own controller's semantics (`crate::infer::routing`).

use super::metadata::{NameRule, read_metadata_as};
use super::preamble::Preamble;
use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::intent::IngressClass;
use crate::model::intent::ingress_class::DEFAULT_CLASS_ANNOTATION;

/// The IngressClass API i2kit reads.
pub const API_VERSION: &str = "networking.k8s.io/v1";

/// Reads an IngressClass of [`API_VERSION`].
pub fn collect(
    mut object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<IngressClass> {
    if !preamble.accepts_api_version(&[API_VERSION], sink) {
        return None;
    }
    let metadata = read_metadata_as(&mut object, NameRule::DnsSubdomain, sink);
    let mut controller = None;
    if let Some(mut spec) = object.object("spec", sink) {
        controller = spec.string("controller", sink);
        if let Some(span) = spec.key_span("parameters") {
            spec.accept(&["parameters"]);
            sink.ignored(
                span,
                &spec.child("parameters"),
                "the controller's own configuration object is not read; the load balancer follows the Ingress and its annotations",
            );
        }
        spec.finish(sink, |_| None);
    }
    object.accept(&["status"]);
    object.finish(sink, |_| None);
    // Kubernetes treats only the exact value "true" as default (IsDefaultClass).
    let mut default = None;
    for (key, value, span) in &metadata.annotations {
        if key != DEFAULT_CLASS_ANNOTATION {
            continue;
        }
        match value.as_str() {
            "true" => default = Some(*span),
            "false" => {}
            other => sink.push(
                Diagnostic::warning(
                    Code::IgnoredField,
                    Some(*span),
                    format!("annotation `{DEFAULT_CLASS_ANNOTATION}` is `{other}`, which Kubernetes does not read as default (only \"true\"): IngressClass `{}` is not the default", metadata.name),
                )
                .with_help("write \"true\" to make it the default, or \"false\""),
            ),
        }
    }
    if metadata.name.is_empty() {
        return None;
    }
    Some(IngressClass {
        name: metadata.name,
        span: metadata.name_span,
        controller,
        default,
    })
}
