//! Kubernetes rolling-update arithmetic, resolved to VM counts for the Auto Scaling group.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::intent::Workload;
use crate::model::intent::requests::Amount;
use crate::model::{MAX_GROUP_SIZE, Rollout};
use crate::source::Span;

/// The rollouts pass: each workload's update as written, resolved against its replica count;
/// an update too large for one group is an error, unless the workload brings its own
/// autoscaler, which resolves the update against its bounds instead.
pub fn resolve_rollouts(workloads: &mut [Workload], sink: &mut Vec<Diagnostic>) {
    for workload in workloads {
        let request = workload.rollout;
        let replicas = workload.deployment.replicas;
        let mut rollout = resolve_rollout(
            replicas,
            request.max_surge,
            request.max_unavailable,
            request.pause_seconds,
        );
        rollout.recreate = request.recreate;
        if workload.autoscaler.is_none()
            && let Some(problem) = check_group_size(replicas, &rollout, request.span)
        {
            sink.push(problem);
        }
        workload.deployment.rollout = rollout;
    }
}

fn scaled(amount: Amount, replicas: u32, round_up: bool) -> u32 {
    match amount {
        Amount::Count(count) => count,
        Amount::Percent(percent) => {
            let product = u64::from(replicas) * u64::from(percent);
            let value = if round_up {
                product.div_ceil(100)
            } else {
                product / 100
            };
            u32::try_from(value).unwrap_or(u32::MAX)
        }
    }
}

/// Surge rounds up and unavailability down, and if both come to zero one VM may be
/// unavailable, exactly as the Deployment controller's `ResolveFenceposts`.
#[must_use]
pub fn resolve_rollout(
    replicas: u32,
    surge: Amount,
    unavailable: Amount,
    pause_seconds: u32,
) -> Rollout {
    let max_surge = scaled(surge, replicas, true);
    let mut max_unavailable = scaled(unavailable, replicas, false).min(replicas);
    if max_surge == 0 && max_unavailable == 0 {
        max_unavailable = 1;
    }
    Rollout {
        max_surge,
        max_unavailable,
        pause_seconds,
        recreate: false,
    }
}

/// What the template's `AutoScalingRollingUpdate` and group sizes come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSizes {
    pub min_size: u32,
    pub max_size: u32,
    pub min_in_service: u32,
    pub max_batch_size: u32,
}

/// Sizes that keep `replicas − max_unavailable` VMs serving throughout an update, with room
/// for `max_surge` extra. CloudFormation needs MinInstancesInService < MaxSize.
#[must_use]
pub fn group_sizes(replicas: u32, rollout: &Rollout) -> GroupSizes {
    if rollout.recreate {
        return GroupSizes {
            min_size: replicas,
            max_size: replicas.max(1),
            min_in_service: 0,
            max_batch_size: replicas.max(1),
        };
    }
    // Widened to u64, where the sum of two u32 cannot overflow; the readers bound replicas and
    // amounts to `MAX_GROUP_SIZE`, so the narrowing below saturates only for unchecked input.
    let narrow = |value: u64| u32::try_from(value).unwrap_or(u32::MAX);
    let min_in_service = replicas.saturating_sub(rollout.max_unavailable);
    let max_size = narrow(
        (u64::from(replicas) + u64::from(rollout.max_surge))
            .max(u64::from(min_in_service) + 1)
            .max(1),
    );
    GroupSizes {
        min_size: replicas,
        max_size,
        // Stays below MaxSize even when MaxSize saturated.
        min_in_service: min_in_service.min(max_size - 1),
        max_batch_size: narrow(
            (u64::from(rollout.max_surge) + u64::from(rollout.max_unavailable)).max(1),
        ),
    }
}

/// An error when the group an update needs (replicas plus surge) is larger than
/// [`MAX_GROUP_SIZE`].
#[must_use]
pub fn check_group_size(
    replicas: u32,
    rollout: &Rollout,
    span: Option<Span>,
) -> Option<Diagnostic> {
    let sizes = group_sizes(replicas, rollout);
    (sizes.max_size > MAX_GROUP_SIZE).then(|| {
        Diagnostic::error(
            Code::InvalidValue,
            span,
            format!(
                "an update would need {} VMs ({replicas} replicas and a surge of {}); one Auto Scaling group holds at most {MAX_GROUP_SIZE} here",
                sizes.max_size, rollout.max_surge
            ),
        )
        .with_help("lower maxSurge or replicas")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::intent::requests::{DEFAULT_SURGE, DEFAULT_UNAVAILABLE};

    #[test]
    fn kubernetes_defaults_for_three_replicas() {
        let rollout = resolve_rollout(3, DEFAULT_SURGE, DEFAULT_UNAVAILABLE, 60);
        assert_eq!((rollout.max_surge, rollout.max_unavailable), (1, 0));
        let sizes = group_sizes(3, &rollout);
        assert_eq!(
            sizes,
            GroupSizes {
                min_size: 3,
                max_size: 4,
                min_in_service: 3,
                max_batch_size: 1
            }
        );
    }

    #[test]
    fn percentages_round_like_the_controller() {
        let rollout = resolve_rollout(10, Amount::Percent(15), Amount::Percent(15), 0);
        assert_eq!((rollout.max_surge, rollout.max_unavailable), (2, 1));
    }

    #[test]
    fn both_zero_allows_one_unavailable() {
        let rollout = resolve_rollout(4, Amount::Count(0), Amount::Percent(10), 0);
        assert_eq!((rollout.max_surge, rollout.max_unavailable), (0, 1));
        let sizes = group_sizes(4, &rollout);
        assert!(sizes.min_in_service < sizes.max_size);
    }

    #[test]
    fn huge_counts_keep_min_in_service_below_max_size() {
        let rollout = resolve_rollout(u32::MAX, Amount::Count(u32::MAX), Amount::Count(0), 0);
        let sizes = group_sizes(u32::MAX, &rollout);
        assert!(sizes.min_in_service < sizes.max_size);
    }

    #[test]
    fn zero_replicas_still_valid() {
        let rollout = resolve_rollout(0, DEFAULT_SURGE, DEFAULT_UNAVAILABLE, 0);
        let sizes = group_sizes(0, &rollout);
        assert!(sizes.min_in_service < sizes.max_size);
    }
}
