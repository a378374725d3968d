//! Restrictions that i2kit cannot enforce yet: on who may reach an application (prefix lists and
//! other controllers' address lists, security groups of the author's own, authentication, web
//! firewalls and rate limits, request conditions, and policies attached by reference to objects
//! i2kit cannot see), and on what a container may do (seccomp, AppArmor and SELinux, which
//! `pod::confinement` reports with its own code). (NetworkPolicy ingress and egress are compiled, `crate::infer::network_policy`
//! and `crate::infer::egress_policy`; what they cannot express is an error no waiver lifts.)
//!
//! Compiled without them, the application would be open to more than the manifest says, so
//! each is an error at its line (I2K047) with help saying how to proceed. `--allow-unenforced
//! KIND` turns the errors of one kind, named, into warnings that still say the restriction is
//! not enforced: an author who accepts that must say so for each kind, and a kind accepted for
//! one object does not let a restriction of another kind through later.
//!
//! What i2kit enforces is not here: source ranges (`loadBalancerSourceRanges`,
//! `load-balancer-source-ranges`, `inbound-cidrs`), which their reader (`source_ranges`) turns
//! into the load balancer's only ingress ranges; and the controller's `auth-*`,
//! `wafv2-acl-arn`, `waf-acl-id` and `shield-advanced-protection`, which the Ingress readers
//! compile (or refuse with their own errors).
//!
//! A setting whose value restricts nothing (`auth-type: none`, `shield-advanced-protection:
//! "false"`, `wafv2-acl-arn: none`, an empty list) is not a restriction and stays with the
//! reader that warns about it as ignored.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// A kind of access restriction, as `--allow-unenforced` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Restriction {
    /// Once the egress rules of NetworkPolicy objects, which are compiled now: still accepted so
    /// that scripts passing it keep working, it waives nothing.
    NetworkPolicy,
    /// Who may connect, by address, where i2kit does not enforce it: `security-group-prefix-lists`
    /// and other controllers' allow and deny lists. (The kind keeps its name, which scripts
    /// pass to `--allow-unenforced`; the ranges i2kit enforces never reach it.)
    SourceRanges,
    /// The author's own security groups in place of the load balancer's.
    SecurityGroups,
    /// Authentication at the load balancer or ingress controller.
    Authentication,
    /// Web application firewalls, Shield Advanced, ModSecurity, rate limits.
    Firewall,
    /// `alb.ingress.kubernetes.io/conditions.*`: conditions a request must meet to be routed.
    RequestConditions,
    /// A policy attached by reference or as raw controller configuration (Traefik middlewares,
    /// Kong plugins, nginx snippets, GKE BackendConfig and FrontendConfig): i2kit cannot see
    /// what it does, and such policies commonly authenticate or filter requests.
    ReferencedPolicy,
    /// A seccomp or AppArmor profile or an SELinux label (`securityContext`, or the annotations
    /// before those fields): LinuxKit applies none of them (`pod::confinement`).
    Confinement,
}

impl Restriction {
    const ALL: [Restriction; 8] = [
        Restriction::NetworkPolicy,
        Restriction::SourceRanges,
        Restriction::SecurityGroups,
        Restriction::Authentication,
        Restriction::Firewall,
        Restriction::RequestConditions,
        Restriction::ReferencedPolicy,
        Restriction::Confinement,
    ];

    /// The value `--allow-unenforced` takes for this kind.
    #[must_use]
    pub fn flag_value(self) -> &'static str {
        match self {
            Restriction::NetworkPolicy => "network-policy",
            Restriction::SourceRanges => "source-ranges",
            Restriction::SecurityGroups => "security-groups",
            Restriction::Authentication => "authentication",
            Restriction::Firewall => "firewall",
            Restriction::RequestConditions => "request-conditions",
            Restriction::ReferencedPolicy => "referenced-policy",
            Restriction::Confinement => "confinement",
        }
    }

    /// What the output does instead of enforcing the restriction.
    fn consequence(self) -> &'static str {
        match self {
            Restriction::NetworkPolicy => {
                "nothing: i2kit compiles NetworkPolicy ingress and egress rules into security groups"
            }
            Restriction::SourceRanges => {
                "the load balancer would admit more than those addresses on its listener ports (every address when internet-facing; every VM of the application, and InternalClientCidr when given, when internal)"
            }
            Restriction::SecurityGroups => {
                "the load balancer would get i2kit's own security group, which admits on its listener ports every address when internet-facing, and every VM of the application (and InternalClientCidr or InternalClientSecurityGroupId when given) when internal"
            }
            Restriction::Authentication => {
                "requests would reach the backends without authentication (an application load balancer authenticates users with OIDC or Amazon Cognito only, which i2kit compiles from `alb.ingress.kubernetes.io/auth-type`)"
            }
            Restriction::Firewall => {
                "requests would reach the backends without that firewall, protection or rate limit"
            }
            Restriction::RequestConditions => {
                "the rules would forward every request for their host and path, whatever the conditions ask"
            }
            Restriction::ReferencedPolicy => {
                "whatever the referenced policy or raw configuration does (it commonly authenticates, filters addresses or limits rates) would not happen"
            }
            Restriction::Confinement => {
                "the container would run without that profile or label (`pod::confinement` says what it gets instead)"
            }
        }
    }
}

/// The kinds of restriction the author accepts, by name, to compile without.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waivers(u8);

impl Waivers {
    /// Every kind: for runs whose output opens nothing (`i2kit images`).
    #[must_use]
    pub fn all() -> Waivers {
        Restriction::ALL.into_iter().collect()
    }

    #[must_use]
    pub fn allows(self, restriction: Restriction) -> bool {
        self.0 & Self::bit(restriction) != 0
    }

    fn bit(restriction: Restriction) -> u8 {
        1 << (restriction as u8)
    }
}

impl FromIterator<Restriction> for Waivers {
    fn from_iter<I: IntoIterator<Item = Restriction>>(iter: I) -> Waivers {
        Waivers(
            iter.into_iter()
                .fold(0, |bits, restriction| bits | Waivers::bit(restriction)),
        )
    }
}

/// The diagnostic for `what` (a field, an annotation, an object), which restricts access as
/// `restriction` does: an error, or a warning when `waivers` allows its kind.
#[must_use]
pub fn unenforced(
    restriction: Restriction,
    span: Span,
    what: &str,
    waivers: Waivers,
) -> Diagnostic {
    let flag = restriction.flag_value();
    let consequence = restriction.consequence();
    if waivers.allows(restriction) {
        Diagnostic::warning(
            Code::UnenforcedRestriction,
            Some(span),
            format!(
                "{what} is NOT enforced (allowed by `--allow-unenforced {flag}`): {consequence}"
            ),
        )
        .with_help(
            "enforce it outside i2kit until i2kit does, e.g. with security group rules of your own; an internal load balancer admits only the application's VMs unless InternalClientCidr or InternalClientSecurityGroupId is given",
        )
    } else {
        Diagnostic::error(
            Code::UnenforcedRestriction,
            Some(span),
            format!("{what} restricts access, and i2kit cannot enforce it yet: {consequence}"),
        )
        .with_help(format!(
            "remove it knowingly, or pass `--allow-unenforced {flag}` to compile without it (a warning then), and restrict access outside i2kit"
        ))
    }
}

/// The diagnostics for every annotation of `annotations` that restricts access (see
/// [`restriction_of`]), errors or warnings as `waivers` allows.
#[must_use]
pub fn restricting_annotations(
    annotations: &[(String, String, Span)],
    waivers: Waivers,
) -> Vec<Diagnostic> {
    annotations
        .iter()
        .filter_map(|(key, value, span)| {
            let restriction = restriction_of(key, value)?;
            Some(unenforced(
                restriction,
                *span,
                &format!("annotation `{key}`"),
                waivers,
            ))
        })
        .collect()
}

/// Whether the annotation `key: value` restricts access, and how. The readers of Service and
/// Ingress annotations skip these keys: [`restricting_annotations`] reports them.
#[must_use]
pub fn restriction_of(key: &str, value: &str) -> Option<Restriction> {
    if restricts_nothing(value) {
        return None;
    }
    if let Some(restriction) = referenced_policy(key) {
        return Some(restriction);
    }
    let (domain, name) = key.split_once('/')?;
    match domain {
        "service.beta.kubernetes.io" => service_annotation(name),
        "alb.ingress.kubernetes.io" => alb_annotation(name),
        _ if other_controller_domain(domain) => other_controller_annotation(name),
        _ => None,
    }
}

/// Annotations that attach a policy i2kit cannot read: by reference to an object of another
/// controller's API (Traefik `Middleware`, Kong `KongPlugin`, GKE `BackendConfig` and
/// `FrontendConfig`, which carry basic and forward auth, IP allow lists, IAP and Cloud Armor
/// policies), or as raw nginx configuration (snippets can hold `allow`, `deny`, `auth_basic`).
/// Their names say nothing of what they do, so each is taken to restrict.
fn referenced_policy(key: &str) -> Option<Restriction> {
    const KEYS: [&str; 11] = [
        "traefik.ingress.kubernetes.io/router.middlewares",
        "konghq.com/plugins",
        "nginx.ingress.kubernetes.io/configuration-snippet",
        "nginx.ingress.kubernetes.io/server-snippet",
        "nginx.ingress.kubernetes.io/stream-snippet",
        "nginx.org/server-snippets",
        "nginx.org/location-snippets",
        "cloud.google.com/backend-config",
        "beta.cloud.google.com/backend-config",
        "networking.gke.io/v1beta1.FrontendConfig",
        "networking.gke.io/frontend-config",
    ];
    KEYS.contains(&key).then_some(Restriction::ReferencedPolicy)
}

/// Values that switch a restriction off or name none.
fn restricts_nothing(value: &str) -> bool {
    let value = value.trim();
    value.is_empty()
        || ["false", "off", "none", "[]"]
            .iter()
            .any(|word| value.eq_ignore_ascii_case(word))
}

/// The AWS Load Balancer Controller's Service annotations (docs/guide/service/annotations.md)
/// and the in-tree provider's.
fn service_annotation(name: &str) -> Option<Restriction> {
    match name {
        "aws-load-balancer-security-groups"
        | "aws-load-balancer-manage-backend-security-group-rules" => {
            Some(Restriction::SecurityGroups)
        }
        _ => None,
    }
}

/// The AWS Load Balancer Controller's Ingress annotations (docs/guide/ingress/annotations.md)
/// that i2kit cannot enforce.
fn alb_annotation(name: &str) -> Option<Restriction> {
    match name {
        "security-group-prefix-lists" => Some(Restriction::SourceRanges),
        "security-groups"
        | "manage-backend-security-group-rules"
        | "frontend-nlb-security-groups" => Some(Restriction::SecurityGroups),
        "jwt-validation" | "mutual-authentication" => Some(Restriction::Authentication),
        // A web ACL by name is looked up in the account, which a compiler cannot do.
        // (auth-*, wafv2-acl-arn, waf-acl-id and shield-advanced-protection are read and
        // enforced, or refused, by the Ingress annotations' readers.)
        "wafv2-acl-name" => Some(Restriction::Firewall),
        _ if name.starts_with("conditions.") => Some(Restriction::RequestConditions),
        _ => None,
    }
}

/// Domains of other ingress controllers' annotations, whose restricting settings share names:
/// ingress-nginx, NGINX (nginx.org, nginx.com), Traefik, HAProxy, HAProxy Ingress, Kong,
/// Contour, Azure Application Gateway, and the generic `ingress.kubernetes.io`.
fn other_controller_domain(domain: &str) -> bool {
    matches!(
        domain,
        "nginx.org"
            | "nginx.com"
            | "ingress.kubernetes.io"
            | "haproxy.org"
            | "haproxy-ingress.github.io"
            | "konghq.com"
            | "projectcontour.io"
    ) || domain.ends_with(".ingress.kubernetes.io")
        || domain.starts_with("traefik.")
}

/// Settings of other controllers, by the names they share: `auth-*`, `oauth`, `jwt*`,
/// `*-source-range`, allow and deny lists, `waf*`, ModSecurity and OWASP rules, rate limits.
fn other_controller_annotation(name: &str) -> Option<Restriction> {
    let name = name.to_ascii_lowercase();
    let has = |part: &str| name.contains(part);
    if name.starts_with("auth-") || name == "auth" || has("oauth") || has("jwt") {
        Some(Restriction::Authentication)
    } else if has("source-range")
        || [
            "whitelist",
            "allowlist",
            "allow-list",
            "blacklist",
            "denylist",
            "deny-list",
        ]
        .iter()
        .any(|list| has(list))
    {
        Some(Restriction::SourceRanges)
    } else if has("waf")
        || has("modsecurity")
        || has("owasp")
        || has("rate-limit")
        || name.starts_with("limit-rp")
        || name.starts_with("limit-connections")
    {
        Some(Restriction::Firewall)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricting_annotations_are_recognised() {
        let cases = [
            // Enforced by their readers, so not restrictions left unenforced.
            (
                "service.beta.kubernetes.io/load-balancer-source-ranges",
                "10.0.0.0/8",
                None,
            ),
            (
                "service.beta.kubernetes.io/aws-load-balancer-security-groups",
                "sg-1",
                Some(Restriction::SecurityGroups),
            ),
            (
                "alb.ingress.kubernetes.io/inbound-cidrs",
                "10.0.0.0/8",
                None,
            ),
            (
                "alb.ingress.kubernetes.io/security-group-prefix-lists",
                "pl-00000000",
                Some(Restriction::SourceRanges),
            ),
            // Enforced by the Ingress reader and the routing pass, not waived here.
            ("alb.ingress.kubernetes.io/auth-type", "cognito", None),
            (
                "alb.ingress.kubernetes.io/wafv2-acl-arn",
                "arn:aws:wafv2:x",
                None,
            ),
            (
                "alb.ingress.kubernetes.io/shield-advanced-protection",
                "true",
                None,
            ),
            (
                "alb.ingress.kubernetes.io/wafv2-acl-name",
                "edge",
                Some(Restriction::Firewall),
            ),
            (
                "alb.ingress.kubernetes.io/jwt-validation",
                "{}",
                Some(Restriction::Authentication),
            ),
            (
                "nginx.ingress.kubernetes.io/auth-url",
                "https://auth.example.com",
                Some(Restriction::Authentication),
            ),
            (
                "alb.ingress.kubernetes.io/conditions.api",
                "[{}]",
                Some(Restriction::RequestConditions),
            ),
            ("alb.ingress.kubernetes.io/healthcheck-path", "/", None),
            (
                "nginx.ingress.kubernetes.io/whitelist-source-range",
                "10.0.0.0/8",
                Some(Restriction::SourceRanges),
            ),
            (
                "nginx.ingress.kubernetes.io/auth-tls-secret",
                "ns/ca",
                Some(Restriction::Authentication),
            ),
            (
                "nginx.ingress.kubernetes.io/enable-modsecurity",
                "true",
                Some(Restriction::Firewall),
            ),
            (
                "nginx.ingress.kubernetes.io/enable-modsecurity",
                "false",
                None,
            ),
            (
                "nginx.ingress.kubernetes.io/limit-rps",
                "5",
                Some(Restriction::Firewall),
            ),
            ("nginx.ingress.kubernetes.io/rewrite-target", "/", None),
            (
                "haproxy.org/deny-list",
                "1.2.3.4",
                Some(Restriction::SourceRanges),
            ),
            (
                "traefik.ingress.kubernetes.io/whitelist-source-range",
                "10.0.0.0/8",
                Some(Restriction::SourceRanges),
            ),
            ("nginx.com/jwt-key", "k", Some(Restriction::Authentication)),
            (
                "traefik.ingress.kubernetes.io/router.middlewares",
                "default-basic-auth@kubernetescrd",
                Some(Restriction::ReferencedPolicy),
            ),
            ("traefik.ingress.kubernetes.io/router.middlewares", "", None),
            (
                "konghq.com/plugins",
                "key-auth",
                Some(Restriction::ReferencedPolicy),
            ),
            (
                "nginx.ingress.kubernetes.io/server-snippet",
                "deny all;",
                Some(Restriction::ReferencedPolicy),
            ),
            (
                "cloud.google.com/backend-config",
                "{\"default\": \"iap\"}",
                Some(Restriction::ReferencedPolicy),
            ),
            ("cloud.google.com/neg", "{\"ingress\": true}", None),
            ("prometheus.io/scrape", "true", None),
            ("meta.helm.sh/release-name", "auth-service", None),
        ];
        for (key, value, expected) in cases {
            assert_eq!(restriction_of(key, value), expected, "{key}: {value}");
        }
    }

    #[test]
    fn a_waiver_turns_only_its_own_kind_into_a_warning() {
        let waivers: Waivers = [Restriction::NetworkPolicy].into_iter().collect();
        let span = Span::default();
        assert!(!unenforced(Restriction::NetworkPolicy, span, "x", waivers).is_error());
        assert!(unenforced(Restriction::SourceRanges, span, "x", waivers).is_error());
        assert!(unenforced(Restriction::NetworkPolicy, span, "x", Waivers::default()).is_error());
        for restriction in Restriction::ALL {
            assert!(Waivers::all().allows(restriction));
        }
    }

    #[test]
    fn flag_values_are_clap_names() {
        use clap::ValueEnum;
        for restriction in Restriction::ALL {
            let possible = restriction.to_possible_value();
            assert_eq!(
                possible.map(|value| value.get_name().to_string()),
                Some(restriction.flag_value().to_string())
            );
        }
    }
}
