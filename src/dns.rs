//! Kubernetes service discovery by name, kept on VMs: the names Services answer to and the
//! resolver configuration that lets containers call them as they would inside a cluster.
//! Source: kubernetes.io "DNS for Services and Pods"; the Amazon resolver's address is from
//! the VPC guide (AmazonDNS-concepts).

use crate::model::Service;

/// The cluster domain Kubernetes uses by default; the template's private hosted zone.
pub const CLUSTER_DOMAIN: &str = "cluster.local";

/// The Amazon-provided resolver, at the same link-local address in every VPC, so one image
/// works in any account and VPC without knowing the VPC's CIDR.
pub const AMAZON_RESOLVER: &str = "169.254.169.253";

/// As kubelet writes it: names with fewer dots try the search list first.
pub const NDOTS: u8 = 5;

/// Where the VM keeps the resolver configuration its containers bind as `/etc/resolv.conf`
/// (LinuxKit gives a container none unless one is bound in). Not the VM's `/etc/resolv.conf`:
/// the DHCP client rewrites that on every lease renewal.
pub const RESOLV_CONF_PATH: &str = "/etc/i2kit/resolv.conf";

/// Where every container finds it: the path the bind of [`RESOLV_CONF_PATH`] covers, so no
/// volume may be mounted there.
pub const CONTAINER_RESOLV_CONF: &str = "/etc/resolv.conf";

/// `<name>.<namespace>.svc.cluster.local`, the name a Service answers to in every namespace.
#[must_use]
pub fn service_domain(service: &Service) -> String {
    service_domain_of(&service.name, &service.namespace)
}

/// `<name>.<namespace>.svc.cluster.local`, for a Service not yet planned.
#[must_use]
pub fn service_domain_of(name: &str, namespace: &str) -> String {
    [name, namespace, "svc", CLUSTER_DOMAIN].join(".")
}

/// Kubernetes' search list for a pod in `namespace`, so `redis`, `redis.ns` and
/// `redis.ns.svc` all resolve.
#[must_use]
pub fn search_domains(namespace: &str) -> Vec<String> {
    vec![
        [namespace, "svc", CLUSTER_DOMAIN].join("."),
        ["svc", CLUSTER_DOMAIN].join("."),
        CLUSTER_DOMAIN.to_string(),
    ]
}

/// The resolv.conf text for a pod in `namespace` (a DNS label, checked by the readers).
#[must_use]
pub fn resolv_conf(namespace: &str) -> String {
    let lines = [
        ["nameserver", AMAZON_RESOLVER].join(" "),
        ["search".to_string()]
            .into_iter()
            .chain(search_domains(namespace))
            .collect::<Vec<_>>()
            .join(" "),
        ["options ndots:".to_string(), NDOTS.to_string()].concat(),
    ];
    lines.into_iter().map(|line| line + "\n").collect()
}

/// The hosted zones a record for `host` could be written in, nearest first: the host itself
/// (a record at a zone's apex) and each parent domain of two labels or more, since no one
/// holds a zone for a top-level domain. A wildcard host (`*.example.com`) lives in the zones
/// of its parent. A single-label host has none.
#[must_use]
pub fn zone_candidates(host: &str) -> Vec<String> {
    let name = host.strip_prefix("*.").unwrap_or(host);
    let labels: Vec<&str> = name.split('.').collect();
    (0..labels.len().saturating_sub(1))
        .map(|first| labels[first..].join("."))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_live_in_the_zones_of_their_parent_domains() {
        assert_eq!(
            zone_candidates("shop.eu.example.com"),
            vec!["shop.eu.example.com", "eu.example.com", "example.com"]
        );
        assert_eq!(zone_candidates("*.example.com"), vec!["example.com"]);
        assert_eq!(zone_candidates("example.com"), vec!["example.com"]);
        assert!(zone_candidates("localhost").is_empty());
    }

    #[test]
    fn search_list_is_kubernetes_own() {
        assert_eq!(
            resolv_conf("shop"),
            "nameserver 169.254.169.253\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"
        );
    }
}
