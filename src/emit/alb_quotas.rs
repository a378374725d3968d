//! Application Load Balancer quotas (`crate::emit::aws_quotas`) on the load balancers the ingress
//! routing pass planned, checked as the AWS emitter plans the template and before any of it is
//! built. The routing pass says what the Ingresses ask for (hosts, paths, ranges, which of them
//! share a load balancer); whether an application load balancer holds it is this target's
//! question, so another target would ask its own. Each error points at the Ingress line that
//! makes the load balancer go over, not at a template that cannot deploy.

use crate::diagnostic::{Code, Diagnostic};
use crate::emit::aws_quotas::{
    MAX_CONDITION_VALUE, MAX_CONDITION_VALUES, MAX_CONDITION_WILDCARDS, MAX_EXTRA_CERTIFICATES,
    MAX_LISTENERS, MAX_RULES, MAX_SECURITY_GROUP_INBOUND_RULES, MAX_TARGET_GROUPS, too_many_rules,
};
use crate::model::admission::inbound_rules;
use crate::model::ingress::{HOST_HELP, PATH_HELP, PathOrigin, RoutingRule};
use crate::model::{Application, Ingress};
use crate::source::Span;
use std::collections::BTreeSet;

/// Every Ingress load balancer of `application` against ALB's quotas.
///
/// # Errors
/// An error per quota a load balancer goes over, at its line.
pub fn check_balancers(application: &Application) -> Result<(), Vec<Diagnostic>> {
    let mut problems = Vec::new();
    for balancer in &application.ingresses {
        check_conditions(balancer, &mut problems);
        check_inbound_rules(balancer, &mut problems);
        check_counts(balancer, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// ALB's quotas on the conditions of each Ingress path, once per path however many listeners
/// carry its rule: how long each value is, then how many values and wildcards the rule has.
fn check_conditions(balancer: &Ingress, problems: &mut Vec<Diagnostic>) {
    let mut checked = BTreeSet::new();
    let mut hosts_checked = BTreeSet::new();
    for rule in balancer
        .listeners
        .iter()
        .flat_map(|listener| &listener.rules)
    {
        let Some(span) = rule.span else {
            continue;
        };
        if !checked.insert(span) {
            continue;
        }
        let before = problems.len();
        if let Some(origin) = &rule.origin {
            check_lengths(rule, span, origin, &mut hosts_checked, problems);
        }
        // A value too long is what to fix first; its count follows from the fixed path.
        if problems.len() == before
            && let Some(problem) = condition_problem(rule, span)
        {
            problems.push(problem);
        }
    }
}

/// ALB's longest `host-header` and `path-pattern` value, at the host and the path written.
fn check_lengths(
    rule: &RoutingRule,
    span: Span,
    origin: &PathOrigin,
    hosts_checked: &mut BTreeSet<Span>,
    problems: &mut Vec<Diagnostic>,
) {
    for host in &rule.hosts {
        if host.len() > MAX_CONDITION_VALUE
            && origin.host_span.is_none_or(|at| hosts_checked.insert(at))
        {
            problems.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    origin.host_span,
                    format!("host `{host}` is longer than {MAX_CONDITION_VALUE} characters, ALB's limit for a host condition"),
                )
                .with_help(HOST_HELP),
            );
        }
    }
    if rule
        .paths
        .iter()
        .all(|pattern| pattern.len() <= MAX_CONDITION_VALUE)
    {
        return;
    }
    let path = &origin.path;
    problems.push(if origin.read_as_prefix {
        Diagnostic::error(
            Code::InvalidValue,
            Some(span),
            format!("path `{path}` read as ingress-nginx reads it, a prefix, makes a pattern longer than {MAX_CONDITION_VALUE} characters, ALB's limit"),
        )
    } else {
        Diagnostic::error(
            Code::InvalidValue,
            Some(origin.path_span),
            format!("path `{path}` makes a pattern longer than {MAX_CONDITION_VALUE} characters, ALB's limit"),
        )
        .with_help(PATH_HELP)
    });
}

fn condition_problem(rule: &RoutingRule, span: Span) -> Option<Diagnostic> {
    let values = rule.hosts.len() + rule.paths.len();
    let wildcards: usize = rule
        .hosts
        .iter()
        .chain(&rule.paths)
        .map(|value| value.chars().filter(|c| matches!(c, '*' | '?')).count())
        .sum();
    (values > MAX_CONDITION_VALUES || wildcards > MAX_CONDITION_WILDCARDS).then(|| {
        Diagnostic::error(
            Code::IngressLimit,
            Some(span),
            format!("this path makes a listener rule of {values} condition values with {wildcards} wildcards; an application load balancer allows {MAX_CONDITION_VALUES} of each per rule"),
        )
        .with_help("use fewer `*` and `?` in the path (a Prefix path needs none)")
    })
}

/// The load balancer's security group must hold the rules its ports and ranges make.
fn check_inbound_rules(balancer: &Ingress, problems: &mut Vec<Diagnostic>) {
    let rules = inbound_rules(
        balancer.public,
        balancer.dual_stack,
        balancer
            .listeners
            .iter()
            .map(|listener| listener.source_ranges.as_slice()),
    );
    if rules > MAX_SECURITY_GROUP_INBOUND_RULES
        && let Some(span) = balancer.ranges_span
    {
        problems.push(too_many_rules(
            rules,
            balancer.listeners.len(),
            &balancer.describe(),
            span,
        ));
    }
}

/// Listeners, rules, target groups and certificates per load balancer, at its first Ingress.
fn check_counts(balancer: &Ingress, problems: &mut Vec<Diagnostic>) {
    let listeners = &balancer.listeners;
    let rules: usize = listeners.iter().map(|listener| listener.rules.len()).sum();
    let extra_certificates: usize = listeners
        .iter()
        .map(|listener| listener.certificates.len().saturating_sub(1))
        .sum();
    let counts = [
        (
            listeners.len(),
            MAX_LISTENERS,
            "listeners",
            "list fewer listen-ports, or split the Ingresses over several group.names",
        ),
        (
            rules,
            MAX_RULES,
            "listener rules",
            "split the Ingresses over several group.names, merge paths (one Prefix path covers everything below it), or redirect HTTP with ssl-redirect so only the HTTPS listener has rules",
        ),
        (
            balancer.target_groups.len(),
            MAX_TARGET_GROUPS,
            "target groups",
            "split the Ingresses over several group.names",
        ),
        (
            extra_certificates,
            MAX_EXTRA_CERTIFICATES,
            "certificates besides each listener's default",
            "use fewer certificate ARNs, e.g. one certificate with several names",
        ),
    ];
    let describe = balancer.describe();
    for (count, limit, what, help) in counts {
        if count > limit {
            problems.push(
                Diagnostic::error(
                    Code::IngressLimit,
                    balancer.span,
                    format!("{describe} would have {count} {what}; an application load balancer holds {limit}"),
                )
                .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::infer_application;
    use crate::input::kubernetes::restriction::Waivers;
    use crate::source::SourceFile;

    /// Ingress `web` of class `class`, with `annotations` (lines under `annotations:`) and
    /// `rules` (lines under `rules:`), routing to Service `frontend`, whose ports are 80 and
    /// `extra_ports` more (81, 82, …), each to its own container port.
    fn input(class: &str, annotations: &str, rules: &str, extra_ports: u16) -> String {
        let ports: Vec<String> = (0..=extra_ports)
            .map(|i| format!("{{name: p{i}, port: {}, targetPort: {}}}", 80 + i, 8080 + i))
            .collect();
        let container_ports: Vec<String> = (0..=extra_ports)
            .map(|i| format!("{{containerPort: {}}}", 8080 + i))
            .collect();
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    alb.ingress.kubernetes.io/scheme: internet-facing\n{annotations}spec:\n  ingressClassName: {class}\n  rules:\n{rules}---\napiVersion: v1\nkind: Service\nmetadata: {{name: frontend}}\nspec:\n  selector: {{app: frontend}}\n  ports: [{}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: frontend}}\nspec:\n  selector: {{matchLabels: {{app: frontend}}}}\n  template:\n    metadata: {{labels: {{app: frontend}}}}\n    spec:\n      containers: [{{name: frontend, image: \"nginx:1.27.3\", ports: [{}]}}]\n",
            ports.join(", "),
            container_ports.join(", "),
        )
    }

    /// One rule of `host` (none when empty) with `paths`, each `(path, pathType, port)`. With
    /// no annotation beside the scheme, it starts at line 10; its first path is at line 12
    /// (13 with a host).
    fn rule(host: &str, paths: &[(String, &str, u16)]) -> String {
        let mut text = if host.is_empty() {
            "    - http:\n".to_string()
        } else {
            format!("    - host: {host}\n      http:\n")
        };
        text.push_str("        paths:\n");
        for (path, kind, port) in paths {
            text.push_str(&format!(
                "          - {{path: '{path}', pathType: {kind}, backend: {{service: {{name: frontend, port: {{number: {port}}}}}}}}}\n"
            ));
        }
        text
    }

    /// ALB's verdict on `text`, which must read and infer cleanly.
    fn checked(text: &str) -> Result<(), Vec<Diagnostic>> {
        let (application, diagnostics) = infer_application(
            &SourceFile::new("input.yaml", text.to_string()),
            Waivers::default(),
        );
        let application = application.unwrap_or_else(|| panic!("{diagnostics:#?}"));
        check_balancers(&application)
    }

    /// The one error `text` gets: its code, line, column and message.
    fn refused(text: &str) -> (Code, usize, usize, String) {
        let problems = checked(text).expect_err("over a quota");
        let [problem] = problems.as_slice() else {
            panic!("{problems:#?}");
        };
        let span = problem.span.expect("located");
        (
            problem.code,
            span.start.line,
            span.start.column,
            problem.message.clone(),
        )
    }

    fn passes(text: &str) {
        if let Err(problems) = checked(text) {
            panic!("{problems:#?}");
        }
    }

    #[test]
    fn a_rule_takes_five_wildcards() {
        let at = |path: &str| {
            input(
                "alb",
                "",
                &rule(
                    "'*.example.com'",
                    &[(path.to_string(), "ImplementationSpecific", 80)],
                ),
                0,
            )
        };
        passes(&at("/a*/b*/c*/d*"));
        let (code, line, column, message) = refused(&at("/a*/b*/c*/d*/e*"));
        assert_eq!((code, line, column), (Code::IngressLimit, 13, 13));
        assert!(
            message.contains("2 condition values with 6 wildcards"),
            "{message}"
        );
    }

    #[test]
    fn a_host_condition_takes_128_characters() {
        let host = |length: usize| {
            let first = "h".repeat(length - ".example.com".len() - 64);
            format!("{first}.{}.example.com", "i".repeat(63))
        };
        let at = |length: usize| {
            input(
                "alb",
                "",
                &rule(&host(length), &[("/".to_string(), "Prefix", 80)]),
                0,
            )
        };
        assert_eq!(host(128).len(), 128);
        passes(&at(128));
        let (code, line, column, message) = refused(&at(129));
        assert_eq!((code, line, column), (Code::InvalidValue, 10, 13));
        assert!(
            message.ends_with("is longer than 128 characters, ALB's limit for a host condition"),
            "{message}"
        );
    }

    #[test]
    fn a_path_pattern_takes_128_characters() {
        let path = |length: usize| format!("/{}", "a".repeat(length - 1));
        // An Exact path is its own pattern; a Prefix one also gets `/*`.
        passes(&input("alb", "", &rule("", &[(path(128), "Exact", 80)]), 0));
        passes(&input(
            "alb",
            "",
            &rule("", &[(path(126), "Prefix", 80)]),
            0,
        ));
        let (code, line, column, message) = refused(&input(
            "alb",
            "",
            &rule("", &[(path(127), "Prefix", 80)]),
            0,
        ));
        assert_eq!((code, line, column), (Code::InvalidValue, 12, 20));
        assert!(
            message.ends_with("makes a pattern longer than 128 characters, ALB's limit"),
            "{message}"
        );
    }

    #[test]
    fn a_path_ingress_nginx_reads_as_a_prefix_takes_126_characters() {
        let path = |length: usize| format!("/{}", "b".repeat(length - 1));
        let at = |length: usize| {
            input(
                "nginx",
                "",
                &rule("", &[(path(length), "ImplementationSpecific", 80)]),
                0,
            )
        };
        passes(&at(126));
        let (code, line, column, message) = refused(&at(127));
        assert_eq!((code, line, column), (Code::InvalidValue, 12, 13));
        assert!(
            message.contains("read as ingress-nginx reads it, a prefix"),
            "{message}"
        );
    }

    #[test]
    fn a_load_balancer_takes_100_rules() {
        let at = |count: usize| {
            let paths: Vec<(String, &str, u16)> = (0..count)
                .map(|i| (format!("/p{i}"), "Exact", 80))
                .collect();
            input("alb", "", &rule("", &paths), 0)
        };
        passes(&at(100));
        let (code, line, column, message) = refused(&at(101));
        // At the Ingress's name.
        assert_eq!((code, line, column), (Code::IngressLimit, 4, 9));
        assert_eq!(
            message,
            "the load balancer of Ingress `web` would have 101 listener rules; an application load balancer holds 100"
        );
    }

    #[test]
    fn a_load_balancer_takes_50_listeners() {
        let at = |count: u16| {
            let ports: Vec<String> = (0..count)
                .map(|i| format!("{{\"HTTP\": {}}}", 1000 + i))
                .collect();
            input(
                "alb",
                &format!(
                    "    alb.ingress.kubernetes.io/listen-ports: '[{}]'\n",
                    ports.join(", ")
                ),
                &rule("", &[("/".to_string(), "Prefix", 80)]),
                0,
            )
        };
        passes(&at(50));
        let (code, line, _, message) = refused(&at(51));
        assert_eq!((code, line), (Code::IngressLimit, 4));
        assert!(
            message.ends_with("would have 51 listeners; an application load balancer holds 50"),
            "{message}"
        );
    }

    #[test]
    fn a_load_balancer_takes_100_target_groups() {
        // A rule per Service port but the last, which the defaultBackend takes.
        let at = |count: u16| {
            let paths: Vec<(String, &str, u16)> = (0..count - 1)
                .map(|i| (format!("/p{i}"), "Exact", 80 + i))
                .collect();
            let text = input("alb", "", &rule("", &paths), count - 1);
            text.replacen(
                "spec:\n  ingressClassName",
                &format!("spec:\n  defaultBackend: {{service: {{name: frontend, port: {{number: {}}}}}}}\n  ingressClassName", 80 + count - 1),
                1,
            )
        };
        passes(&at(100));
        let (code, line, _, message) = refused(&at(101));
        assert_eq!((code, line), (Code::IngressLimit, 4));
        assert!(
            message
                .ends_with("would have 101 target groups; an application load balancer holds 100"),
            "{message}"
        );
    }

    #[test]
    fn a_load_balancer_takes_25_certificates_besides_the_default() {
        let at = |count: usize| {
            let arns: Vec<String> = (0..count)
                .map(|i| format!("arn:aws:acm:us-east-1:123456789012:certificate/c{i}"))
                .collect();
            input(
                "alb",
                &format!(
                    "    alb.ingress.kubernetes.io/certificate-arn: {}\n",
                    arns.join(",")
                ),
                &rule("", &[("/".to_string(), "Prefix", 80)]),
                0,
            )
        };
        passes(&at(26));
        let (code, line, _, message) = refused(&at(27));
        assert_eq!((code, line), (Code::IngressLimit, 4));
        assert!(message.ends_with("would have 26 certificates besides each listener's default; an application load balancer holds 25"), "{message}");
    }

    #[test]
    fn a_security_group_takes_60_inbound_rules_of_a_family() {
        let at = |count: usize| {
            let ranges: Vec<String> = (0..count).map(|i| format!("10.0.{i}.0/24")).collect();
            input(
                "alb",
                &format!(
                    "    alb.ingress.kubernetes.io/inbound-cidrs: {}\n",
                    ranges.join(",")
                ),
                &rule("", &[("/".to_string(), "Prefix", 80)]),
                0,
            )
        };
        passes(&at(60));
        let (code, line, column, message) = refused(&at(61));
        // At the ranges.
        assert_eq!((code, line, column), (Code::SourceRange, 7, 46));
        assert!(message.starts_with("the load balancer of Ingress `web` would need at least 61 inbound rules of one address family"), "{message}");
    }
}
