//! The Auto Scaling group's sizes and rolling update, from everything that bears on them: the
//! Deployment's replicas and strategy (`rollout`), an autoscaler, and a disruption budget.
//! [`plan_groups`] records in each deployment what [`plan_group`] says, after every pass that
//! bears on it; the emitter writes that record. Readers use [`plan_group`] to word their
//! warnings.

use crate::diagnostic::{Code, Diagnostic};
use crate::infer::rollout::group_sizes;
use crate::model::MAX_GROUP_SIZE;
use crate::model::{Application, Autoscaling, Deployment, DisruptionBudget, GroupPlan, Rollout};
use crate::source::Span;

/// Plans every deployment's group into the model. It runs after `link`, the last pass that
/// changes what a plan depends on (replicas, strategy, autoscaler, disruption budget).
pub fn plan_groups(application: &mut Application) {
    for deployment in &mut application.deployments {
        deployment.group = Some(plan_group(deployment));
    }
}

/// Widened sums narrowed back: the readers bound every count to `rules::MAX_GROUP_SIZE`, so
/// this saturates only for unchecked input.
fn narrow(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The group of `deployment`. Without an autoscaler or budget it is exactly
/// [`group_sizes`]; an autoscaler moves the bounds to its own (see
/// `infer::autoscaling::autoscaled_rollout` for the counts); a budget raises
/// MinInstancesInService when it is stricter than the strategy, and MaxSize when a new VM
/// would otherwise have no room to start (CloudFormation needs MinInstancesInService <
/// MaxSize).
#[must_use]
pub fn plan_group<Name>(deployment: &Deployment<Name>) -> GroupPlan {
    let rollout = &deployment.rollout;
    let plan = match deployment.autoscaling {
        None => {
            let sizes = group_sizes(deployment.replicas, rollout);
            GroupPlan {
                min_size: sizes.min_size,
                max_size: sizes.max_size,
                desired_capacity: Some(deployment.replicas),
                min_in_service: sizes.min_in_service,
                max_batch_size: sizes.max_batch_size,
                maintenance: None,
            }
        }
        Some(autoscaling) => autoscaled(&autoscaling, rollout),
    };
    match deployment.disruption_budget {
        None => plan,
        Some(budget) => with_budget(plan, budget, deployment),
    }
}

/// The count the group never goes below, and the one it scales up to.
fn floor_and_ceiling<Name>(deployment: &Deployment<Name>) -> (u32, u32) {
    deployment
        .autoscaling
        .map_or((deployment.replicas, deployment.replicas), |autoscaling| {
            (autoscaling.min_replicas, autoscaling.max_replicas)
        })
}

fn autoscaled(autoscaling: &Autoscaling, rollout: &Rollout) -> GroupPlan {
    let (floor, ceiling) = (autoscaling.min_replicas, autoscaling.max_replicas);
    if rollout.recreate {
        // As `group_sizes`: one batch of everything, nothing kept, no room to surge.
        return GroupPlan {
            min_size: floor,
            max_size: ceiling.max(1),
            desired_capacity: None,
            min_in_service: 0,
            max_batch_size: ceiling.max(1),
            maintenance: None,
        };
    }
    let min_in_service = floor.saturating_sub(rollout.max_unavailable);
    let max_size = narrow(
        (u64::from(ceiling) + u64::from(rollout.max_surge))
            .max(u64::from(min_in_service) + 1)
            .max(1),
    );
    GroupPlan {
        min_size: floor,
        max_size,
        desired_capacity: None,
        min_in_service: min_in_service.min(max_size - 1),
        max_batch_size: narrow(
            (u64::from(rollout.max_surge) + u64::from(rollout.max_unavailable)).max(1),
        ),
        maintenance: None,
    }
}

fn with_budget<Name>(
    plan: GroupPlan,
    budget: DisruptionBudget,
    deployment: &Deployment<Name>,
) -> GroupPlan {
    let (floor, ceiling) = floor_and_ceiling(deployment);
    let mut plan = plan;
    if budget.min_in_service > plan.min_in_service {
        plan.min_in_service = budget.min_in_service;
        plan.max_size = plan.max_size.max(budget.min_in_service.saturating_add(1));
        plan.max_batch_size = if deployment.rollout.recreate {
            // Everything the budget lets go, at once.
            plan.max_size - plan.min_in_service
        } else {
            // The surge the group has room for, plus what may be out of service.
            let surge = plan.max_size.saturating_sub(ceiling);
            let unavailable = floor.saturating_sub(plan.min_in_service);
            surge.saturating_add(unavailable)
        }
        .max(1);
    }
    // The maintenance policy counts against the desired capacity: the percentage kept, and
    // room for the surge the group has (at least one VM, so a replacement can start first when
    // nothing may go out of service).
    let min_healthy = budget.min_healthy_percent.min(100);
    let surge_percent = if ceiling == 0 {
        100
    } else {
        let surge = u64::from(plan.max_size.saturating_sub(ceiling));
        narrow((surge * 100).div_ceil(u64::from(ceiling)))
    };
    let mut max_healthy = 100u32.saturating_add(surge_percent).min(200);
    if min_healthy == 100 {
        max_healthy = max_healthy.max(101);
    }
    plan.maintenance = Some((min_healthy, max_healthy.min(min_healthy + 100)));
    plan
}

/// An error when the group a deployment needs (an autoscaler's maximum plus the surge of an
/// update, or what a disruption budget makes room for) exceeds [`MAX_GROUP_SIZE`].
#[must_use]
pub fn check_planned_size<Name: std::fmt::Display>(
    deployment: &Deployment<Name>,
    span: Option<Span>,
) -> Option<Diagnostic> {
    let plan = plan_group(deployment);
    (plan.max_size > MAX_GROUP_SIZE).then(|| {
        Diagnostic::error(
            Code::InvalidValue,
            span,
            format!(
                "`{}` would need an Auto Scaling group of {} VMs (its largest size and the room an update needs); one group holds at most {MAX_GROUP_SIZE} here",
                deployment.name, plan.max_size
            ),
        )
        .with_help("lower the maximum or maxSurge")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::autoscaling::autoscaled_rollout;
    use crate::infer::rollout::resolve_rollout;
    use crate::model::Namespace;
    use crate::model::intent::requests::{Amount, DEFAULT_SURGE, DEFAULT_UNAVAILABLE};

    fn deployment(replicas: u32, rollout: Rollout) -> Deployment {
        Deployment {
            replicas,
            instance_type: "t3.micro".into(),
            rollout,
            grace_period_seconds: 60,
            ..Deployment::as_read("web".into(), Namespace::default(), Vec::new())
        }
    }

    fn budget(min_in_service: u32, min_healthy_percent: u32) -> Option<DisruptionBudget> {
        Some(DisruptionBudget {
            min_in_service,
            min_healthy_percent,
        })
    }

    #[test]
    fn the_pass_records_each_deployments_plan_in_the_model() {
        let mut application = Application {
            deployments: vec![
                deployment(
                    3,
                    resolve_rollout(3, DEFAULT_SURGE, DEFAULT_UNAVAILABLE, 60),
                ),
                deployment(
                    1,
                    resolve_rollout(1, Amount::Count(0), Amount::Count(1), 60),
                ),
            ],
            ..Application::default()
        };
        plan_groups(&mut application);
        for deployment in &application.deployments {
            assert_eq!(deployment.group, Some(plan_group(deployment)));
        }
        assert_ne!(
            application.deployments[0].group,
            application.deployments[1].group
        );
    }

    #[test]
    fn without_autoscaler_or_budget_it_is_the_strategy() {
        let rollout = resolve_rollout(3, DEFAULT_SURGE, DEFAULT_UNAVAILABLE, 60);
        let plan = plan_group(&deployment(3, rollout));
        let sizes = group_sizes(3, &rollout);
        assert_eq!(
            (
                plan.min_size,
                plan.max_size,
                plan.min_in_service,
                plan.max_batch_size
            ),
            (
                sizes.min_size,
                sizes.max_size,
                sizes.min_in_service,
                sizes.max_batch_size
            )
        );
        assert_eq!((plan.desired_capacity, plan.maintenance), (Some(3), None));
    }

    #[test]
    fn an_autoscaler_owns_the_bounds_and_the_count() {
        let mut scaled = deployment(
            2,
            autoscaled_rollout((2, 10), (DEFAULT_SURGE, DEFAULT_UNAVAILABLE), 60, false),
        );
        scaled.autoscaling = Some(Autoscaling {
            min_replicas: 2,
            max_replicas: 10,
            cpu_target_tenths: Some(300),
        });
        let plan = plan_group(&scaled);
        assert_eq!(
            (
                plan.min_size,
                plan.max_size,
                plan.desired_capacity,
                plan.min_in_service,
                plan.max_batch_size
            ),
            (2, 13, None, 2, 3)
        );
    }

    #[test]
    fn a_stricter_budget_wins_and_makes_room() {
        // 4 replicas, maxSurge 0, maxUnavailable 2: 2 in service, MaxSize 4.
        let rollout = resolve_rollout(4, Amount::Count(0), Amount::Count(2), 60);
        let mut strict = deployment(4, rollout);
        strict.disruption_budget = budget(3, 75);
        let plan = plan_group(&strict);
        assert_eq!(
            (plan.min_in_service, plan.max_size, plan.max_batch_size),
            (3, 4, 1)
        );
        assert_eq!(plan.maintenance, Some((75, 100)));
        // All four kept: MaxSize must grow to 5 for a new VM to start first.
        strict.disruption_budget = budget(4, 100);
        let plan = plan_group(&strict);
        assert_eq!(
            (plan.min_in_service, plan.max_size, plan.max_batch_size),
            (4, 5, 1)
        );
        assert_eq!(plan.maintenance, Some((100, 125)));
    }

    #[test]
    fn a_looser_budget_changes_only_the_maintenance_policy() {
        let rollout = resolve_rollout(3, DEFAULT_SURGE, DEFAULT_UNAVAILABLE, 60);
        let mut loose = deployment(3, rollout);
        loose.disruption_budget = budget(2, 50);
        let plan = plan_group(&loose);
        assert_eq!((plan.min_in_service, plan.max_size), (3, 4));
        assert_eq!(plan.maintenance, Some((50, 134)));
    }

    #[test]
    fn a_budget_over_recreate_keeps_vms_in_service() {
        let mut rollout = resolve_rollout(3, DEFAULT_SURGE, DEFAULT_UNAVAILABLE, 60);
        rollout.recreate = true;
        let mut recreate = deployment(3, rollout);
        recreate.disruption_budget = budget(1, 34);
        let plan = plan_group(&recreate);
        assert_eq!(
            (plan.min_in_service, plan.max_size, plan.max_batch_size),
            (1, 3, 2)
        );
        recreate.disruption_budget = budget(3, 100);
        let plan = plan_group(&recreate);
        assert_eq!(
            (plan.min_in_service, plan.max_size, plan.max_batch_size),
            (3, 4, 1)
        );
        assert!(plan.min_in_service < plan.max_size);
    }

    #[test]
    fn maintenance_percentages_stay_in_aws_ranges() {
        for (replicas, floor, percent) in [(0, 0, 0), (1, 1, 100), (10_000, 10_000, 100), (7, 0, 0)]
        {
            let rollout = resolve_rollout(replicas, DEFAULT_SURGE, DEFAULT_UNAVAILABLE, 60);
            let mut budgeted = deployment(replicas, rollout);
            budgeted.disruption_budget = budget(floor, percent);
            let plan = plan_group(&budgeted);
            let (min, max) = plan.maintenance.unwrap_or_default();
            assert!(
                min <= 100 && (100..=200).contains(&max) && max - min <= 100,
                "{min} {max}"
            );
            assert!(min < 100 || max > 100);
            assert!(plan.min_in_service < plan.max_size);
        }
    }
}
