//! Who a load balancer's security group admits on one listener port, decided once: the passes
//! count these sources against the group's rule quota, and the emitters write one ingress rule
//! per source, so the count and the template cannot disagree.
//!
//! - Source ranges written in the manifest (`loadBalancerSourceRanges`, the
//!   `load-balancer-source-ranges` annotation, `inbound-cidrs`) are the only ranges admitted,
//!   IPv4 and IPv6 alike, as the AWS Load Balancer Controller makes them its managed group's
//!   only CIDRs. An internal load balancer admits the application's VMs besides: in
//!   Kubernetes the ranges govern the load balancer, while the cluster's pods reach the Service
//!   through its ClusterIP whatever they say, and in i2kit the internal load balancer is that
//!   path. The stack's `InternalClientCidr` and `InternalClientSecurityGroupId` add nothing
//!   there: a deploy-time parameter must not widen what the manifest restricted.
//! - Without ranges, an internet-facing load balancer admits everyone (`0.0.0.0/0`, and
//!   `::/0` when dual-stack), and an internal one the application's VMs and what those two
//!   parameters add when given.

use crate::cidr::Cidr;

/// One ingress rule's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A range; `0.0.0.0/0` and `::/0` are the internet.
    Range(Cidr),
    /// The application security group every VM of the stack carries.
    ApplicationVms,
    /// The `InternalClientCidr` parameter, when given.
    InternalClientCidr,
    /// The `InternalClientSecurityGroupId` parameter, when given.
    InternalClientSecurityGroup,
}

impl Source {
    /// The rules it takes of the group's IPv4 and IPv6 quotas. A rule that references a
    /// security group counts against both (Amazon VPC quotas, "Inbound or outbound rules per
    /// security group").
    #[must_use]
    pub fn quota_cost(self) -> (usize, usize) {
        match self {
            Source::Range(cidr) if cidr.is_ipv6() => (0, 1),
            Source::Range(_) | Source::InternalClientCidr => (1, 0),
            Source::ApplicationVms | Source::InternalClientSecurityGroup => (1, 1),
        }
    }
}

/// The sources admitted on one listener port of a load balancer that is internet-facing
/// (`public`) or internal, reachable over IPv6 too (`dual_stack`), with the manifest's
/// `ranges` for that port (empty: none written).
#[must_use]
pub fn admitted_sources(public: bool, dual_stack: bool, ranges: &[Cidr]) -> Vec<Source> {
    let mut sources = Vec::new();
    if !public {
        sources.push(Source::ApplicationVms);
    }
    if !ranges.is_empty() {
        sources.extend(ranges.iter().copied().map(Source::Range));
        return sources;
    }
    if public {
        sources.push(Source::Range(Cidr::everyone(false)));
        if dual_stack {
            sources.push(Source::Range(Cidr::everyone(true)));
        }
    } else {
        sources.push(Source::InternalClientCidr);
        sources.push(Source::InternalClientSecurityGroup);
    }
    sources
}

/// The most rules a security group takes of one family (IPv4, or IPv6) with what the
/// `ports` (each with its ranges) of one load balancer admit: the larger of the two counts.
#[must_use]
pub fn inbound_rules<'a>(
    public: bool,
    dual_stack: bool,
    ports: impl IntoIterator<Item = &'a [Cidr]>,
) -> usize {
    let (mut ipv4, mut ipv6) = (0usize, 0usize);
    for ranges in ports {
        for source in admitted_sources(public, dual_stack, ranges) {
            let (four, six) = source.quota_cost();
            ipv4 = ipv4.saturating_add(four);
            ipv6 = ipv6.saturating_add(six);
        }
    }
    ipv4.max(ipv6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> Cidr {
        Cidr::parse(text).unwrap().cidr
    }

    #[test]
    fn ranges_replace_the_internet_and_the_parameters() {
        let office = [range("203.0.113.0/24"), range("2001:db8::/32")];
        assert_eq!(
            admitted_sources(true, true, &office),
            vec![Source::Range(office[0]), Source::Range(office[1])]
        );
        assert_eq!(
            admitted_sources(false, false, &office),
            vec![
                Source::ApplicationVms,
                Source::Range(office[0]),
                Source::Range(office[1])
            ]
        );
        assert_eq!(
            admitted_sources(true, true, &[]),
            vec![
                Source::Range(range("0.0.0.0/0")),
                Source::Range(range("::/0"))
            ]
        );
        assert_eq!(
            admitted_sources(false, false, &[]),
            vec![
                Source::ApplicationVms,
                Source::InternalClientCidr,
                Source::InternalClientSecurityGroup
            ]
        );
    }

    #[test]
    fn each_family_counts_on_its_own() {
        let ranges: Vec<Cidr> = (0..30)
            .map(|n| range(&format!("10.0.{n}.0/24")))
            .chain([range("2001:db8::/32")])
            .collect();
        assert_eq!(inbound_rules(true, true, [ranges.as_slice(); 2]), 60);
        assert_eq!(inbound_rules(false, false, [ranges.as_slice(); 2]), 62);
        assert_eq!(inbound_rules(false, false, [&[][..]]), 3);
    }
}
