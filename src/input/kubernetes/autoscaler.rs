//! HorizontalPodAutoscaler (autoscaling/v1, v2 and v2beta2) → the bounds and CPU
//! target-tracking policy of the Auto Scaling group of the Deployment it scales. What EC2 can
//! track without an agent in the VM is the group's average CPU; every other metric, and the
//! scaling `behavior`, is reported as not followed.

use super::metadata::{Metadata, read_metadata};
use super::preamble::Preamble;
use super::reader::{Object, Sink, missing_spec};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::autoscaler_bounds::{Bound, check_autoscaler_bounds};
use crate::input::rules;
use crate::model::intent::Autoscaler;
use crate::model::intent::requests::DEFAULT_CPU_PERCENT;
use crate::source::Span;

/// The API versions read; v2beta2 has v2's shape. (v2beta1 writes metrics differently.)
pub const API_VERSIONS: [&str; 3] = ["autoscaling/v2", "autoscaling/v1", "autoscaling/v2beta2"];

/// Reads a HorizontalPodAutoscaler of one of [`API_VERSIONS`]; one with no `apiVersion` is an error, as
/// `kubectl` refuses it.
pub fn collect(object: Object<'_>, preamble: &Preamble<'_>, sink: &mut Sink) -> Option<Autoscaler> {
    let version = preamble.required_api_version(&API_VERSIONS, sink)?;
    read_autoscaler(object, version, sink)
}

/// Reads a HorizontalPodAutoscaler of one of [`API_VERSIONS`].
fn read_autoscaler(mut object: Object<'_>, version: &str, sink: &mut Sink) -> Option<Autoscaler> {
    let errors_before = sink.error_count();
    let Metadata {
        name,
        name_span,
        namespace,
        ..
    } = read_metadata(&mut object, sink);
    object.accept(&["status"]);
    let Some(mut spec) = object.object("spec", sink) else {
        sink.push(missing_spec(
            "HorizontalPodAutoscaler",
            &name,
            object.span(),
        ));
        return None;
    };
    object.finish(sink, |_| None);
    let target = read_target(&mut spec, sink);
    let bound = |spec: &mut Object<'_>, key: &str, sink: &mut Sink| {
        let (value, span) = spec.integer(key, sink)?;
        match rules::bounded_replicas(value) {
            Ok(count) => Some((count, span)),
            Err((message, help)) => {
                sink.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        Some(span),
                        message.replacen("replicas", key, 1),
                    )
                    .with_help(help),
                );
                None
            }
        }
    };
    let min = bound(&mut spec, "minReplicas", sink);
    let max_span = spec.key_span("maxReplicas");
    let max = bound(&mut spec, "maxReplicas", sink);
    if max.is_none() && max_span.is_none() {
        sink.push(
            Diagnostic::error(
                Code::MissingField,
                Some(spec.span()),
                format!("HorizontalPodAutoscaler `{name}` has no `spec.maxReplicas`"),
            )
            .with_help("Kubernetes requires it: the most replicas the autoscaler may run"),
        );
    }
    let cpu = if version == "autoscaling/v1" {
        match spec.integer("targetCPUUtilizationPercentage", sink) {
            Some((value, span)) => {
                utilisation(value, span, sink).map(|percent| (percent, Some(span)))
            }
            None => Some((DEFAULT_CPU_PERCENT, None)),
        }
    } else {
        let cpu = read_metrics(&mut spec, sink);
        if let Some(behavior) = spec.key_span("behavior") {
            spec.accept(&["behavior"]);
            sink.push(
                Diagnostic::warning(
                    Code::UnmappedMetric,
                    Some(behavior),
                    "`spec.behavior` is ignored: target tracking scales at EC2 Auto Scaling's pace, which has no stabilisation windows or rate policies",
                )
                .with_help("tune the scaling policy outside i2kit if the default pace does not suit"),
            );
        }
        cpu
    };
    spec.finish(sink, |_| None);
    let (min, max) = (
        min.map_or((1, None), |(value, span)| (value, Some(span))),
        max?,
    );
    let problems = check_autoscaler_bounds(
        Bound {
            value: min.0,
            field: "minReplicas",
            span: min.1,
        },
        Bound {
            value: max.0,
            field: "maxReplicas",
            span: Some(max.1),
        },
    );
    let failed = !problems.is_empty();
    problems.into_iter().for_each(|problem| sink.push(problem));
    let (target_kind, target_name) = target?;
    (!failed && sink.error_count() == errors_before && !name.is_empty()).then_some(Autoscaler {
        name,
        namespace,
        span: name_span,
        target_kind,
        target_name,
        min_replicas: min.0,
        max_replicas: (max.0, Some(max.1)),
        cpu,
    })
}

/// `scaleTargetRef`: the kind and name, each with its span.
fn read_target(spec: &mut Object<'_>, sink: &mut Sink) -> Option<((String, Span), (String, Span))> {
    let Some(mut reference) = spec.object("scaleTargetRef", sink) else {
        sink.push(
            Diagnostic::error(
                Code::MissingField,
                Some(spec.span()),
                "the autoscaler has no `spec.scaleTargetRef`",
            )
            .with_help("name the Deployment it scales: `scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: NAME}`"),
        );
        return None;
    };
    let kind_span = reference.value_span("kind").unwrap_or(reference.span());
    let name_span = reference.value_span("name").unwrap_or(reference.span());
    let kind = reference.string("kind", sink);
    let name = reference.string("name", sink);
    reference.accept(&["apiVersion"]);
    let span = reference.span();
    reference.finish(sink, |_| None);
    match (kind, name) {
        (Some(kind), Some(name)) => Some(((kind, kind_span), (name, name_span))),
        _ => {
            sink.push(Diagnostic::error(
                Code::MissingField,
                Some(span),
                "`spec.scaleTargetRef` needs `kind` and `name`",
            ));
            None
        }
    }
}

/// A utilisation percentage as written: Kubernetes' int32, above 0.
fn utilisation(value: i64, span: Span, sink: &mut Sink) -> Option<u32> {
    match u32::try_from(value)
        .ok()
        .filter(|percent| (1..=i32::MAX.unsigned_abs()).contains(percent))
    {
        Some(percent) => Some(percent),
        None => {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(span),
                    format!("a CPU utilisation target of {value}% cannot be tracked"),
                )
                .with_help("use a percentage of the pods' CPU requests above 0, e.g. 70"),
            );
            None
        }
    }
}

/// v2 `metrics`: the first CPU `Utilization` target; every other metric is warned about.
/// No metrics means Kubernetes' default, 80% CPU.
fn read_metrics(spec: &mut Object<'_>, sink: &mut Sink) -> Option<(u32, Option<Span>)> {
    let metrics = spec.list("metrics", sink);
    if metrics.is_empty() {
        return Some((DEFAULT_CPU_PERCENT, None));
    }
    let mut cpu = None;
    for (index, node) in metrics.iter().enumerate() {
        let path = format!("spec.metrics[{index}]");
        let Some(mut metric) = Object::new(node, &path, sink) else {
            continue;
        };
        let kind = metric.string("type", sink).unwrap_or_default();
        let unmapped = |why: String, sink: &mut Sink| {
            sink.push(Diagnostic::warning(
                Code::UnmappedMetric,
                Some(node.span),
                format!("`{path}` is ignored: {why}"),
            ));
        };
        if kind != "Resource" {
            metric.accept_all();
            let why = match kind.as_str() {
                "ContainerResource" => {
                    "the group measures whole VMs, not one container".to_string()
                }
                "Pods" | "Object" | "External" => format!(
                    "a {kind} metric needs the VMs to publish it to CloudWatch; add a target-tracking policy on that metric outside i2kit"
                ),
                other => format!("metric type `{other}` is not one Kubernetes defines"),
            };
            unmapped(why, sink);
            continue;
        }
        let Some(mut resource) = metric.object("resource", sink) else {
            metric.finish(sink, |_| None);
            continue;
        };
        let name = resource.string("name", sink).unwrap_or_default();
        let target = resource.object("target", sink);
        resource.finish(sink, |_| None);
        metric.finish(sink, |_| None);
        if name != "cpu" {
            let why = if name == "memory" {
                "EC2 reports no memory use without an agent in the VM, so the group scales on CPU only".to_string()
            } else {
                format!("the group can track CPU only, not `{name}`")
            };
            unmapped(why, sink);
            continue;
        }
        let Some(mut target) = target else {
            continue;
        };
        let target_type = target.string("type", sink).unwrap_or_default();
        let utilization = target.integer("averageUtilization", sink);
        target.accept(&["averageValue", "value"]);
        target.finish(sink, |_| None);
        match (target_type.as_str(), utilization) {
            ("Utilization", Some((value, span))) if cpu.is_none() => {
                if let Some(percent) = utilisation(value, span, sink) {
                    cpu = Some((percent, Some(span)));
                }
            }
            ("Utilization", Some(_)) => unmapped(
                "a CPU utilisation target is already given; the group follows the first"
                    .to_string(),
                sink,
            ),
            (other, _) => unmapped(
                format!(
                    "a CPU target of type `{other}` is an amount per pod, which the group cannot track; use `type: Utilization` with `averageUtilization`"
                ),
                sink,
            ),
        }
    }
    cpu
}
