//! Container `resources` → cgroup limits and weights, and the requests that size the VM.

use super::super::quantity::{parse_bytes, parse_cpu_millis};
use super::super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{CPU_PERIOD_MICROS, Resources};
use crate::source::Span;

/// What one container asks of the VM, summed or maxed over the pod by the caller.
#[derive(Default)]
pub struct Requests {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    /// Extended resources such as `nvidia.com/gpu`, which no instance table can size.
    pub extended: Vec<(String, Span)>,
}

/// cgroup `cpu.shares` for a CPU request, as the kubelet computes them (`MilliCPUToShares`,
/// pkg/kubelet/cm): 1024 per CPU, rounded down, within the kernel's 2–262144.
fn cpu_shares(millis: u64) -> u64 {
    u64::try_from((u128::from(millis) * 1024 / 1000).clamp(2, 262_144)).unwrap_or(262_144)
}

/// A container's `resources`: its cgroup settings and what it requests.
pub fn read_resources(object: &mut Object<'_>, sink: &mut Sink) -> (Resources, Requests) {
    let mut resources = Resources::default();
    let mut requested = Requests::default();
    let Some(mut section) = object.object("resources", sink) else {
        return (resources, requested);
    };
    for key in ["limits", "requests"] {
        let Some(mut amounts) = section.object(key, sink) else {
            continue;
        };
        for (name_node, value_node) in amounts.entries() {
            let name = name_node.scalar_text().unwrap_or_default();
            let path = amounts.child(&name);
            let value = match &value_node.value {
                crate::yaml::Value::String(text) => text.clone(),
                other => crate::yaml::Node {
                    value: other.clone(),
                    span: value_node.span,
                    yaml_1_1_int: None,
                }
                .scalar_text()
                .unwrap_or_default(),
            };
            let located = |message: String| {
                Diagnostic::error(
                    Code::InvalidValue,
                    Some(value_node.span),
                    format!("`{path}`: {message}"),
                )
            };
            match name.as_str() {
                "cpu" => match parse_cpu_millis(&value) {
                    // `parse_cpu_millis` bounds millis so that the quota fits OCI's int64.
                    Ok(millis) if key == "limits" => {
                        resources.cpu_quota_micros =
                            Some(millis.saturating_mul(CPU_PERIOD_MICROS / 1000));
                    }
                    Ok(millis) => {
                        resources.cpu_shares = Some(cpu_shares(millis));
                        requested.cpu_millis = millis;
                    }
                    Err(message) => sink.push(located(message)),
                },
                "memory" => match parse_bytes(&value) {
                    Ok(bytes) if key == "limits" => resources.memory_limit_bytes = Some(bytes),
                    Ok(bytes) => requested.memory_bytes = bytes,
                    Err(message) => sink.push(located(message)),
                },
                "ephemeral-storage" | "hugepages-2Mi" | "hugepages-1Gi" => {
                    sink.ignored(
                        name_node.span,
                        &path,
                        "the VM's root filesystem is in memory and not metered per container",
                    );
                }
                _ => requested.extended.push((name.clone(), name_node.span)),
            }
        }
        amounts.accept_all();
        amounts.finish(sink, |_| None);
    }
    section.finish(sink, |_| None);
    (resources, requested)
}
