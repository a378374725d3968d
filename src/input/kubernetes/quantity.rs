//! Kubernetes resource quantities: `500m` CPU, `128Mi` memory, `1e3`, `0.5`.
//!
//! Parsed exactly in integers (Kubernetes' own grammar: a decimal number, then a binary
//! suffix `Ki`…`Ei`, a decimal suffix `n u m k M G T P E`, or an exponent `e3`), so a huge
//! value is an error rather than a float that rounds or a product that wraps.

/// The largest CPU amount, in millicores. LinuxKit's `resources` is the OCI `LinuxResources`
/// object, whose `cpu.quota` is an int64 of microseconds per 100 ms period: one millicore is
/// 100 µs of it.
pub const MAX_CPU_MILLIS: u64 = i64::MAX.unsigned_abs() / 100;
/// The largest memory amount, in bytes: OCI `memory.limit` is an int64.
pub const MAX_BYTES: u64 = i64::MAX.unsigned_abs();

/// CPU in millicores: `250m` → 250, `2` → 2000, `0.5` → 500 (rounded up, as Kubernetes does).
///
/// # Errors
/// A message when the text is not a CPU quantity, or above [`MAX_CPU_MILLIS`].
pub fn parse_cpu_millis(text: &str) -> Result<u64, String> {
    match scaled(text, 3) {
        Ok(millis) => u64::try_from(millis)
            .ok()
            .filter(|millis| *millis <= MAX_CPU_MILLIS)
            .ok_or_else(|| {
                format!("`{text}` is more CPU than LinuxKit can hold: its cpu quota is an int64 of microseconds per 100 ms period, so at most {MAX_CPU_MILLIS}m")
            }),
        Err(()) => Err(format!("`{text}` is not a CPU quantity such as 250m or 1.5")),
    }
}

/// Memory in bytes: `128Mi`, `1G`, `1.5Gi`, `1e9`, `134217728`.
///
/// # Errors
/// A message when the text is not a memory quantity, or above [`MAX_BYTES`].
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    match scaled(text, 0) {
        Ok(bytes) => u64::try_from(bytes)
            .ok()
            .filter(|bytes| *bytes <= MAX_BYTES)
            .ok_or_else(|| {
                format!("`{text}` is more than {MAX_BYTES} bytes, the most LinuxKit's resources hold (an OCI int64)")
            }),
        Err(()) => Err(format!(
            "`{text}` is not a memory quantity such as 128Mi or 1G"
        )),
    }
}

/// The quantity times 10^`scale`, rounded up; `u128::MAX` stands for "too large to hold".
fn scaled(text: &str, scale: i64) -> Result<u128, ()> {
    let body = text.strip_prefix('+').unwrap_or(text);
    let end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(());
    }
    let fraction = fraction.trim_end_matches('0');
    let (exponent, binary) = suffix_value(suffix)?;
    let mut mantissa: u128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        mantissa = match mantissa
            .checked_mul(10)
            .and_then(|value| value.checked_add(u128::from(digit - b'0')))
        {
            Some(value) => value,
            None => return Ok(u128::MAX),
        };
    }
    if mantissa == 0 {
        return Ok(0);
    }
    let Some(numerator) = mantissa.checked_mul(binary) else {
        return Ok(u128::MAX);
    };
    let fraction_digits = i64::try_from(fraction.len()).map_err(|_| ())?;
    let power = exponent + scale - fraction_digits;
    if power >= 0 {
        let factor = u32::try_from(power)
            .ok()
            .and_then(|power| 10u128.checked_pow(power));
        return Ok(factor
            .and_then(|factor| numerator.checked_mul(factor))
            .unwrap_or(u128::MAX));
    }
    // A divisor beyond u128 leaves less than one unit, which rounds up to one.
    let divisor = u32::try_from(-power)
        .ok()
        .and_then(|power| 10u128.checked_pow(power));
    Ok(divisor.map_or(1, |divisor| numerator.div_ceil(divisor)))
}

/// A suffix as (power of ten, binary multiplier).
fn suffix_value(suffix: &str) -> Result<(i64, u128), ()> {
    let binary = |power: u32| Ok((0, 1024u128.pow(power)));
    match suffix {
        "" => Ok((0, 1)),
        "n" => Ok((-9, 1)),
        "u" => Ok((-6, 1)),
        "m" => Ok((-3, 1)),
        "k" => Ok((3, 1)),
        "M" => Ok((6, 1)),
        "G" => Ok((9, 1)),
        "T" => Ok((12, 1)),
        "P" => Ok((15, 1)),
        "E" => Ok((18, 1)),
        "Ki" => binary(1),
        "Mi" => binary(2),
        "Gi" => binary(3),
        "Ti" => binary(4),
        "Pi" => binary(5),
        "Ei" => binary(6),
        _ => {
            let digits = suffix.strip_prefix(['e', 'E']).ok_or(())?;
            let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return Err(());
            }
            // Beyond ±1000 every value is 0, 1 or too large: keep the arithmetic small.
            let exponent = digits.parse::<i64>().unwrap_or(i64::MAX).clamp(-1000, 1000);
            Ok((exponent, 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu() {
        assert_eq!(parse_cpu_millis("250m"), Ok(250));
        assert_eq!(parse_cpu_millis("2"), Ok(2000));
        assert_eq!(parse_cpu_millis("0.5"), Ok(500));
        assert_eq!(parse_cpu_millis("0.0001"), Ok(1));
        assert_eq!(parse_cpu_millis("1e3"), Ok(1_000_000));
        assert!(parse_cpu_millis("two").is_err());
        assert!(parse_cpu_millis("-1").is_err());
        assert!(parse_cpu_millis("1.2.3").is_err());
        assert!(parse_cpu_millis(".").is_err());
    }

    #[test]
    fn cpu_beyond_int64_quota_is_refused() {
        assert_eq!(parse_cpu_millis("92233720368547758m"), Ok(MAX_CPU_MILLIS));
        let error = parse_cpu_millis("100000000000000000m").unwrap_err();
        assert!(error.contains("int64"), "{error}");
        assert!(parse_cpu_millis("1e999999").is_err());
    }

    #[test]
    fn memory() {
        assert_eq!(parse_bytes("128Mi"), Ok(134_217_728));
        assert_eq!(parse_bytes("1G"), Ok(1_000_000_000));
        assert_eq!(parse_bytes("1.5Gi"), Ok(1_610_612_736));
        assert_eq!(parse_bytes("1e3"), Ok(1000));
        assert_eq!(parse_bytes("100"), Ok(100));
        assert_eq!(parse_bytes("1E"), Ok(1_000_000_000_000_000_000));
        assert_eq!(parse_bytes("1500m"), Ok(2));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("1Zi").is_err());
    }

    #[test]
    fn memory_beyond_int64_is_refused() {
        assert_eq!(parse_bytes("9223372036854775807"), Ok(MAX_BYTES));
        assert!(parse_bytes("9223372036854775808").is_err());
        assert!(parse_bytes("16Ei").is_err());
        assert!(parse_bytes("99999999999999999999999999999999999999999999").is_err());
    }
}
