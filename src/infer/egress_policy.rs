//! NetworkPolicy egress becomes where each Deployment's VMs may open connections. A VM reaches
//! other pods only through the load balancers in front of them (their Service's DNS name), so a
//! rule allowing pods allows the security groups of those load balancers, on the listener ports
//! that forward to the ports the rule names; an `ipBlock` allows its address blocks. What a
//! security group cannot say is an error (I2K066, I2K067), never a wider rule: a named port on
//! an `ipBlock` (no pod to resolve it on), a port range over SCTP (security groups cannot
//! restrict SCTP ports), an internet-facing load balancer (reached at public addresses no group
//! reference matches), one load balancer in front of Deployments the rules treat differently,
//! more rules than the quota.
//!
//! What security groups cannot block either way, by AWS's design: DNS to the Route 53 Resolver
//! (which the VMs use for every Service name), DHCP and the instance metadata service. A VM
//! whose egress a policy restricts still resolves names.

use crate::diagnostic::{Code, Diagnostic};
use crate::infer::network_policy::{MAX_GROUP_RULES, Pod, peer_sources};
use crate::model::intent::network_policy::{
    Cidr, IngressRule, Peer, PolicyPort, PolicyProtocol, PortMatch,
};
use crate::model::intent::{NetworkPolicy, Workload};
use crate::model::{DeploymentName, Destination, Egress, Port, Protocol, Service, Source, Traffic};
use crate::source::Span;
use std::collections::BTreeSet;

/// Pods an egress rule allows, and on which ports.
struct PodRule<'a> {
    ports: Option<&'a [PolicyPort]>,
    /// `None`: every pod.
    pods: Option<BTreeSet<DeploymentName>>,
}

impl PodRule<'_> {
    fn allows(&self, pod: &Pod, port: Port, protocol: PolicyProtocol) -> bool {
        self.pods
            .as_ref()
            .is_none_or(|pods| pods.contains(&pod.name))
            && self.ports.is_none_or(|ports| {
                ports
                    .iter()
                    .any(|entry| entry.admits(protocol, port, &pod.named_ports))
            })
    }
}

/// One egress rule of one policy, its peers resolved once for every caller it restricts.
struct CompiledRule<'a> {
    policy: &'a NetworkPolicy,
    /// No `to` and no `ports`: every destination.
    open: bool,
    /// The address blocks it allows, as destinations.
    blocks: BTreeSet<Destination>,
    /// The pods it allows, if any.
    pods: Option<PodRule<'a>>,
}

/// Sets each workload's [`Egress`] from the policies that restrict it.
pub fn restrict_egress<'s>(
    policies: &[NetworkPolicy],
    workloads: &mut [Workload],
    services: impl IntoIterator<Item = &'s Service> + Clone,
    sink: &mut Vec<Diagnostic>,
) {
    if policies.iter().all(|policy| policy.egress.is_none()) {
        return;
    }
    let pods = Pod::of_compiled(workloads);
    let rules: Vec<CompiledRule<'_>> = policies
        .iter()
        .flat_map(|policy| {
            policy
                .egress
                .iter()
                .flatten()
                .map(move |rule| (policy, rule))
        })
        .map(|(policy, rule)| compile_rule(policy, rule, &pods, sink))
        .collect();
    for workload in workloads.iter_mut().filter(|w| !w.failed) {
        let Some(pod) = Pod::of(workload) else {
            continue;
        };
        let selects = |policy: &NetworkPolicy| {
            policy.egress.is_some()
                && policy.namespace == pod.namespace
                && policy.pod_selector.matches(&pod.labels)
        };
        let Some(first) = policies.iter().find(|policy| selects(policy)) else {
            continue;
        };
        let restricting: Vec<&CompiledRule<'_>> =
            rules.iter().filter(|rule| selects(rule.policy)).collect();
        workload.deployment.egress = egress_of(
            pod.name.as_str(),
            first.span,
            &restricting,
            &pods,
            services.clone(),
            sink,
        );
    }
}

fn compile_rule<'a>(
    policy: &'a NetworkPolicy,
    rule: &'a IngressRule,
    pods: &[Pod],
    sink: &mut Vec<Diagnostic>,
) -> CompiledRule<'a> {
    let ports = rule.ports.as_deref();
    let mut blocks = BTreeSet::new();
    let Some(peers) = &rule.from else {
        // Every destination: every address on these ports, pods included.
        let Some(ports) = ports else {
            return CompiledRule {
                policy,
                open: true,
                blocks,
                pods: None,
            };
        };
        for everywhere in ["0.0.0.0/0", "::/0"].into_iter().filter_map(Cidr::parse) {
            add_block(everywhere, Some(ports), rule.span, true, &mut blocks, sink);
        }
        return CompiledRule {
            policy,
            open: false,
            blocks,
            pods: Some(PodRule {
                ports: Some(ports),
                pods: None,
            }),
        };
    };
    let mut named = BTreeSet::new();
    let mut everyone = false;
    for peer in peers {
        // Past the quota the rule cannot be expressed whatever else it names (each caller it
        // restricts reports that); stop, so a huge peer list costs no more than this.
        if blocks.len().saturating_add(named.len()) > MAX_GROUP_RULES {
            break;
        }
        for source in peer_sources(policy, peer, pods, "outbound", sink) {
            match source {
                Source::Application => everyone = true,
                Source::Deployment(name) => {
                    named.insert(name);
                }
                Source::Block(cidr) => {
                    let span = match peer {
                        Peer::Block { span, .. } => *span,
                        Peer::Pods { .. } => rule.span,
                    };
                    add_block(cidr, ports, span, false, &mut blocks, sink);
                }
            }
        }
    }
    CompiledRule {
        policy,
        open: false,
        blocks,
        pods: (everyone || !named.is_empty()).then(|| PodRule {
            ports,
            pods: (!everyone).then_some(named),
        }),
    }
}

fn egress_of<'s>(
    caller: &str,
    span: Span,
    rules: &[&CompiledRule<'_>],
    pods: &[Pod],
    services: impl IntoIterator<Item = &'s Service>,
    sink: &mut Vec<Diagnostic>,
) -> Egress {
    if rules.iter().any(|rule| rule.open) {
        return Egress::Open;
    }
    let mut destinations: BTreeSet<Destination> = BTreeSet::new();
    for rule in rules {
        if destinations.len() > MAX_GROUP_RULES {
            break;
        }
        destinations.extend(rule.blocks.iter().cloned());
    }
    let pod_rules: Vec<&PodRule<'_>> = rules.iter().filter_map(|rule| rule.pods.as_ref()).collect();
    let by_name = |name: &DeploymentName| pods.iter().find(|pod| pod.name == *name);
    for service in services {
        for listener in &service.load_balancer.listeners {
            let protocol = if listener.target_protocol == Protocol::Udp {
                PolicyProtocol::Udp
            } else {
                PolicyProtocol::Tcp
            };
            let verdicts: Vec<(&DeploymentName, bool)> = service
                .backends
                .iter()
                .map(|backend| {
                    let allowed = by_name(backend).is_some_and(|pod| {
                        pod_rules
                            .iter()
                            .any(|rule| rule.allows(pod, listener.target_port, protocol))
                    });
                    (backend, allowed)
                })
                .collect();
            let allowed: Vec<&DeploymentName> =
                verdicts.iter().filter(|v| v.1).map(|v| v.0).collect();
            if allowed.is_empty() {
                continue;
            }
            if let Some((refused, _)) = verdicts.iter().find(|v| !v.1) {
                sink.push(
                    Diagnostic::error(
                        Code::PolicyConflict,
                        listener.span.or(service.span),
                        format!(
                            "NetworkPolicies let `{caller}` call `{}` but not `{refused}` on port {}, and Service `{}` port {} forwards to both: a security group can allow or refuse the one load balancer, not one Deployment behind it",
                            allowed[0], listener.target_port, service.name, listener.port
                        ),
                    )
                    .with_help("give the Deployments Services of their own, or make the egress rules of the policies selecting the caller allow both or neither"),
                );
                continue;
            }
            if service.load_balancer.public {
                if reaches_every_address(&destinations, listener.port, listener.protocol) {
                    continue;
                }
                sink.push(
                    Diagnostic::error(
                        Code::PolicyNotExpressible,
                        listener.span.or(service.span),
                        format!(
                            "NetworkPolicies let `{caller}` call Service `{}` on port {}, whose load balancer is internet-facing: VMs reach it at public addresses, which no security group rule can name",
                            service.name, listener.port
                        ),
                    )
                    .with_help(format!("make the Service internal (the caller then reaches its load balancer's group), or allow the caller every IPv4 address on port {} (an ipBlock 0.0.0.0/0)", listener.port)),
                );
                continue;
            }
            destinations.insert(Destination::LoadBalancer {
                service: service.name.clone(),
                port: listener.port,
                protocol: listener.protocol,
            });
        }
    }
    if destinations.len() > MAX_GROUP_RULES {
        sink.push(
            Diagnostic::error(
                Code::PolicyNotExpressible,
                Some(span),
                format!(
                    "NetworkPolicies let `{caller}` call destinations that take at least {} outbound rules in its security group, and AWS allows {MAX_GROUP_RULES} per group",
                    destinations.len()
                ),
            )
            .with_help("allow fewer address blocks (fewer or wider `ipBlock`s, fewer `except`s), fewer ports, or fewer Services"),
        );
    }
    Egress::Only(destinations)
}

/// Whether `destinations` already allow every IPv4 address on `port`: then an internet-facing
/// load balancer's listener needs no rule of its own.
fn reaches_every_address(
    destinations: &BTreeSet<Destination>,
    port: Port,
    protocol: Protocol,
) -> bool {
    destinations.iter().any(|destination| match destination {
        Destination::Block { cidr, traffic } if cidr.is_ipv4() && cidr.prefix == 0 => {
            match *traffic {
                Traffic::Any => true,
                Traffic::Tcp(low, high) => {
                    protocol != Protocol::Udp && (low..=high).contains(&port.get())
                }
                Traffic::Udp(low, high) => {
                    protocol == Protocol::Udp && (low..=high).contains(&port.get())
                }
                Traffic::Sctp => false,
            }
        }
        _ => false,
    })
}

/// Adds the rules allowing `cidr` on `ports` (every protocol and port when `None`).
/// `every_destination`: the rule has no `to`, so its named ports are for pods, not this block.
fn add_block(
    cidr: Cidr,
    ports: Option<&[PolicyPort]>,
    span: Span,
    every_destination: bool,
    destinations: &mut BTreeSet<Destination>,
    sink: &mut Vec<Diagnostic>,
) {
    let Some(ports) = ports else {
        destinations.insert(Destination::Block {
            cidr,
            traffic: Traffic::Any,
        });
        return;
    };
    for entry in ports {
        // Past the quota the caller reports it; more blocks change nothing.
        if destinations.len() > MAX_GROUP_RULES {
            return;
        }
        let range = match &entry.port {
            PortMatch::Any => Some((0, u16::MAX)),
            PortMatch::Range(low, high) => Some((low.get(), high.get())),
            PortMatch::Named(name) => {
                if !every_destination {
                    sink.push(
                        Diagnostic::error(
                            Code::PolicyNotExpressible,
                            Some(span),
                            format!(
                                "the egress rule allows `{cidr}` on the port named `{name}`, and a port name means something only on a pod: an address block has none to resolve it on"
                            ),
                        )
                        .with_help("write the port number for the address block, in a rule of its own"),
                    );
                }
                None
            }
        };
        let Some((low, high)) = range else {
            continue;
        };
        let traffic = match entry.protocol {
            PolicyProtocol::Tcp => Traffic::Tcp(low, high),
            PolicyProtocol::Udp => Traffic::Udp(low, high),
            PolicyProtocol::Sctp if entry.port == PortMatch::Any => Traffic::Sctp,
            PolicyProtocol::Sctp => {
                sink.push(
                    Diagnostic::error(
                        Code::PolicyNotExpressible,
                        Some(span),
                        format!(
                            "the egress rule allows `{cidr}` on SCTP ports {low}–{high}, and a security group rule for SCTP allows every port"
                        ),
                    )
                    .with_help("allow SCTP without `port` if every port is meant, or enforce the port outside i2kit"),
                );
                continue;
            }
        };
        destinations.insert(Destination::Block { cidr, traffic });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).unwrap()
    }

    fn port(protocol: PolicyProtocol, port: PortMatch) -> PolicyPort {
        PolicyPort { protocol, port }
    }

    #[test]
    fn blocks_take_the_rule_ports_or_every_protocol() {
        let mut destinations = BTreeSet::new();
        let mut sink = Vec::new();
        add_block(
            cidr("10.0.0.0/8"),
            None,
            Span::default(),
            false,
            &mut destinations,
            &mut sink,
        );
        let ports = [
            port(
                PolicyProtocol::Tcp,
                PortMatch::Range(Port::HTTPS, Port::HTTPS),
            ),
            port(PolicyProtocol::Udp, PortMatch::Any),
            port(PolicyProtocol::Sctp, PortMatch::Any),
        ];
        add_block(
            cidr("192.168.0.0/16"),
            Some(&ports),
            Span::default(),
            false,
            &mut destinations,
            &mut sink,
        );
        assert!(sink.is_empty());
        let traffic: Vec<Traffic> = destinations
            .iter()
            .map(|destination| match destination {
                Destination::Block { traffic, .. } => *traffic,
                Destination::LoadBalancer { .. } => panic!("a block"),
            })
            .collect();
        assert_eq!(
            traffic,
            [
                Traffic::Any,
                Traffic::Tcp(443, 443),
                Traffic::Udp(0, u16::MAX),
                Traffic::Sctp
            ]
        );
    }

    #[test]
    fn named_ports_and_sctp_ranges_on_blocks_are_refused_not_widened() {
        let mut destinations = BTreeSet::new();
        let mut sink = Vec::new();
        let named = [port(PolicyProtocol::Tcp, PortMatch::Named("http".into()))];
        add_block(
            cidr("10.0.0.0/8"),
            Some(&named),
            Span::default(),
            false,
            &mut destinations,
            &mut sink,
        );
        // With no `to`, the name is for pods: the block gets nothing, and that is no error.
        add_block(
            cidr("0.0.0.0/0"),
            Some(&named),
            Span::default(),
            true,
            &mut destinations,
            &mut sink,
        );
        let sctp = [port(
            PolicyProtocol::Sctp,
            PortMatch::Range(Port::new(3868).unwrap(), Port::new(3868).unwrap()),
        )];
        add_block(
            cidr("10.0.0.0/8"),
            Some(&sctp),
            Span::default(),
            true,
            &mut destinations,
            &mut sink,
        );
        assert!(destinations.is_empty());
        assert_eq!(sink.len(), 2);
        assert!(sink.iter().all(|d| d.code == Code::PolicyNotExpressible));
    }

    #[test]
    fn every_address_covers_a_public_listener_only_on_its_port() {
        let mut destinations = BTreeSet::new();
        destinations.insert(Destination::Block {
            cidr: cidr("0.0.0.0/0"),
            traffic: Traffic::Tcp(80, 80),
        });
        assert!(reaches_every_address(
            &destinations,
            Port::HTTP,
            Protocol::Http
        ));
        assert!(!reaches_every_address(
            &destinations,
            Port::HTTPS,
            Protocol::Https
        ));
        assert!(!reaches_every_address(
            &destinations,
            Port::HTTP,
            Protocol::Udp
        ));
        destinations.clear();
        destinations.insert(Destination::Block {
            cidr: cidr("10.0.0.0/8"),
            traffic: Traffic::Any,
        });
        assert!(!reaches_every_address(
            &destinations,
            Port::HTTP,
            Protocol::Http
        ));
    }
}
