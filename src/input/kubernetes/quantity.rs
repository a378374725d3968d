//! Kubernetes resource quantities: `500m` CPU, `128Mi` memory, `1e3`, `0.5`.

/// CPU in millicores: `250m` → 250, `2` → 2000, `0.5` → 500 (rounded up, as Kubernetes does).
///
/// # Errors
/// A message when the text is not a CPU quantity.
pub fn parse_cpu_millis(text: &str) -> Result<u64, String> {
    if let Some(millis) = text.strip_suffix('m') {
        return millis
            .parse::<u64>()
            .map_err(|_| format!("`{text}` is not a CPU quantity such as 250m or 1.5"));
    }
    let value = parse_decimal(text)
        .ok_or_else(|| format!("`{text}` is not a CPU quantity such as 250m or 1.5"))?;
    Ok(to_integer((value * 1000.0).ceil()))
}

/// Memory in bytes: `128Mi`, `1G`, `1.5Gi`, `1e9`, `134217728`.
///
/// # Errors
/// A message when the text is not a memory quantity.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    const SUFFIXES: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let error = || format!("`{text}` is not a memory quantity such as 128Mi or 1G");
    for (suffix, multiplier) in SUFFIXES {
        if let Some(number) = text.strip_suffix(suffix) {
            let value = parse_decimal(number).ok_or_else(error)?;
            return Ok(to_integer((value * multiplier).ceil()));
        }
    }
    let value = parse_decimal(text).ok_or_else(error)?;
    Ok(to_integer(value.ceil()))
}

fn parse_decimal(text: &str) -> Option<f64> {
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && !text.starts_with(['-', 'e', 'E']);
    valid
        .then(|| text.parse::<f64>().ok())
        .flatten()
        .filter(|value| value.is_finite() && *value >= 0.0)
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn to_integer(value: f64) -> u64 {
    // Finite and non-negative by construction; saturates at u64::MAX.
    value as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu() {
        assert_eq!(parse_cpu_millis("250m"), Ok(250));
        assert_eq!(parse_cpu_millis("2"), Ok(2000));
        assert_eq!(parse_cpu_millis("0.5"), Ok(500));
        assert!(parse_cpu_millis("two").is_err());
        assert!(parse_cpu_millis("-1").is_err());
    }

    #[test]
    fn memory() {
        assert_eq!(parse_bytes("128Mi"), Ok(134_217_728));
        assert_eq!(parse_bytes("1G"), Ok(1_000_000_000));
        assert_eq!(parse_bytes("1.5Gi"), Ok(1_610_612_736));
        assert_eq!(parse_bytes("1e3"), Ok(1000));
        assert_eq!(parse_bytes("100"), Ok(100));
        assert!(parse_bytes("lots").is_err());
    }
}
