//! A PodDisruptionBudget on an Auto Scaling group: how many VMs it keeps in service while
//! CloudFormation replaces them, resolved as Kubernetes' disruption controller resolves it.

use crate::diagnostic::{Code, Diagnostic};
use crate::infer::group::{check_planned_size, plan_group};
use crate::infer::label_selector::{explain_no_match, matches};
use crate::model::intent::requests::{Amount, BudgetAmount};
use crate::model::intent::{Budget, Workload};
use crate::model::{Deployment, DisruptionBudget};
use crate::source::Span;

/// `percent`% of `count`, rounded up: `intstr.GetScaledValueFromIntOrPercent(…, true)`, which
/// the disruption controller (pkg/controller/disruption, `getExpectedPodCount`) uses for both
/// fields.
fn scaled_up(amount: Amount, count: u32) -> u32 {
    match amount {
        Amount::Count(value) => value,
        Amount::Percent(percent) => {
            u32::try_from((u64::from(count) * u64::from(percent)).div_ceil(100)).unwrap_or(u32::MAX)
        }
    }
}

/// The VMs the budget keeps in service out of `count`: minAvailable as is, or `count` less
/// maxUnavailable (not below 0), both percentages rounded up. More than `count` cannot be
/// kept by replacing VMs, so the floor is at most `count` (Kubernetes then allows no
/// eviction at all, which for an update means: replace only by starting new VMs first).
#[must_use]
pub fn budget_floor(amount: BudgetAmount, count: u32) -> u32 {
    let floor = match amount {
        BudgetAmount::MinAvailable(minimum) => scaled_up(minimum, count),
        BudgetAmount::MaxUnavailable(maximum) => count.saturating_sub(scaled_up(maximum, count)),
    };
    floor.min(count)
}

/// The same floor as a percentage of the group's desired capacity, for the instance
/// maintenance policy, which AWS applies to whatever the count is at the time. A percentage
/// as written keeps its meaning as the count moves; a count becomes a percentage of `count`,
/// rounded up so the policy is never looser than the budget.
#[must_use]
pub fn min_healthy_percent(amount: BudgetAmount, count: u32, floor: u32) -> u32 {
    match amount {
        BudgetAmount::MinAvailable(Amount::Percent(percent)) => percent.min(100),
        BudgetAmount::MaxUnavailable(Amount::Percent(percent)) => 100u32.saturating_sub(percent),
        BudgetAmount::MinAvailable(Amount::Count(_))
        | BudgetAmount::MaxUnavailable(Amount::Count(_)) => {
            if count == 0 {
                0
            } else {
                u32::try_from((u64::from(floor) * 100).div_ceil(u64::from(count)))
                    .unwrap_or(100)
                    .min(100)
            }
        }
    }
}

/// The count a budget's percentages are of: the Deployment's replicas, or with an autoscaler
/// its minimum, the VMs the group always has (Kubernetes takes the current scale, which a
/// template cannot know).
#[must_use]
pub fn budget_base<Name>(deployment: &Deployment<Name>) -> u32 {
    deployment
        .autoscaling
        .map_or(deployment.replicas, |autoscaling| autoscaling.min_replicas)
}

/// Puts a budget named `what` (e.g. "PodDisruptionBudget `web`") on the deployment, keeping
/// the stricter of it and one already there, and warns, naming both numbers, when it keeps
/// more VMs in service than the strategy does (and when MaxSize had to grow for that).
pub fn apply_budget<Name: std::fmt::Display + Clone>(
    deployment: &mut Deployment<Name>,
    amount: BudgetAmount,
    what: &str,
    span: Option<Span>,
) -> Option<Diagnostic> {
    let base = budget_base(deployment);
    let floor = budget_floor(amount, base);
    let budget = DisruptionBudget {
        min_in_service: floor,
        min_healthy_percent: min_healthy_percent(amount, base, floor),
    };
    let strategy = {
        let mut without = deployment.clone();
        without.disruption_budget = None;
        plan_group(&without)
    };
    deployment.disruption_budget = Some(match deployment.disruption_budget {
        Some(earlier) => DisruptionBudget {
            min_in_service: earlier.min_in_service.max(budget.min_in_service),
            min_healthy_percent: earlier.min_healthy_percent.max(budget.min_healthy_percent),
        },
        None => budget,
    });
    let planned = plan_group(deployment);
    if floor <= strategy.min_in_service {
        return None;
    }
    let rule = if deployment.rollout.recreate {
        "its strategy Recreate takes every VM out of service at once".to_string()
    } else {
        let counted = if deployment.autoscaling.is_some() {
            format!("minReplicas {base}")
        } else {
            format!("{base} replicas")
        };
        format!(
            "its rolling update keeps {} ({counted} − maxUnavailable {})",
            strategy.min_in_service, deployment.rollout.max_unavailable
        )
    };
    let room = if planned.max_size > strategy.max_size {
        format!(
            ", and MaxSize grows from {} to {} so a new VM can start before an old one stops",
            strategy.max_size, planned.max_size
        )
    } else {
        String::new()
    };
    Some(
        Diagnostic::warning(
            Code::DisruptionBudget,
            span,
            format!(
                "{what} keeps {floor} of `{}`'s VMs in service, but {rule}; the stricter wins: MinInstancesInService {floor}{room}",
                deployment.name
            ),
        )
        .with_help("loosen the budget, or change the Deployment's strategy to agree with it"),
    )
}

/// A budget over a StatefulSet's ordinals: no Auto Scaling group keeps VMs in service for
/// it. A stack update replaces the ordinals' instances in their dependency order, and the old
/// ones stop together when the stack cleans up, so a budget cannot be promised (`emit::ordinals`).
fn stateful_budget(what: &str, set: &str, span: crate::source::Span) -> Diagnostic {
    Diagnostic::warning(
        Code::DisruptionBudget,
        Some(span),
        format!(
            "{what} is ignored for StatefulSet `{set}`: a stack update replaces its ordinals' instances, and the old ones stop together when the update completes, so no floor of VMs in service is kept"
        ),
    )
    .with_help("update a StatefulSet when its pods may be down together, or run it as several stacks updated one after another")
}

/// Puts each budget on the Deployments it selects; warns about a budget selecting none, one
/// spanning several groups (each gets it on its own), and a Deployment under two budgets.
pub fn resolve_budgets(
    budgets: &[Budget],
    deployments: &mut [Workload],
    sink: &mut Vec<Diagnostic>,
) {
    let mut budgeted_by: Vec<Option<&str>> = vec![None; deployments.len()];
    for budget in budgets {
        let selected: Vec<usize> = (0..deployments.len())
            .filter(|index| match &budget.selector {
                None => false,
                Some(labels) => {
                    (budget.empty_selects_all || !labels.is_empty())
                        && matches(&budget.namespace, labels, &deployments[*index])
                }
            })
            .collect();
        let what = format!("PodDisruptionBudget `{}`", budget.name);
        if selected.is_empty() {
            let mut warning = Diagnostic::warning(
                Code::DisruptionBudget,
                Some(budget.span),
                format!(
                    "{what} selects no Deployment in namespace `{}` of this input; it is ignored",
                    budget.namespace
                ),
            );
            if let Some(labels) = budget.selector.as_ref().filter(|labels| !labels.is_empty()) {
                warning =
                    warning.with_help(explain_no_match(&budget.namespace, labels, deployments));
            }
            sink.push(warning);
            continue;
        }
        if selected.len() > 1 {
            let names: Vec<String> = selected
                .iter()
                .map(|index| format!("`{}`", deployments[*index].deployment.name))
                .collect();
            sink.push(
                Diagnostic::warning(
                    Code::DisruptionBudget,
                    Some(budget.span),
                    format!(
                        "{what} selects {}: each of their groups gets the whole budget on its own, since CloudFormation updates each group separately",
                        names.join(", ")
                    ),
                )
                .with_help("Kubernetes counts the budget over all their pods together; give each Deployment a budget of its own to say what each needs"),
            );
        }
        for index in selected {
            let pending = &mut deployments[index];
            if pending.failed {
                continue;
            }
            if let Some(earlier) = budgeted_by[index] {
                sink.push(Diagnostic::warning(
                    Code::DisruptionBudget,
                    Some(budget.span),
                    format!(
                        "Deployment `{}` is also selected by PodDisruptionBudget `{earlier}`; Kubernetes refuses to evict pods under two budgets, and i2kit keeps the stricter",
                        pending.deployment.name
                    ),
                ));
            }
            budgeted_by[index] = Some(&budget.name);
            if pending.deployment.stateful.is_some() {
                sink.push(stateful_budget(
                    &what,
                    pending.deployment.name.as_str(),
                    budget.span,
                ));
                continue;
            }
            if let Some(warning) = apply_budget(
                &mut pending.deployment,
                budget.amount,
                &what,
                Some(budget.span),
            ) {
                sink.push(warning);
            }
            if let Some(problem) = check_planned_size(&pending.deployment, Some(budget.span)) {
                sink.push(problem);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_up_for_both_fields() {
        // minAvailable 50% of 3 is 2 (1.5 rounded up); maxUnavailable 50% of 3 lets 2 go, so 1.
        assert_eq!(
            budget_floor(BudgetAmount::MinAvailable(Amount::Percent(50)), 3),
            2
        );
        assert_eq!(
            budget_floor(BudgetAmount::MaxUnavailable(Amount::Percent(50)), 3),
            1
        );
        assert_eq!(
            budget_floor(BudgetAmount::MaxUnavailable(Amount::Percent(10)), 4),
            3
        );
        assert_eq!(
            budget_floor(BudgetAmount::MinAvailable(Amount::Percent(100)), 10_000),
            10_000
        );
    }

    #[test]
    fn counts_are_bounded_by_the_group() {
        assert_eq!(
            budget_floor(BudgetAmount::MinAvailable(Amount::Count(5)), 3),
            3
        );
        assert_eq!(
            budget_floor(BudgetAmount::MaxUnavailable(Amount::Count(5)), 3),
            0
        );
        assert_eq!(
            budget_floor(BudgetAmount::MaxUnavailable(Amount::Count(1)), 3),
            2
        );
        assert_eq!(
            budget_floor(BudgetAmount::MinAvailable(Amount::Count(u32::MAX)), 0),
            0
        );
    }

    #[test]
    fn healthy_percentages() {
        let min = |amount, count| min_healthy_percent(amount, count, budget_floor(amount, count));
        assert_eq!(min(BudgetAmount::MinAvailable(Amount::Percent(60)), 3), 60);
        assert_eq!(
            min(BudgetAmount::MaxUnavailable(Amount::Percent(25)), 3),
            75
        );
        assert_eq!(min(BudgetAmount::MinAvailable(Amount::Count(2)), 3), 67);
        assert_eq!(min(BudgetAmount::MaxUnavailable(Amount::Count(1)), 4), 75);
        assert_eq!(min(BudgetAmount::MinAvailable(Amount::Count(9)), 0), 0);
    }
}
