//! The port strings of the i2kit manifest:
//! `80`, `"8080:80"` (load balancer port : container port), and the original i2kit tool's
//! `"https:443:http:80[:certificate-arn]"` (listener protocol : port : target protocol : port).

use crate::model::{Port, Protocol};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSyntax {
    pub listener_port: Port,
    pub container_port: Port,
    /// Both protocols are given or neither: the grammar has no form for just one.
    pub protocols: Option<(Protocol, Protocol)>,
    pub certificate: Option<String>,
}

/// Protocol names as the manifest spells them; `ssl` is accepted as TLS's older name.
///
/// # Errors
/// The accepted names, when `text` is none of them.
pub fn parse_protocol(text: &str) -> Result<Protocol, String> {
    match text.to_ascii_lowercase().as_str() {
        "http" => Ok(Protocol::Http),
        "https" => Ok(Protocol::Https),
        "tcp" => Ok(Protocol::Tcp),
        "tls" | "ssl" => Ok(Protocol::Tls),
        "udp" => Ok(Protocol::Udp),
        _ => Err(format!(
            "unknown protocol `{text}`: use http, https, tcp, tls (or ssl) or udp"
        )),
    }
}

fn parse_number(text: &str, what: &str) -> Result<Port, String> {
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!("{what} `{text}` is not a number"));
    }
    digits
        .parse::<i64>()
        .ok()
        .and_then(Port::from_int)
        .ok_or_else(|| format!("{what} {digits} is outside 1–65535"))
}

/// # Errors
/// What is wrong with `text`, phrased for a person.
pub fn parse_port(text: &str) -> Result<PortSyntax, String> {
    let parts: Vec<&str> = text.splitn(5, ':').collect();
    match parts.as_slice() {
        [port] => {
            let port = parse_number(port, "port")?;
            Ok(PortSyntax {
                listener_port: port,
                container_port: port,
                protocols: None,
                certificate: None,
            })
        }
        [listener, container] => Ok(PortSyntax {
            listener_port: parse_number(listener, "load balancer port")?,
            container_port: parse_number(container, "container port")?,
            protocols: None,
            certificate: None,
        }),
        [
            listener_protocol,
            listener,
            target_protocol,
            container,
            certificate @ ..,
        ] => {
            let certificate = match certificate {
                [] => None,
                [arn] if arn.starts_with("arn:") => Some((*arn).to_string()),
                [other] => {
                    return Err(format!(
                        "`{other}` is not a certificate ARN (arn:aws:acm:…)"
                    ));
                }
                _ => None,
            };
            Ok(PortSyntax {
                listener_port: parse_number(listener, "load balancer port")?,
                container_port: parse_number(container, "container port")?,
                protocols: Some((
                    parse_protocol(listener_protocol)?,
                    parse_protocol(target_protocol)?,
                )),
                certificate,
            })
        }
        _ => Err(format!(
            "`{text}` has 3 parts; write PORT, LBPORT:CONTAINERPORT or PROTO:LBPORT:PROTO:CONTAINERPORT[:CERTIFICATE-ARN]"
        )),
    }
}

impl fmt::Display for PortSyntax {
    /// The shortest string that parses back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.protocols {
            Some((listener, target)) => {
                write!(
                    f,
                    "{}:{}:{}:{}",
                    listener.as_str().to_ascii_lowercase(),
                    self.listener_port,
                    target.as_str().to_ascii_lowercase(),
                    self.container_port
                )?;
                if let Some(certificate) = &self.certificate {
                    write!(f, ":{certificate}")?;
                }
                Ok(())
            }
            None if self.listener_port == self.container_port => {
                write!(f, "{}", self.listener_port)
            }
            None => write!(f, "{}:{}", self.listener_port, self.container_port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms() {
        assert_eq!(
            parse_port("80").map(|p| (p.listener_port.get(), p.container_port.get())),
            Ok((80, 80))
        );
        assert_eq!(
            parse_port("8080:80").map(|p| (p.listener_port.get(), p.container_port.get())),
            Ok((8080, 80))
        );
        let full =
            parse_port("https:443:http:80:arn:aws:acm:eu-west-1:123456789012:certificate/abc")
                .expect("valid");
        assert_eq!(full.protocols, Some((Protocol::Https, Protocol::Http)));
        assert_eq!(
            full.certificate.as_deref(),
            Some("arn:aws:acm:eu-west-1:123456789012:certificate/abc")
        );
    }

    #[test]
    fn explains_what_is_wrong() {
        assert!(parse_port("70000").unwrap_err().contains("outside 1–65535"));
        assert!(parse_port("0").unwrap_err().contains("outside"));
        assert!(parse_port("http:80:80").unwrap_err().contains("3 parts"));
        assert!(
            parse_port("ftp:21:tcp:21")
                .unwrap_err()
                .contains("unknown protocol")
        );
        assert!(parse_port("web").unwrap_err().contains("not a number"));
    }
}
