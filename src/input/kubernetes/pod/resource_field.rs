//! `valueFrom.resourceFieldRef`: a container's CPU or memory limit or request, as the kubelet
//! hands it over (`ExtractContainerResourceValue`, pkg/api/v1/resource/helpers.go): the
//! amount divided by `divisor`, rounded up. Known when compiling wherever the manifest sets
//! it; an unset limit is the node's allocatable to the kubelet, which i2kit does not guess.

use super::super::quantity::parse_bytes;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// A `resourceFieldRef` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceField {
    /// `containerName`, else the container whose variable it is.
    pub container: String,
    /// `limits.cpu`, `requests.memory`, …
    pub resource: String,
    /// `divisor`, default `1`.
    pub divisor: String,
    pub span: Span,
}

/// What one container's `resources` set, for the Downward API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceAmounts {
    pub cpu_limit_millis: Option<u64>,
    pub memory_limit_bytes: Option<u64>,
    /// The API server defaults an unset request to the limit.
    pub cpu_request_millis: Option<u64>,
    pub memory_request_bytes: Option<u64>,
}

/// The value the kubelet would give `field`, with `amounts` the named container's.
///
/// # Errors
/// I2K006 for a resource or divisor Kubernetes refuses; I2K021 for an unset limit, which the
/// kubelet fills from the node.
pub fn resource_value(
    field: &ResourceField,
    amounts: &ResourceAmounts,
) -> Result<String, Diagnostic> {
    let invalid = |message: String, help: &str| {
        Diagnostic::error(Code::InvalidValue, Some(field.span), message).with_help(help.to_string())
    };
    let (amount, per_divisor) = match field.resource.as_str() {
        "limits.cpu" | "requests.cpu" => {
            let divisor = match field.divisor.as_str() {
                "1" => 1000,
                "1m" => 1,
                other => {
                    return Err(invalid(
                        format!(
                            "`divisor: {other}` of a CPU resource is not one Kubernetes accepts"
                        ),
                        "write `1` (cores) or `1m` (millicores)",
                    ));
                }
            };
            let amount = if field.resource == "limits.cpu" {
                amounts.cpu_limit_millis
            } else {
                amounts
                    .cpu_request_millis
                    .or(amounts.cpu_limit_millis)
                    .or(Some(0))
            };
            (amount, divisor)
        }
        "limits.memory" | "requests.memory" => {
            let divisor = memory_divisor(&field.divisor).ok_or_else(|| {
                invalid(
                    format!(
                        "`divisor: {}` of a memory resource is not one Kubernetes accepts",
                        field.divisor
                    ),
                    "write 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi or 1Ei",
                )
            })?;
            let amount = if field.resource == "limits.memory" {
                amounts.memory_limit_bytes
            } else {
                amounts
                    .memory_request_bytes
                    .or(amounts.memory_limit_bytes)
                    .or(Some(0))
            };
            (amount, divisor)
        }
        "limits.ephemeral-storage" | "requests.ephemeral-storage" => {
            return Err(Diagnostic::error(
                Code::ExternalReference,
                Some(field.span),
                format!("`{}` has no meaning on a VM, whose root filesystem is in memory and not metered per container", field.resource),
            )
            .with_help("write the value under `value`"));
        }
        other => {
            return Err(invalid(
                format!("`resource: {other}` is not a resource the Downward API offers"),
                "use limits.cpu, limits.memory, requests.cpu or requests.memory",
            ));
        }
    };
    let Some(amount) = amount else {
        return Err(Diagnostic::error(
            Code::ExternalReference,
            Some(field.span),
            format!(
                "container `{}` sets no `resources.{}`, so the kubelet would give the node's allocatable, which depends on the instance the VM runs on",
                field.container, field.resource
            ),
        )
        .with_help(format!("set `resources.{}` on container `{}`", field.resource, field.container)));
    };
    Ok(amount.div_ceil(per_divisor).to_string())
}

/// The bytes of a memory divisor Kubernetes accepts (`validContainerResourceDivisorForMemory`).
fn memory_divisor(text: &str) -> Option<u64> {
    const ALLOWED: [&str; 13] = [
        "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei",
    ];
    ALLOWED
        .contains(&text)
        .then(|| parse_bytes(text).ok())
        .flatten()
        .filter(|bytes| *bytes > 0)
}

/// What `resources` of a container come to, from what was read of them.
#[must_use]
pub fn amounts_of(
    resources: &crate::model::Resources,
    cpu_request_millis: u64,
    memory_request_bytes: u64,
) -> ResourceAmounts {
    ResourceAmounts {
        cpu_limit_millis: resources
            .cpu_quota_micros
            .map(|micros| micros / (crate::model::CPU_PERIOD_MICROS / 1000)),
        memory_limit_bytes: resources.memory_limit_bytes,
        cpu_request_millis: (cpu_request_millis > 0).then_some(cpu_request_millis),
        memory_request_bytes: (memory_request_bytes > 0).then_some(memory_request_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(resource: &str, divisor: &str) -> ResourceField {
        ResourceField {
            container: "app".to_string(),
            resource: resource.to_string(),
            divisor: divisor.to_string(),
            span: Span::default(),
        }
    }

    #[test]
    fn divides_and_rounds_up_as_the_kubelet() {
        let amounts = ResourceAmounts {
            cpu_limit_millis: Some(250),
            memory_limit_bytes: Some(parse_bytes("129Mi").unwrap_or_default()),
            cpu_request_millis: None,
            memory_request_bytes: Some(64 * 1024 * 1024),
        };
        let value = |resource, divisor| resource_value(&field(resource, divisor), &amounts).ok();
        assert_eq!(value("limits.cpu", "1").as_deref(), Some("1"));
        assert_eq!(value("limits.cpu", "1m").as_deref(), Some("250"));
        assert_eq!(value("requests.cpu", "1m").as_deref(), Some("250"));
        assert_eq!(value("limits.memory", "1Mi").as_deref(), Some("129"));
        assert_eq!(value("limits.memory", "1Gi").as_deref(), Some("1"));
        assert_eq!(value("requests.memory", "1Mi").as_deref(), Some("64"));
        assert_eq!(value("limits.cpu", "2"), None);
        assert_eq!(value("limits.memory", "3Mi"), None);
        let unset = resource_value(&field("limits.memory", "1"), &ResourceAmounts::default());
        assert_eq!(unset.map_err(|e| e.code), Err(Code::ExternalReference));
    }
}
