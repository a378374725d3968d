//! Which answers a load balancer's health check counts as healthy, as written.

/// `success-codes`: codes (`200`), lists (`200,302`) or ranges (`200-299`) within `range`
/// (200–499 for HTTP on an application load balancer, 0–99 for gRPC).
///
/// # Errors
/// What is expected, for the diagnostic.
pub fn check_success_codes(text: &str, range: (u16, u16)) -> Result<(), String> {
    let (low, high) = range;
    let expected = || format!("codes from {low} to {high}: `200`, `200,302` or `200-299`");
    let code = |part: &str| {
        part.trim()
            .parse::<u16>()
            .ok()
            .filter(|code| (low..=high).contains(code) && part.trim().len() <= 3)
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(expected());
    }
    for part in text.split(',') {
        let valid = match part.split_once('-') {
            Some((from, to)) => matches!((code(from), code(to)), (Some(a), Some(b)) if a <= b),
            None => code(part).is_some(),
        };
        if !valid {
            return Err(expected());
        }
    }
    Ok(())
}
