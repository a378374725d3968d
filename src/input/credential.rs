//! Values that look like credentials, found where the input would bake them into a VM image in
//! clear: ConfigMap entries, container variables and arguments. A `Secret` is refused outright
//! (`kubernetes::secret`); these are only suspected, so they are warnings (errors with
//! `--strict`) that name where the value is and what it looks like, never the value.
//!
//! The rules are the low-noise ones of two scanners CI pipelines run:
//! - by shape, wherever the value is: PEM private key blocks (gitleaks `private-key`,
//!   detect-secrets `PrivateKeyDetector`); AWS access key ids `AKIA`/`ASIA`/`ABIA`/`ACCA` and 16
//!   more (gitleaks `aws-access-token`, detect-secrets `AWSKeyDetector`); URLs carrying a
//!   password (detect-secrets `BasicAuthDetector`); GitHub, GitLab, Slack and Stripe tokens by
//!   their prefixes (gitleaks `github-pat`/`github-oauth`/`github-app-token`/
//!   `github-fine-grained-pat`, `gitlab-pat`, `slack-*-token`, `stripe-access-token`);
//! - by name (a variable, a ConfigMap key, a `key=value` or `key: value` line of a ConfigMap
//!   file, a `--flag=value` argument): the words of detect-secrets `KeywordDetector`
//!   (password, passwd, pwd, passphrase, secret, token, credential, api key, private key), and
//!   a name ending in `KEY` when the value looks random (gitleaks `generic-api-key`: there an
//!   entropy of 3.5 bits, here at least 16 characters, 10 distinct, letters and digits, no
//!   space), or when `KEY` follows `API`, `ACCESS`, `AUTH`, `CLIENT`, `ENCRYPTION`, `SIGNING`,
//!   `MASTER`, `SESSION` or `HMAC`; with `AWS` in the name, a 40-character base64 value (an
//!   AWS secret access key).
//!
//! Not credentials: an empty value, one made only of references (`$(VAR)`, `${VAR}`, `{{ }}`),
//! `true`/`false` and the like, a path or a URL without a password, and a name whose last word
//! says it points at one or describes one (`PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`,
//! `SECRET_ARN`, `TOKEN_TTL`, `PUBLIC_KEY`…): that is how a value fetched at boot is named.
//!
//! A line its author marked `# pragma: allowlist secret` or `# gitleaks:allow` (the markers
//! detect-secrets and gitleaks honour) is not reported: the value was reviewed already.

use crate::diagnostic::{Code, Diagnostic};
use crate::input::kubernetes::secret::SECRETS_IN_IMAGES;
use crate::source::{Sources, Span};

/// Words that name a credential wherever they are in a name.
const CREDENTIAL_WORDS: [&str; 11] = [
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
    "CREDENTIALS",
    "APIKEY",
    "PRIVATEKEY",
];

/// Words before a final `KEY` that make it a credential whatever the value looks like.
const KEY_QUALIFIERS: [&str; 10] = [
    "API",
    "ACCESS",
    "PRIVATE",
    "AUTH",
    "CLIENT",
    "ENCRYPTION",
    "SIGNING",
    "MASTER",
    "SESSION",
    "HMAC",
];

/// Last words of a name that point at a credential or describe one, rather than hold it.
const POINTER_WORDS: [&str; 48] = [
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "DIRECTORY",
    "LOCATION",
    "MOUNT",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "NAME",
    "ID",
    "ARN",
    "REF",
    "PARAMETER",
    "PARAM",
    "REGION",
    "PROVIDER",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "TIMEOUT",
    "INTERVAL",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "SIZE",
    "COUNT",
    "LIMIT",
    "POLICY",
    "TYPE",
    "KIND",
    "HEADER",
    "FORMAT",
    "ALGORITHM",
    "ENABLED",
    "REQUIRED",
    "VERSION",
    "MODE",
];

/// Values that are settings, not secrets, whatever the name.
const FLAG_VALUES: [&str; 8] = ["true", "false", "yes", "no", "on", "off", "none", "null"];

/// Tokens recognised by their prefix: the prefix, what follows it (at least so many of the
/// characters `allowed` accepts), and what it is.
struct PrefixedToken {
    prefixes: &'static [&'static str],
    allowed: fn(char) -> bool,
    min_rest: usize,
    /// Exactly `min_rest` characters, then no letter or digit (an AWS key id is 20 long).
    exact: bool,
    what: &'static str,
}

fn upper_or_digit(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn alphanumeric(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn token_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

const PREFIXED_TOKENS: [PrefixedToken; 6] = [
    PrefixedToken {
        prefixes: &["AKIA", "ASIA", "ABIA", "ACCA"],
        allowed: upper_or_digit,
        min_rest: 16,
        exact: true,
        what: "an AWS access key id",
    },
    PrefixedToken {
        prefixes: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        allowed: alphanumeric,
        min_rest: 36,
        exact: false,
        what: "a GitHub token",
    },
    PrefixedToken {
        prefixes: &["github_pat_"],
        allowed: token_character,
        min_rest: 82,
        exact: false,
        what: "a GitHub token",
    },
    PrefixedToken {
        prefixes: &["glpat-"],
        allowed: token_character,
        min_rest: 20,
        exact: false,
        what: "a GitLab token",
    },
    PrefixedToken {
        prefixes: &["xoxa-", "xoxb-", "xoxo-", "xoxp-", "xoxr-", "xoxs-"],
        allowed: token_character,
        min_rest: 10,
        exact: false,
        what: "a Slack token",
    },
    PrefixedToken {
        prefixes: &["sk_live_", "rk_live_"],
        allowed: alphanumeric,
        min_rest: 24,
        exact: false,
        what: "a Stripe secret key",
    },
];

/// What a variable `name` set to `value` looks like, if a credential.
#[must_use]
pub fn in_variable(name: &str, value: &str) -> Option<&'static str> {
    if !holds_literal_text(value) {
        return None;
    }
    by_shape(value).or_else(|| by_name(name, value))
}

/// What the text of ConfigMap entry `key` looks like, if a credential: the entry by its key
/// and shape, else the first `key=value` or `key: value` line of it that does, with that key.
#[must_use]
pub fn in_file(key: &str, text: &str) -> Option<(&'static str, Option<String>)> {
    // One line is a value, as a variable's; more are a file, judged by what it holds, not by
    // its name (`token-refresh.sh` holds no token).
    if !text.trim_end().contains('\n') {
        return in_variable(key, text.trim_end()).map(|what| (what, None));
    }
    if let Some(what) = by_shape(text) {
        return Some((what, None));
    }
    text.lines().find_map(|line| {
        let (setting, value) = setting_of(line)?;
        let value = unquote(value.trim());
        by_name(setting, value)
            .filter(|_| holds_literal_text(value))
            .map(|what| (what, Some(setting.to_string())))
    })
}

/// What command-line argument `argument` looks like, if a credential: by its shape, or a
/// `--name=value` (or Java's `-Dname=value`) by its name.
#[must_use]
pub fn in_argument(argument: &str) -> Option<&'static str> {
    if let Some(what) = by_shape(argument) {
        return Some(what);
    }
    let flag = argument.strip_prefix('-')?;
    let (name, value) = flag.split_once('=')?;
    let name = name.trim_start_matches('-');
    let name = if flag.starts_with('D') && !argument.starts_with("--") {
        &name[1..]
    } else {
        name
    };
    in_variable(name, value)
}

/// The warning for `subject` (where the value is, e.g. "variable `DB_PASSWORD` of container
/// `app`"), which looks like `what`; at `span`, whose source line is not shown.
#[must_use]
pub fn credential_in_clear(subject: &str, what: &str, span: Option<Span>) -> Diagnostic {
    Diagnostic::warning(
        Code::CredentialInClear,
        span,
        format!("{subject} looks like a credential ({what}) and is baked into the VM image in clear: {SECRETS_IN_IMAGES}"),
    )
    .with_help("take the value out of the input and have the container fetch it when it starts, from AWS Secrets Manager or SSM Parameter Store with the VM's instance role, as for a Secret; a name that only points at one (`PASSWORD_FILE`, `SECRET_ARN`) is not taken for a credential; a value reviewed and found harmless: end its line with `# pragma: allowlist secret` or `# gitleaks:allow`, as for detect-secrets and gitleaks")
}

/// The inline markers the two scanners honour for a value someone reviewed and found to be no
/// credential: detect-secrets' `pragma: allowlist secret` and gitleaks' `gitleaks:allow`.
const ALLOWLIST_MARKERS: [&str; 2] = ["pragma: allowlist secret", "gitleaks:allow"];

/// Whether `line` carries one of [`ALLOWLIST_MARKERS`] in a `#` comment, as both scanners
/// take them: a line teams already marked for their pre-commit scanner is not reported again.
#[must_use]
pub fn allowlisted_line(line: &str) -> bool {
    line.split_once('#').is_some_and(|(_, comment)| {
        ALLOWLIST_MARKERS
            .iter()
            .any(|marker| comment.contains(marker))
    })
}

/// Whether `diagnostic` is a suspected credential on a line its author marked as reviewed.
#[must_use]
pub fn allowlisted(diagnostic: &Diagnostic, sources: &Sources) -> bool {
    diagnostic.code == Code::CredentialInClear
        && diagnostic
            .span
            .and_then(|span| sources.file(span.file)?.line_text(span.start.line))
            .is_some_and(allowlisted_line)
}

/// A line `key=value`, `key: value` or `key = value` of a configuration file.
fn setting_of(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_start();
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .unwrap_or(line.len());
    let (key, rest) = line.split_at(end);
    let rest = rest.trim_start();
    let value = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
    (!key.is_empty()).then_some((key, value))
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// Whether `value` holds text of its own: not empty, not only references to other values, not
/// a flag, not a path or a URL without a password.
fn holds_literal_text(value: &str) -> bool {
    let rest = without_references(value);
    let rest = rest.trim();
    if rest.is_empty() || FLAG_VALUES.contains(&rest.to_ascii_lowercase().as_str()) {
        return false;
    }
    let points_somewhere = rest.starts_with('/')
        || rest.starts_with("./")
        || rest.starts_with("~/")
        || (rest.contains("://") && url_password(rest).is_none());
    !points_somewhere || by_shape(rest).is_some()
}

/// `value` without `$(VAR)`, `${VAR}` and `{{ … }}` references, in one pass: an opening
/// without its close ends the removal there (nothing later can close it either).
fn without_references(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        let close = [("$(", ")"), ("${", "}"), ("{{", "}}")]
            .iter()
            .find(|(open, _)| rest.starts_with(open))
            .map(|(open, close)| (open.len(), *close));
        if let Some((open, close)) = close {
            match rest[open..].find(close) {
                Some(end) => {
                    rest = &rest[open + end + close.len()..];
                    continue;
                }
                None => {
                    out.push_str(rest);
                    break;
                }
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// What `value` looks like by its shape alone, wherever in it.
fn by_shape(value: &str) -> Option<&'static str> {
    if has_private_key_block(value) {
        return Some("a private key");
    }
    if url_password(value).is_some() {
        return Some("a URL with a password");
    }
    PREFIXED_TOKENS
        .iter()
        .find(|token| has_prefixed_token(value, token))
        .map(|token| token.what)
}

/// `-----BEGIN … PRIVATE KEY-----` (or `PRIVATE KEY BLOCK`, PGP's).
fn has_private_key_block(value: &str) -> bool {
    const BEGIN: &str = "-----BEGIN ";
    value.match_indices(BEGIN).any(|(at, _)| {
        let label = &value[at + BEGIN.len()..];
        label
            .find("-----")
            .map(|end| &label[..end])
            .is_some_and(|label| {
                label.len() <= 100
                    && (label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK"))
            })
    })
}

/// The password of the first `scheme://user:password@host` in `value`, if it has one that is
/// not a reference.
fn url_password(value: &str) -> Option<&str> {
    value.match_indices("://").find_map(|(at, _)| {
        let authority = &value[at + 3..];
        let end = authority
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(authority.len());
        let (userinfo, _) = authority[..end].rsplit_once('@')?;
        let (_, password) = userinfo.split_once(':')?;
        (!password.is_empty() && holds_literal_text_plain(password)).then_some(password)
    })
}

/// [`holds_literal_text`] without the URL case (a password inside a URL is no URL).
fn holds_literal_text_plain(value: &str) -> bool {
    !without_references(value).trim().is_empty()
}

fn has_prefixed_token(value: &str, token: &PrefixedToken) -> bool {
    token.prefixes.iter().any(|prefix| {
        value.match_indices(prefix).any(|(at, _)| {
            let before = value[..at].chars().next_back();
            let rest = &value[at + prefix.len()..];
            // Counted no further than needed, so a megabyte of `AKIAAKIA…` stays linear.
            let length = rest
                .chars()
                .take_while(|c| (token.allowed)(*c))
                .take(token.min_rest + 1)
                .count();
            let after = rest.chars().nth(length);
            before.is_none_or(|c| !c.is_ascii_alphanumeric())
                && length >= token.min_rest
                && (!token.exact
                    || length == token.min_rest && after.is_none_or(|c| !c.is_ascii_alphanumeric()))
        })
    })
}

/// What a setting called `name` holding `value` is, by its name.
fn by_name(name: &str, value: &str) -> Option<&'static str> {
    let words = words_of(name);
    let last = words.last()?;
    if POINTER_WORDS.contains(&last.as_str()) {
        return None;
    }
    if words
        .iter()
        .any(|word| CREDENTIAL_WORDS.contains(&word.as_str()))
    {
        return Some("its name says so");
    }
    let aws = words.iter().any(|word| word == "AWS");
    if aws && is_aws_secret_key(value.trim()) {
        return Some("an AWS secret access key");
    }
    if last == "KEY" {
        let before = words
            .len()
            .checked_sub(2)
            .and_then(|index| words.get(index));
        if before.is_some_and(|word| word == "PUBLIC") {
            return None;
        }
        if before.is_some_and(|word| KEY_QUALIFIERS.contains(&word.as_str()))
            || looks_random(value.trim())
        {
            return Some("a key, by its name and value");
        }
    }
    None
}

/// The words of a name, upper-case: split at anything not a letter or digit, and where a
/// lower-case letter meets an upper-case one (`dbPassword`).
fn words_of(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// 40 characters of base64 with letters and digits: the shape of an AWS secret access key.
fn is_aws_secret_key(value: &str) -> bool {
    value.len() == 40
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '+')
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic())
}

/// A value a generator made rather than a person: long, varied, letters and digits, no space.
fn looks_random(value: &str) -> bool {
    let mut distinct: Vec<char> = value.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    value.chars().count() >= 16
        && distinct.len() >= 10
        && !value.chars().any(char::is_whitespace)
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_a_marker_in_a_comment_allowlists_a_line() {
        assert!(allowlisted_line(
            "  - {name: API_TOKEN, value: abc} # pragma: allowlist secret"
        ));
        assert!(allowlisted_line("token=abc123 #gitleaks:allow"));
        // In the value, not a comment: the scanners would still report it.
        assert!(!allowlisted_line("  value: gitleaks:allow-me"));
        assert!(!allowlisted_line("  value: x # a comment without a marker"));
        assert!(!allowlisted_line(""));
    }

    use super::*;

    #[test]
    fn names_that_hold_credentials() {
        for (name, value) in [
            ("DB_PASSWORD", "hunter2"),
            ("MYSQL_ROOT_PASSWORD", "changeme"),
            ("dbPassword", "x"),
            ("db.password", "x"),
            ("JWT_SECRET", "abc"),
            ("SECRET_KEY_BASE", "0123"),
            ("GITHUB_TOKEN", "abc"),
            ("AWS_SECRET_ACCESS_KEY", "abc"),
            ("API_KEY", "abc"),
            ("STRIPE_KEY", "k3yK3yK3yabcdefghij0123"),
            ("DB_PWD", "hunter2"),
            ("PASSWORD", "$(PREFIX)-hunter2"),
            ("AWS_KEY_VALUE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ] {
            assert!(in_variable(name, value).is_some(), "{name}={value}");
        }
    }

    #[test]
    fn names_that_point_at_credentials_or_hold_none() {
        for (name, value) in [
            ("PASSWORD_FILE", "/run/secrets/db"),
            ("TOKEN_URL", "https://auth.example.com/token"),
            ("SECRET_NAME", "prod/db"),
            ("SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:db"),
            ("TOKEN_TTL", "3600"),
            ("PUBLIC_KEY", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"),
            ("SORT_KEY", "name"),
            ("PARTITION_KEY", "tenant"),
            ("DB_PASSWORD", ""),
            ("DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)"),
            ("DB_PASSWORD", "${DB_PASSWORD}"),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"),
            ("PASSWORDLESS", "true"),
            ("TOKENIZER", "bert"),
            ("KEYCLOAK_REALM", "shop"),
            ("PWD", "/app"),
            ("LOG_LEVEL", "debug"),
            ("DATABASE_URL", "postgres://db.internal:5432/shop"),
            ("DATABASE_URL", "postgres://app:$(DB_PASSWORD)@db:5432/shop"),
            ("AWS_REGION", "eu-west-1"),
        ] {
            assert_eq!(in_variable(name, value), None, "{name}={value}");
        }
    }

    #[test]
    fn shapes_anywhere() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(in_variable("tls.pem", pem), Some("a private key"));
        assert_eq!(
            in_variable("OPENSSH", "-----BEGIN OPENSSH PRIVATE KEY-----"),
            Some("a private key")
        );
        assert_eq!(
            in_variable("CERT", "-----BEGIN CERTIFICATE-----\nMIIB\n"),
            None
        );
        assert_eq!(
            in_variable("ID", "AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(
            in_variable("X", "key=ASIAIOSFODNN7EXAMPLE;"),
            Some("an AWS access key id")
        );
        assert_eq!(in_variable("X", "AKIAIOSFODNN7EXAMPLEXX"), None);
        assert_eq!(in_variable("X", "MAKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(
            in_variable("DATABASE_URL", "postgres://app:hunter2@db:5432/shop"),
            Some("a URL with a password")
        );
        assert_eq!(
            in_variable("X", &["ghp_", &"a1".repeat(18)].concat()),
            Some("a GitHub token")
        );
        assert_eq!(
            in_variable("X", "xoxb-123456789012-abcdef"),
            Some("a Slack token")
        );
    }

    #[test]
    fn files_by_their_settings() {
        let properties = "server.port=8080\nspring.datasource.password = 'hunter2'\n";
        assert_eq!(
            in_file("application.properties", properties),
            Some((
                "its name says so",
                Some("spring.datasource.password".to_string())
            ))
        );
        let yaml = "database:\n  password: ${DB_PASSWORD}\n  passwordFile: /run/secrets/db\n";
        assert_eq!(in_file("config.yaml", yaml), None);
        assert_eq!(in_file("nginx.conf", "server { listen 80; }\n"), None);
        assert_eq!(
            in_file("token-refresh.sh", "#!/bin/sh\ncurl -s \"$URL\"\n"),
            None
        );
        assert_eq!(
            in_file("credentials", "[default]\naws_secret_access_key = abc\n"),
            Some((
                "its name says so",
                Some("aws_secret_access_key".to_string())
            ))
        );
        assert_eq!(
            in_file("password.txt", "hunter2\n"),
            Some(("its name says so", None))
        );
    }

    #[test]
    fn arguments_by_flag() {
        assert_eq!(
            in_argument("--db-password=hunter2"),
            Some("its name says so")
        );
        assert_eq!(
            in_argument("-Dspring.datasource.password=hunter2"),
            Some("its name says so")
        );
        assert_eq!(in_argument("--password-file=/run/secrets/db"), None);
        assert_eq!(in_argument("--port=8080"), None);
        assert_eq!(in_argument("nginx"), None);
        assert_eq!(
            in_argument("postgres://app:hunter2@db/shop"),
            Some("a URL with a password")
        );
    }
}
