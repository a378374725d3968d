//! The smallest EC2 instance type that fits a pod's resource requests.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::intent::Workload;
use crate::model::intent::requests::{
    DEFAULT_INSTANCE_TYPE, INSTANCE_TYPE_ANNOTATION, InstanceRequest,
};

/// (instance type, vCPUs, memory in MiB), smallest first. General-purpose burstable types for
/// small pods, then general-purpose m7i sizes. Documented in the README.
pub const INSTANCE_TYPES: [(&str, u32, u64); 11] = [
    ("t3.nano", 2, 512),
    ("t3.micro", 2, 1024),
    ("t3.small", 2, 2048),
    ("t3.medium", 2, 4096),
    ("t3.large", 2, 8192),
    ("t3.xlarge", 4, 16384),
    ("t3.2xlarge", 8, 32768),
    ("m7i.4xlarge", 16, 65536),
    ("m7i.8xlarge", 32, 131_072),
    ("m7i.16xlarge", 64, 262_144),
    ("m7i.24xlarge", 96, 393_216),
];

/// Memory the VM itself needs besides the pod: kernel, containerd, system services.
pub const SYSTEM_RESERVE_MIB: u64 = 128;

/// The smallest type with at least the requested CPU and the requested memory plus the
/// system reserve; `None` when nothing in the table is large enough.
#[must_use]
pub fn smallest_fitting(cpu_millis: u64, memory_bytes: u64) -> Option<&'static str> {
    let memory_mib = memory_bytes.div_ceil(1024 * 1024) + SYSTEM_RESERVE_MIB;
    INSTANCE_TYPES
        .iter()
        .find(|(_, vcpus, mib)| u64::from(*vcpus) * 1000 >= cpu_millis && *mib >= memory_mib)
        .map(|(name, _, _)| *name)
}

/// The instance-types pass: a type the input named is kept; otherwise the smallest that fits
/// the pod's requests, and an error at the workload when none does.
pub fn resolve_instance_types(workloads: &mut [Workload], sink: &mut Vec<Diagnostic>) {
    for workload in workloads {
        workload.deployment.instance_type = match &workload.instance {
            InstanceRequest::Named(name) => name.clone(),
            InstanceRequest::Fitting {
                cpu_millis,
                memory_bytes,
                span,
            } => match smallest_fitting(*cpu_millis, *memory_bytes) {
                Some(instance_type) => instance_type.to_string(),
                None => {
                    sink.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            Some(*span),
                            "the pod requests more CPU or memory than any instance type in i2kit's table",
                        )
                        .with_help(format!(
                            "set the Deployment annotation `{INSTANCE_TYPE_ANNOTATION}`"
                        )),
                    );
                    DEFAULT_INSTANCE_TYPE.to_string()
                }
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_smallest_that_fits() {
        assert_eq!(smallest_fitting(100, 100 * 1024 * 1024), Some("t3.nano"));
        assert_eq!(smallest_fitting(250, 1024 * 1024 * 1024), Some("t3.small"));
        assert_eq!(
            smallest_fitting(3000, 1024 * 1024 * 1024),
            Some("t3.xlarge")
        );
        assert_eq!(smallest_fitting(500_000, 0), None);
    }
}
