//! Kubernetes probe timings → target group health check settings within AWS's ranges. AWS
//! knowledge, not the reader's: the readers use it to clamp a timing where it is written, so the
//! warning names the field, and no layer owns it.

/// AWS target group ranges (ELBv2): interval 5–300 s, timeout 2–120 s and below the
/// interval, thresholds 2–10.
pub const INTERVAL_RANGE: (u32, u32) = (5, 300);
pub const TIMEOUT_RANGE: (u32, u32) = (2, 120);
pub const THRESHOLD_RANGE: (u32, u32) = (2, 10);

/// `value` moved into `range`, and whether it had to move.
#[must_use]
pub fn clamp(value: i64, range: (u32, u32)) -> (u32, bool) {
    let (low, high) = range;
    let clamped = value.clamp(i64::from(low), i64::from(high));
    (u32::try_from(clamped).unwrap_or(low), clamped != value)
}

/// A timeout that AWS accepts with `interval`: below it, and in its own range.
#[must_use]
pub fn fit_timeout(timeout: u32, interval: u32) -> u32 {
    timeout.min(interval.saturating_sub(1)).max(TIMEOUT_RANGE.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_kubernetes_defaults() {
        assert_eq!(clamp(1, TIMEOUT_RANGE), (2, true));
        assert_eq!(clamp(10, INTERVAL_RANGE), (10, false));
        assert_eq!(clamp(1, THRESHOLD_RANGE), (2, true));
        assert_eq!(clamp(-5, INTERVAL_RANGE), (5, true));
        assert_eq!(fit_timeout(30, 10), 9);
    }
}
