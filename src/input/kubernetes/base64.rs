//! Base64 as the Kubernetes API reads `[]byte` fields such as a ConfigMap's `binaryData`:
//! Go's `encoding/base64.StdEncoding` (standard alphabet, `=` padding required), which skips
//! `\r` and `\n`, so a value folded over several lines decodes as one.

/// The bytes `text` encodes, or why it is not base64.
///
/// # Errors
/// A sentence saying what is wrong with the text.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let symbols: Vec<u8> = text
        .bytes()
        .filter(|byte| !matches!(byte, b'\r' | b'\n'))
        .collect();
    if symbols.len() % 4 != 0 {
        return Err(format!(
            "its length ({} characters) is not a multiple of 4; standard base64 pads with `=`",
            symbols.len()
        ));
    }
    let groups = symbols.len() / 4;
    let mut bytes = Vec::with_capacity(groups * 3);
    for (index, group) in symbols.chunks(4).enumerate() {
        let padding = group.iter().rev().take_while(|byte| **byte == b'=').count();
        if padding > 2 || (padding > 0 && index + 1 != groups) {
            return Err("`=` may only pad the end, once or twice".to_string());
        }
        let mut value: u32 = 0;
        for (position, byte) in group.iter().take(4 - padding).enumerate() {
            let sextet = sextet(*byte).ok_or_else(|| {
                format!(
                    "`{}` is not a base64 character (A–Z, a–z, 0–9, +, /)",
                    char::from(*byte).escape_default()
                )
            })?;
            value |= sextet << (18 - 6 * position);
        }
        let [_, first, second, third] = value.to_be_bytes();
        bytes.push(first);
        if padding < 2 {
            bytes.push(second);
        }
        if padding < 1 {
            bytes.push(third);
        }
    }
    Ok(bytes)
}

fn sextet(byte: u8) -> Option<u32> {
    let value = match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_go_decodes() {
        assert_eq!(decode("").as_deref(), Ok(&b""[..]));
        assert_eq!(decode("YQ==").as_deref(), Ok(&b"a"[..]));
        assert_eq!(decode("YWI=").as_deref(), Ok(&b"ab"[..]));
        assert_eq!(decode("YWJj").as_deref(), Ok(&b"abc"[..]));
        assert_eq!(decode("aGVs\nbG8=\r\n").as_deref(), Ok(&b"hello"[..]));
        assert_eq!(decode("/wD+").as_deref(), Ok(&[0xff, 0x00, 0xfe][..]));
    }

    #[test]
    fn refuses_what_go_refuses() {
        for text in ["YQ", "YQ=", "Y===", "YQ==YQ==", "YW J", "YW_j", "YQ=a"] {
            assert!(decode(text).is_err(), "{text:?} decoded");
        }
    }
}
