//! An autoscaler on an Auto Scaling group: what a HorizontalPodAutoscaler (or the short
//! manifest's `autoscaling:`) becomes. Both reach [`apply_autoscaler`] through the autoscaling
//! pass, so both forms infer alike.
//!
//! Two translations need a rule, because Kubernetes and EC2 count differently:
//! - CPU utilisation: Kubernetes' percentage is of the pods' CPU **requests**; the group's
//!   `ASGAverageCPUUtilization` is of the instances' vCPUs (see [`track_cpu`]).
//! - The rolling update: Kubernetes resolves maxSurge and maxUnavailable against the current
//!   replica count, which the autoscaler moves; a template holds one number of each (see
//!   [`autoscaled_rollout`]).

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::infer::group::check_planned_size;
use crate::infer::instance_type::INSTANCE_TYPES;
use crate::infer::rollout::resolve_rollout;
use crate::model::intent::requests::{Amount, AutoscalerRequest, CpuBasis, CpuRequest};
use crate::model::intent::{Autoscaler, Workload};
use crate::model::{Autoscaling, Deployment, Rollout};

/// The tracked target's range, in tenths of a percent of the instance: a target of 0 is
/// refused by target tracking, and one above 100% could never be reached, so the group would
/// only ever scale in.
pub const TARGET_TENTHS_RANGE: (u32, u32) = (10, 1000);

/// The target the group tracks, and why it differs from what was written, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuTracking {
    pub tenths: u32,
    /// For a warning: how the written percentage became the tracked one.
    pub explanation: Option<String>,
}

fn percent_text(tenths: u32) -> String {
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// The group's CPU target from a written percentage. A pod using `percent`% of a request of
/// `m` millicores on an instance of `v` vCPUs uses `percent × m / (1000 × v)`% of the
/// instance, rounded to a tenth and kept within [`TARGET_TENTHS_RANGE`]. Without a request,
/// or for an instance type outside i2kit's table (whose vCPUs are unknown), the percentage is
/// used as a percentage of the instance. The instance type is the template parameter's
/// default: deploying with another changes what the target means.
#[must_use]
pub fn track_cpu(percent: u32, basis: CpuBasis, instance_type: &str) -> CpuTracking {
    let clamp = |tenths: u128| {
        let (low, high) = TARGET_TENTHS_RANGE;
        u32::try_from(tenths.clamp(u128::from(low), u128::from(high))).unwrap_or(high)
    };
    let as_written = clamp(u128::from(percent) * 10);
    let millis = match basis {
        CpuBasis::Instance => {
            return CpuTracking {
                tenths: as_written,
                explanation: None,
            };
        }
        CpuBasis::PodRequests { millis } => millis,
    };
    let vcpus = INSTANCE_TYPES
        .iter()
        .find(|(name, _, _)| *name == instance_type)
        .map(|(_, vcpus, _)| *vcpus);
    match (millis, vcpus) {
        (0, _) => CpuTracking {
            tenths: as_written,
            explanation: Some(format!(
                "the pod requests no CPU, so {} of the instance's CPU is tracked instead",
                percent_text(as_written)
            )),
        },
        (_, None) => CpuTracking {
            tenths: as_written,
            explanation: Some(format!(
                "instance type {instance_type} is not in i2kit's table, so its vCPUs are unknown and {} of the instance's CPU is tracked instead",
                percent_text(as_written)
            )),
        },
        (millis, Some(vcpus)) => {
            // tenths = percent × millis × 10 / (1000 × vcpus), rounded half up; u128 holds
            // the product of any u32 percent and u64 millis.
            let divisor = 100 * u128::from(vcpus.max(1));
            let exact = u128::from(percent) * u128::from(millis);
            let rounded = (exact + divisor / 2) / divisor;
            let tenths = clamp(rounded);
            let clamped = if u128::from(tenths) == rounded {
                String::new()
            } else {
                format!(
                    " ({} before keeping it within 1%–100%)",
                    percent_text(u32::try_from(rounded).unwrap_or(u32::MAX))
                )
            };
            CpuTracking {
                tenths,
                explanation: Some(format!(
                    "{percent}% of the pod's CPU request ({millis}m) is {}{clamped} of a {instance_type}'s {vcpus} vCPUs, which the group tracks",
                    percent_text(tenths)
                )),
            }
        }
    }
}

/// The rolling update of an autoscaled group. i2kit takes the surge at `max_replicas`, so a
/// group scaled to its ceiling can still start new VMs (MaxSize = maxReplicas + surge), and
/// what stays in service at `min_replicas`, the size the group never goes below
/// (MinInstancesInService = minReplicas − maxUnavailable). As in Kubernetes, if both come to
/// 0, one VM may be unavailable.
#[must_use]
pub fn autoscaled_rollout(
    bounds: (u32, u32),
    strategy: (Amount, Amount),
    pause_seconds: u32,
    recreate: bool,
) -> Rollout {
    let (min_replicas, max_replicas) = bounds;
    let (surge, unavailable) = strategy;
    let at_ceiling = resolve_rollout(max_replicas, surge, unavailable, pause_seconds);
    let at_floor = resolve_rollout(min_replicas, surge, unavailable, pause_seconds);
    let mut rollout = Rollout {
        max_surge: at_ceiling.max_surge,
        max_unavailable: at_floor.max_unavailable,
        pause_seconds,
        recreate,
    };
    if rollout.max_surge == 0 && rollout.max_unavailable == 0 {
        rollout.max_unavailable = 1;
    }
    rollout
}

/// Lets the autoscaler own the deployment's VM count: its bounds become the group's, its CPU
/// target a tracking policy, and the rolling update is re-resolved against the bounds. The
/// warnings say what changed meaning: a converted CPU target, and `replicas`, which the group
/// no longer keeps (a template count would reset a grown group on every stack update, as
/// `kubectl apply` resets an autoscaled Deployment that still writes `replicas`).
pub fn apply_autoscaler<Name: std::fmt::Display>(
    deployment: &mut Deployment<Name>,
    request: &AutoscalerRequest,
) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let cpu_target_tenths = request.cpu.map(|cpu| {
        let tracking = track_cpu(cpu.percent, cpu.basis, &deployment.instance_type);
        if let Some(explanation) = tracking.explanation {
            warnings.push(
                Diagnostic::warning(
                    Code::CpuTarget,
                    cpu.span,
                    format!("{} targets CPU utilisation: {explanation}", request.what),
                )
                .with_help(
                    "Kubernetes counts utilisation against the pod's CPU requests, EC2 against the instance; the conversion holds for the instance type the template's InstanceType parameter defaults to",
                ),
            );
        }
        tracking.tenths
    });
    if let Some(span) = request.replicas_span
        && deployment.replicas != request.min_replicas
    {
        warnings.push(
            Diagnostic::warning(
                Code::IgnoredField,
                Some(span),
                format!(
                    "`replicas: {}` of `{}` is ignored: {} owns the VM count, which starts at its minimum, {}",
                    deployment.replicas, deployment.name, request.what, request.min_replicas
                ),
            )
            .with_help("a count in the template would reset the grown group on every stack update; remove `replicas`, as Kubernetes advises for autoscaled Deployments"),
        );
    }
    deployment.rollout = autoscaled_rollout(
        (request.min_replicas, request.max_replicas),
        request.strategy,
        deployment.rollout.pause_seconds,
        deployment.rollout.recreate,
    );
    deployment.replicas = request.min_replicas;
    deployment.autoscaling = Some(Autoscaling {
        min_replicas: request.min_replicas,
        max_replicas: request.max_replicas,
        cpu_target_tenths,
    });
    warnings
}

/// Finds each autoscaler's Deployment and lets the autoscaler own its VM count. A target that
/// is not a Deployment of the input, or a Deployment two autoscalers scale, is an error.
pub fn resolve_autoscalers(
    autoscalers: &[Autoscaler],
    deployments: &mut [Workload],
    sink: &mut Vec<Diagnostic>,
) {
    let mut owner: Vec<Option<&str>> = vec![None; deployments.len()];
    for autoscaler in autoscalers {
        let (kind, kind_span) = &autoscaler.target_kind;
        let (target, target_span) = &autoscaler.target_name;
        if kind != "Deployment" {
            sink.push(
                Diagnostic::error(
                    Code::ScalingTarget,
                    Some(*kind_span),
                    format!("HorizontalPodAutoscaler `{}` scales a {kind}; i2kit autoscales Deployments only", autoscaler.name),
                )
                .with_help("point scaleTargetRef at a Deployment of this input (kind: Deployment)"),
            );
            continue;
        }
        let found = deployments.iter().position(|pending| {
            pending.deployment.namespace == autoscaler.namespace
                && pending.deployment.name == *target
        });
        let Some(index) = found else {
            let names = deployments
                .iter()
                .filter(|pending| pending.deployment.namespace == autoscaler.namespace)
                .map(|pending| pending.deployment.name.as_str());
            let problem = Diagnostic::error(
                Code::ScalingTarget,
                Some(*target_span),
                format!(
                    "HorizontalPodAutoscaler `{}` scales Deployment `{target}`, which is not in namespace `{}` of this input",
                    autoscaler.name, autoscaler.namespace
                ),
            );
            sink.push(match did_you_mean(target, names) {
                Some(suggestion) => problem.with_help(format!("did you mean `{suggestion}`?")),
                None => problem
                    .with_help("add the Deployment to the input, or leave the autoscaler out"),
            });
            continue;
        };
        if let Some(first) = owner[index] {
            sink.push(
                Diagnostic::error(
                    Code::ScalingTarget,
                    Some(*target_span),
                    format!("Deployment `{target}` is already scaled by HorizontalPodAutoscaler `{first}`; two autoscalers would fight over its VM count"),
                )
                .with_help("keep one (Kubernetes scales neither and reports AmbiguousSelector)"),
            );
            continue;
        }
        owner[index] = Some(&autoscaler.name);
        let pending = &mut deployments[index];
        if pending.autoscaler.is_some() {
            sink.push(
                Diagnostic::error(
                    Code::ScalingTarget,
                    Some(*target_span),
                    format!("`{target}` scales itself (its manifest's `autoscaling:`); HorizontalPodAutoscaler `{}` would fight it over its VM count", autoscaler.name),
                )
                .with_help("keep one: the manifest's `autoscaling:` or the HorizontalPodAutoscaler"),
            );
            continue;
        }
        if pending.failed {
            continue;
        }
        // Each VM of a set, or of a Deployment that mounts a PersistentVolumeClaim, has disks
        // that attach to it alone: an autoscaler's new VMs would have none, or take another's.
        if pending.deployment.stateful.is_some() {
            sink.push(
                Diagnostic::error(
                    Code::ClaimSharing,
                    Some(*target_span),
                    format!("HorizontalPodAutoscaler `{}` scales `{target}`, a StatefulSet or a Deployment that mounts a PersistentVolumeClaim: its VMs have names and volumes of their own, which attach to one VM at a time (ReadWriteOnce)", autoscaler.name),
                )
                .with_help("leave the autoscaler out, or keep the data in a shared store (EFS, S3, a managed database) and the workload a Deployment without claims"),
            );
            continue;
        }
        let request = AutoscalerRequest {
            what: format!("HorizontalPodAutoscaler `{}`", autoscaler.name),
            min_replicas: autoscaler.min_replicas,
            max_replicas: autoscaler.max_replicas.0,
            cpu: autoscaler.cpu.map(|(percent, span)| CpuRequest {
                percent,
                basis: CpuBasis::PodRequests {
                    millis: pending.cpu_request_millis,
                },
                span: span.or(Some(autoscaler.span)),
            }),
            strategy: (pending.rollout.max_surge, pending.rollout.max_unavailable),
            max_span: autoscaler.max_replicas.1,
            replicas_span: pending.replicas_span,
        };
        apply_request(pending, &request, sink);
    }
    for pending in deployments.iter_mut().filter(|pending| !pending.failed) {
        if let Some(request) = pending.autoscaler.take() {
            apply_request(pending, &request, sink);
        }
    }
}

/// Applies one autoscaler's request and checks the group it makes.
fn apply_request(pending: &mut Workload, request: &AutoscalerRequest, sink: &mut Vec<Diagnostic>) {
    sink.extend(apply_autoscaler(&mut pending.deployment, request));
    if let Some(problem) = check_planned_size(&pending.deployment, request.max_span) {
        sink.push(problem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::intent::requests::{DEFAULT_SURGE, DEFAULT_UNAVAILABLE};

    #[test]
    fn requests_convert_to_instance_percentages() {
        // The GKE hello-app sample: 30% of a 200m request on a t3.nano (2 vCPUs) is 3%.
        let tracking = track_cpu(30, CpuBasis::PodRequests { millis: 200 }, "t3.nano");
        assert_eq!(tracking.tenths, 30);
        assert_eq!(
            tracking.explanation.as_deref(),
            Some(
                "30% of the pod's CPU request (200m) is 3.0% of a t3.nano's 2 vCPUs, which the group tracks"
            )
        );
        // 50% of 1500m on 2 vCPUs: 37.5%.
        assert_eq!(
            track_cpu(50, CpuBasis::PodRequests { millis: 1500 }, "t3.small").tenths,
            375
        );
        // Rounds half up: 1% of 150m on 2 vCPUs is 0.075% → 0.1%, then kept at 1%.
        assert_eq!(
            track_cpu(1, CpuBasis::PodRequests { millis: 150 }, "t3.micro").tenths,
            10
        );
    }

    #[test]
    fn targets_stay_reachable_and_positive() {
        // 300% of a request of four whole CPUs on 4 vCPUs would be 300% of the instance.
        let tracking = track_cpu(300, CpuBasis::PodRequests { millis: 4000 }, "t3.xlarge");
        assert_eq!(tracking.tenths, 1000);
        assert!(
            tracking
                .explanation
                .is_some_and(|text| text.contains("300.0% before"))
        );
        assert_eq!(
            track_cpu(
                u32::MAX,
                CpuBasis::PodRequests { millis: u64::MAX },
                "t3.nano"
            )
            .tenths,
            1000
        );
    }

    #[test]
    fn unknown_requests_or_types_use_the_percentage_as_written() {
        let no_request = track_cpu(60, CpuBasis::PodRequests { millis: 0 }, "t3.micro");
        assert_eq!(no_request.tenths, 600);
        assert!(no_request.explanation.is_some());
        let unknown_type = track_cpu(60, CpuBasis::PodRequests { millis: 500 }, "g5.xlarge");
        assert_eq!(unknown_type.tenths, 600);
        assert!(
            unknown_type
                .explanation
                .is_some_and(|text| text.contains("g5.xlarge"))
        );
        assert_eq!(
            track_cpu(70, CpuBasis::Instance, "t3.micro"),
            CpuTracking {
                tenths: 700,
                explanation: None
            }
        );
    }

    #[test]
    fn surge_at_the_ceiling_unavailability_at_the_floor() {
        let rollout = autoscaled_rollout((2, 10), (DEFAULT_SURGE, DEFAULT_UNAVAILABLE), 60, false);
        // 25% of 10 rounds up to 3; 25% of 2 rounds down to 0.
        assert_eq!((rollout.max_surge, rollout.max_unavailable), (3, 0));
        let rollout =
            autoscaled_rollout((4, 8), (Amount::Count(0), Amount::Percent(10)), 60, false);
        assert_eq!((rollout.max_surge, rollout.max_unavailable), (0, 1));
    }
}
