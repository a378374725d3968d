//! The AWS Load Balancer Controller's `auth-*` annotations (docs/guide/ingress/annotations.md,
//! Authentication), on an Ingress or on a backend Service, read as the controller reads them
//! (pkg/ingress/auth_config_builder.go, config_types.go) and checked here: what reaches a
//! listener rule's authenticate action is known to be well formed.

use super::reader::Sink;
use crate::arn::parse_arn;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::input::rules::is_dns_subdomain;
use crate::model::ingress::{
    CognitoProvider, MAX_AUTH_EXTRA_PARAMS, MAX_AUTH_SESSION_TIMEOUT, OidcProvider, Unauthenticated,
};
use crate::model::intent::balancing::{AuthenticationKind, AuthenticationSettings, Written};
use crate::source::Span;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Longest URL, scope, cookie name or extra parameter i2kit passes on: ALB documents none,
/// and a bound keeps hostile input out of the template.
const MAX_TEXT: usize = 2048;

/// The keys of `auth-idp-oidc` and `auth-idp-cognito` (config_types.go).
const OIDC_KEYS: [&str; 6] = [
    "issuer",
    "authorizationEndpoint",
    "tokenEndpoint",
    "userInfoEndpoint",
    "secretName",
    "authenticationRequestExtraParams",
];
const COGNITO_KEYS: [&str; 4] = [
    "userPoolARN",
    "userPoolClientID",
    "userPoolDomain",
    "authenticationRequestExtraParams",
];

/// Reads `setting` (the annotation's name after the prefix) into `settings`; `false` when it
/// is not an authentication setting.
pub fn read_authentication_setting(
    setting: &str,
    key: &str,
    value: &str,
    span: Span,
    settings: &mut AuthenticationSettings,
    sink: &mut Sink,
) -> bool {
    let invalid = |expected: &str| {
        Diagnostic::error(
            Code::InvalidValue,
            Some(span),
            format!("annotation `{key}` cannot be `{value}`: expected {expected}"),
        )
    };
    match setting {
        "auth-type" => {
            let kind = match value {
                "none" => Some(AuthenticationKind::None),
                "oidc" => Some(AuthenticationKind::Oidc),
                "cognito" => Some(AuthenticationKind::Cognito),
                _ => None,
            };
            match kind {
                Some(kind) => settings.kind = Some(Written { value: kind, span }),
                None => sink.push(with_suggestion(
                    invalid("none, oidc or cognito"),
                    value,
                    &["none", "oidc", "cognito"],
                )),
            }
        }
        "auth-idp-oidc" => match read_json(value).and_then(|object| oidc_provider(&object)) {
            Ok(provider) => {
                settings.oidc = Some(Written {
                    value: provider,
                    span,
                })
            }
            Err(why) => sink.push(idp_error(key, span, &why, OIDC_HELP)),
        },
        "auth-idp-cognito" => match read_json(value).and_then(|object| cognito_provider(&object)) {
            Ok(provider) => {
                settings.cognito = Some(Written {
                    value: provider,
                    span,
                })
            }
            Err(why) => sink.push(idp_error(key, span, &why, COGNITO_HELP)),
        },
        "auth-scope" => {
            if check_scope(value) {
                settings.scope = Some(Written {
                    value: value.to_string(),
                    span,
                });
            } else {
                sink.push(invalid(
                    "OAuth scopes separated by single spaces, e.g. `openid email`",
                ));
            }
        }
        "auth-session-cookie" => {
            if is_cookie_name(value) {
                settings.session_cookie = Some(Written {
                    value: value.to_string(),
                    span,
                });
            } else {
                sink.push(invalid(
                    "a cookie name: letters, digits and !#$%&'*+-.^_`|~",
                ));
            }
        }
        "auth-session-timeout" => match value
            .parse::<u32>()
            .ok()
            .filter(|seconds| (1..=MAX_AUTH_SESSION_TIMEOUT).contains(seconds))
        {
            Some(seconds) => {
                settings.session_timeout = Some(Written {
                    value: seconds,
                    span,
                })
            }
            None => sink.push(invalid(&format!(
                "a whole number of seconds from 1 to {MAX_AUTH_SESSION_TIMEOUT} (seven days)"
            ))),
        },
        "auth-on-unauthenticated-request" => {
            let choice = match value {
                "authenticate" => Some(Unauthenticated::Authenticate),
                "deny" => Some(Unauthenticated::Deny),
                "allow" => Some(Unauthenticated::Allow),
                _ => None,
            };
            match choice {
                Some(choice) => {
                    settings.on_unauthenticated = Some(Written {
                        value: choice,
                        span,
                    })
                }
                None => sink.push(with_suggestion(
                    invalid("authenticate, deny or allow"),
                    value,
                    &["authenticate", "deny", "allow"],
                )),
            }
        }
        _ => return false,
    }
    true
}

const OIDC_HELP: &str = r#"write a JSON object such as '{"issuer":"https://idp.example.com","authorizationEndpoint":"https://idp.example.com/authorize","tokenEndpoint":"https://idp.example.com/token","userInfoEndpoint":"https://idp.example.com/userinfo","secretName":"my-oidc-client"}'; the template asks for the client id and secret of `secretName` as parameters (see README, Ingress)"#;
const COGNITO_HELP: &str = r#"write a JSON object such as '{"userPoolARN":"arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID","userPoolClientID":"CLIENT_ID","userPoolDomain":"DOMAIN_PREFIX"}'"#;

fn with_suggestion(problem: Diagnostic, value: &str, choices: &[&str]) -> Diagnostic {
    match did_you_mean(value, choices.iter().copied()) {
        Some(suggestion) => problem.with_help(format!("did you mean `{suggestion}`?")),
        None => problem,
    }
}

fn idp_error(key: &str, span: Span, why: &str, help: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidValue,
        Some(span),
        format!("annotation `{key}` cannot be read: {why}"),
    )
    .with_help(help)
}

fn read_json(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err("it is not a JSON object".to_string()),
        Err(error) => Err(format!("it is not JSON ({error})")),
    }
}

/// Every key is one the controller reads: it ignores others, so a misspelt
/// `authenticationRequestExtraParams` would be dropped without a word.
fn check_keys(object: &Map<String, Value>, known: &[&str]) -> Result<(), String> {
    for key in object.keys() {
        if !known.contains(&key.as_str()) {
            let mut why = format!("`{key}` is not one of {}", known.join(", "));
            if let Some(suggestion) = did_you_mean(key, known.iter().copied()) {
                why.push_str(&format!(" (did you mean `{suggestion}`?)"));
            }
            return Err(why);
        }
    }
    Ok(())
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    match object.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text),
        Some(Value::String(_)) | None => Err(format!("`{key}` is missing")),
        Some(_) => Err(format!("`{key}` is not a string")),
    }
}

/// An endpoint: ALB requires "a full URL, including the HTTPS protocol".
fn https_url(object: &Map<String, Value>, key: &str) -> Result<String, String> {
    let url = text(object, key)?;
    if is_https_url(url) {
        Ok(url.to_string())
    } else {
        Err(format!(
            "`{key}` is `{url}`, not an https:// URL with a host"
        ))
    }
}

/// `https://HOST[:PORT][/PATH]`, printable ASCII without spaces or quotes.
#[must_use]
pub fn is_https_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once(':')
        .filter(|(_, port)| port.parse::<u16>().is_ok_and(|port| port > 0))
        .map_or(authority, |(host, _)| host);
    url.len() <= MAX_TEXT
        && !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && url
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\' | b'<' | b'>'))
}

fn extra_params(object: &Map<String, Value>) -> Result<BTreeMap<String, String>, String> {
    const KEY: &str = "authenticationRequestExtraParams";
    let Some(found) = object.get(KEY) else {
        return Ok(BTreeMap::new());
    };
    let Value::Object(params) = found else {
        return Err(format!("`{KEY}` is not an object of strings"));
    };
    if params.len() > MAX_AUTH_EXTRA_PARAMS {
        return Err(format!(
            "`{KEY}` has {} entries; ALB sends at most {MAX_AUTH_EXTRA_PARAMS}",
            params.len()
        ));
    }
    let mut read = BTreeMap::new();
    for (name, value) in params {
        let Value::String(value) = value else {
            return Err(format!("`{KEY}.{name}` is not a string"));
        };
        let printable =
            |text: &str| text.len() <= MAX_TEXT && text.chars().all(|c| !c.is_control());
        if name.is_empty() || !printable(name) || !printable(value) {
            return Err(format!(
                "`{KEY}.{name}` is empty, too long or has control characters"
            ));
        }
        read.insert(name.clone(), value.clone());
    }
    Ok(read)
}

fn oidc_provider(object: &Map<String, Value>) -> Result<OidcProvider, String> {
    check_keys(object, &OIDC_KEYS)?;
    let secret = text(object, "secretName")?;
    if !is_dns_subdomain(secret) {
        return Err(format!(
            "`secretName` is `{secret}`, not a Kubernetes object name"
        ));
    }
    Ok(OidcProvider {
        issuer: https_url(object, "issuer")?,
        authorization_endpoint: https_url(object, "authorizationEndpoint")?,
        token_endpoint: https_url(object, "tokenEndpoint")?,
        user_info_endpoint: https_url(object, "userInfoEndpoint")?,
        client_secret_name: secret.to_string(),
        extra_params: extra_params(object)?,
    })
}

fn cognito_provider(object: &Map<String, Value>) -> Result<CognitoProvider, String> {
    check_keys(object, &COGNITO_KEYS)?;
    let arn = text(object, "userPoolARN")?;
    if !is_user_pool_arn(arn) {
        return Err(format!(
            "`userPoolARN` is `{arn}`, not a user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID)"
        ));
    }
    // Cognito's own patterns: client ids `[\w+]+`, at most 128; domains are DNS names.
    let client = text(object, "userPoolClientID")?;
    if client.len() > 128
        || !client
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+')
    {
        return Err(format!(
            "`userPoolClientID` is `{client}`, not an app client id (letters, digits, '_' and '+')"
        ));
    }
    let domain = text(object, "userPoolDomain")?;
    if !is_dns_subdomain(domain) {
        return Err(format!(
            "`userPoolDomain` is `{domain}`, not a domain prefix such as `my-app-login`"
        ));
    }
    Ok(CognitoProvider {
        user_pool_arn: arn.to_string(),
        user_pool_client_id: client.to_string(),
        user_pool_domain: domain.to_string(),
        extra_params: extra_params(object)?,
    })
}

/// `arn:PARTITION:cognito-idp:REGION:ACCOUNT:userpool/REGION_ID`.
#[must_use]
pub fn is_user_pool_arn(arn: &str) -> bool {
    let Some(arn) = parse_arn(arn) else {
        return false;
    };
    arn.service == "cognito-idp"
        && !arn.region.is_empty()
        && arn.resource.strip_prefix("userpool/").is_some_and(|id| {
            !id.is_empty()
                && id.len() <= 55
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

/// Scopes (RFC 6749 3.3): tokens of printable ASCII but `"` and `\`, one space apart.
fn check_scope(scope: &str) -> bool {
    scope.len() <= MAX_TEXT
        && scope.split(' ').all(|token| {
            !token.is_empty()
                && token
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        })
}

/// A cookie name is an HTTP token (RFC 6265, RFC 7230).
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_urls_with_a_host() {
        assert!(is_https_url("https://login.example.com"));
        assert!(is_https_url(
            "https://login.example.com:8443/oauth2/token?x=1"
        ));
        assert!(!is_https_url("http://login.example.com"));
        assert!(!is_https_url("https://"));
        assert!(!is_https_url("https:///token"));
        assert!(!is_https_url("https://a b.example.com"));
        assert!(!is_https_url("https://x.example.com/\"quoted"));
    }

    #[test]
    fn user_pool_arns() {
        assert!(is_user_pool_arn(
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEfGhI"
        ));
        assert!(!is_user_pool_arn(
            "arn:aws:cognito-idp:us-east-1:123456789012:pool/x"
        ));
        assert!(!is_user_pool_arn(
            "arn:aws:cognito-idp:us-east-1:1234:userpool/x"
        ));
        assert!(!is_user_pool_arn("my-pool"));
    }

    #[test]
    fn identity_providers_refuse_unknown_keys_and_plain_http() {
        let oidc = read_json(
            r#"{"issuer":"https://i.example.com","authorizationEndpoint":"https://i.example.com/a","tokenEndpoint":"https://i.example.com/t","userInfoEndpoint":"https://i.example.com/u","secretName":"client","authenticationRequestExtraParams":{"prompt":"login"}}"#,
        )
        .and_then(|object| oidc_provider(&object));
        let provider = oidc.expect("a valid provider");
        assert_eq!(provider.client_secret_name, "client");
        assert_eq!(
            provider.extra_params.get("prompt").map(String::as_str),
            Some("login")
        );
        let misspelt = read_json(r#"{"issuer":"https://i.example.com","secretname":"x"}"#)
            .and_then(|object| oidc_provider(&object));
        assert!(misspelt.is_err_and(|why| why.contains("did you mean `secretName`")));
        let plain = read_json(
            r#"{"issuer":"http://i.example.com","authorizationEndpoint":"https://i.example.com/a","tokenEndpoint":"https://i.example.com/t","userInfoEndpoint":"https://i.example.com/u","secretName":"client"}"#,
        )
        .and_then(|object| oidc_provider(&object));
        assert!(plain.is_err_and(|why| why.contains("`issuer`")));
    }

    #[test]
    fn scopes_and_cookies() {
        assert!(check_scope("openid"));
        assert!(check_scope("openid email profile"));
        assert!(!check_scope("openid  email"));
        assert!(!check_scope(""));
        assert!(is_cookie_name("AWSELBAuthSessionCookie"));
        assert!(!is_cookie_name("my cookie"));
        assert!(!is_cookie_name("a=b"));
    }
}
