//! The `nginx.ingress.kubernetes.io/` annotations that have an application load balancer
//! equivalent, read as ingress-nginx reads them. Whether they apply depends on the Ingress's
//! class, which the routing passes decide; every other ingress-nginx annotation is reported by
//! `alb_annotations` as not applied (and those that restrict access by `restriction`).

use super::reader::Sink;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::Protocol;
use crate::model::ingress::ProtocolVersion;
use crate::model::intent::balancing::Written;
use crate::model::intent::ingress::NginxSettings;
use crate::source::Span;

pub const NGINX_PREFIX: &str = "nginx.ingress.kubernetes.io/";

/// The backend protocols ingress-nginx knows that an application load balancer can speak.
const BACKEND_PROTOCOLS: [&str; 4] = ["HTTP", "HTTPS", "GRPC", "GRPCS"];

/// Reads `key` into `settings` when it is one of the mapped annotations; `false` otherwise.
pub fn read_nginx_annotation(
    key: &str,
    value: &str,
    span: Span,
    settings: &mut NginxSettings,
    sink: &mut Sink,
) -> bool {
    let Some(setting) = key.strip_prefix(NGINX_PREFIX) else {
        return false;
    };
    match setting {
        "ssl-redirect" => settings.ssl_redirect = boolean(key, value, span, sink),
        "force-ssl-redirect" => settings.force_ssl_redirect = boolean(key, value, span, sink),
        "backend-protocol" => {
            // ingress-nginx upper-cases the value before matching it.
            let upper = value.trim().to_ascii_uppercase();
            let chosen = match upper.as_str() {
                "HTTP" => Some((Protocol::Http, ProtocolVersion::Http1)),
                "HTTPS" => Some((Protocol::Https, ProtocolVersion::Http1)),
                "GRPC" => Some((Protocol::Http, ProtocolVersion::Grpc)),
                "GRPCS" => Some((Protocol::Https, ProtocolVersion::Grpc)),
                _ => None,
            };
            match chosen {
                Some(value) => settings.backend_protocol = Some(Written { value, span }),
                None => {
                    let mut problem = Diagnostic::error(
                        Code::InvalidValue,
                        Some(span),
                        format!(
                            "annotation `{key}` cannot be `{value}` on an application load balancer: expected {}",
                            BACKEND_PROTOCOLS.join(", ")
                        ),
                    );
                    problem = match did_you_mean(&upper, BACKEND_PROTOCOLS) {
                        Some(suggestion) => problem.with_help(format!("did you mean `{suggestion}`?")),
                        None => problem.with_help("an application load balancer talks HTTP, HTTPS or gRPC to its targets (AUTO_HTTP and FCGI have no equivalent)"),
                    };
                    sink.push(problem);
                }
            }
        }
        _ => return false,
    }
    true
}

/// A boolean as ingress-nginx parses it (Go's strconv.ParseBool).
fn boolean(key: &str, value: &str, span: Span, sink: &mut Sink) -> Option<Written<bool>> {
    let parsed = match value.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => true,
        "0" | "f" | "F" | "false" | "FALSE" | "False" => false,
        _ => {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                Some(span),
                format!("annotation `{key}` cannot be `{value}`: expected \"true\" or \"false\""),
            ));
            return None;
        }
    };
    Some(Written {
        value: parsed,
        span,
    })
}
