//! Which Ingress rule hosts can get a Route 53 record. The template writes every record in one
//! hosted zone, `HostedZoneName`, known only at deploy time; each host's record is made when
//! that zone is one of its parent domains. Hosts that no single zone holds together with the
//! others can never all get records, whatever zone is passed: those are reported here.

use crate::diagnostic::{Code, Diagnostic};
use crate::dns::zone_candidates;
use crate::model::Application;
use crate::model::ingress::RuleHost;
use std::collections::BTreeMap;

/// A warning for each rule host outside the zone that holds the most of them.
#[must_use]
pub fn check_host_zones(application: &Application) -> Vec<Diagnostic> {
    let hosts: Vec<&RuleHost> = application
        .ingresses
        .iter()
        .flat_map(|ingress| &ingress.hosts)
        .collect();
    let mut covered: BTreeMap<String, usize> = BTreeMap::new();
    for host in &hosts {
        for zone in zone_candidates(&host.name) {
            *covered.entry(zone).or_default() += 1;
        }
    }
    // The zone holding the most hosts; among equals the most general, then the first by name.
    let best = covered
        .iter()
        .max_by(|(a, count_a), (b, count_b)| {
            count_a
                .cmp(count_b)
                .then(b.len().cmp(&a.len()))
                .then(b.cmp(a))
        })
        .map(|(zone, _)| zone.clone());
    let mut warnings = Vec::new();
    for host in hosts {
        let zones = zone_candidates(&host.name);
        let message = match &best {
            _ if zones.is_empty() => format!(
                "host `{}` has no parent domain a hosted zone could be, so it gets no Route 53 record",
                host.name
            ),
            Some(best) if !zones.contains(best) => format!(
                "host `{}` is outside `{best}`, the domain of the other hosts: the template writes records in one hosted zone (HostedZoneName), so whichever it is, some hosts get no Route 53 record",
                host.name
            ),
            _ => continue,
        };
        warnings.push(
            Diagnostic::warning(Code::IngressHostOutsideZone, host.span, message).with_help(
                "point its DNS at the load balancer yourself (the template's <Name>IngressLoadBalancerDnsName output), or compile the Ingress in a template of its own",
            ),
        );
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Ingress;

    fn application(hosts: &[&str]) -> Application {
        Application {
            ingresses: vec![Ingress {
                name: "web".to_string(),
                public: false,
                dual_stack: false,
                ssl_policy: None,
                web_acl: None,
                shield_advanced: false,
                listeners: Vec::new(),
                target_groups: Vec::new(),
                hosts: hosts
                    .iter()
                    .map(|host| RuleHost {
                        name: (*host).to_string(),
                        span: None,
                    })
                    .collect(),
                grouped: false,
                ranges_span: None,
                span: None,
            }],
            ..Application::default()
        }
    }

    #[test]
    fn hosts_of_one_domain_are_not_reported() {
        let hosts = ["shop.example.com", "*.example.com", "example.com"];
        assert!(check_host_zones(&application(&hosts)).is_empty());
        assert!(check_host_zones(&application(&["a.b.example.org"])).is_empty());
    }

    #[test]
    fn hosts_outside_the_common_domain_are_reported() {
        let hosts = [
            "shop.example.com",
            "api.example.com",
            "shop.example.org",
            "intranet",
        ];
        let warnings = check_host_zones(&application(&hosts));
        let named: Vec<&str> = warnings
            .iter()
            .map(|warning| warning.message.split('`').nth(1).unwrap_or_default())
            .collect();
        assert_eq!(named, vec!["shop.example.org", "intranet"]);
    }
}
