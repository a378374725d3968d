//! The bounds of an autoscaler, checked alike for a HorizontalPodAutoscaler's
//! `minReplicas`/`maxReplicas` and the short manifest's `autoscaling: {min, max}`.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// One bound as written: its value (already within `rules::bounded_replicas`), the field's
/// name in its input form, and where it is.
#[derive(Debug, Clone, Copy)]
pub struct Bound<'a> {
    pub value: u32,
    pub field: &'a str,
    pub span: Option<Span>,
}

/// Errors for a minimum of 0 (the group could stop every VM, and nothing would start one
/// again: target tracking needs a running VM to measure) and for a maximum below the minimum.
#[must_use]
pub fn check_autoscaler_bounds(min: Bound<'_>, max: Bound<'_>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if min.value == 0 {
        problems.push(
            Diagnostic::error(
                Code::InvalidValue,
                min.span,
                format!("`{}` 0 would let the group stop every VM, and CPU tracking needs one running to scale out again", min.field),
            )
            .with_help("use 1 or more (Kubernetes allows 0 only behind its alpha HPAScaleToZero gate)"),
        );
    }
    if max.value < min.value {
        problems.push(
            Diagnostic::error(
                Code::InvalidValue,
                max.span,
                format!(
                    "`{}` {} is below `{}` {}",
                    max.field, max.value, min.field, min.value
                ),
            )
            .with_help(format!("raise `{}` or lower `{}`", max.field, min.field)),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(value: u32, field: &str) -> Bound<'_> {
        Bound {
            value,
            field,
            span: None,
        }
    }

    #[test]
    fn zero_minimum_and_inverted_bounds_are_errors() {
        assert!(check_autoscaler_bounds(bound(1, "min"), bound(1, "max")).is_empty());
        assert_eq!(
            check_autoscaler_bounds(bound(0, "minReplicas"), bound(3, "maxReplicas")).len(),
            1
        );
        let problems = check_autoscaler_bounds(bound(4, "min"), bound(3, "max"));
        assert_eq!(
            problems.first().map(|problem| problem.message.as_str()),
            Some("`max` 3 is below `min` 4")
        );
    }
}
