//! Base64 as the Kubernetes API reads `[]byte` fields such as a ConfigMap's `binaryData`:
//! Go's `encoding/base64.StdEncoding` (standard alphabet, `=` padding required), which skips
//! `\r` and `\n`, so a value folded over several lines decodes as one.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Go's `StdEncoding` without `Strict()`: `=` padding required, leftover bits after the last
/// full byte ignored rather than refused.
const GO_STD_ENCODING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

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
    GO_STD_ENCODING
        .decode(&symbols)
        .map_err(|error| match error {
            base64::DecodeError::InvalidByte(_, byte) => format!(
                "`{}` is not a base64 character (A–Z, a–z, 0–9, +, /)",
                char::from(byte).escape_default()
            ),
            base64::DecodeError::InvalidLength(_)
            | base64::DecodeError::InvalidPadding
            | base64::DecodeError::InvalidLastSymbol(..) => {
                "`=` may only pad the end, once or twice".to_string()
            }
        })
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
        // Go ignores the bits after the last byte unless Strict() is asked for.
        assert_eq!(decode("YR==").as_deref(), Ok(&b"a"[..]));
    }

    #[test]
    fn refuses_what_go_refuses() {
        for text in ["YQ", "YQ=", "Y===", "YQ==YQ==", "YW J", "YW_j", "YQ=a"] {
            assert!(decode(text).is_err(), "{text:?} decoded");
        }
    }
}
