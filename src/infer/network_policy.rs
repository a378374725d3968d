//! NetworkPolicies become who each load balancer admits. Callers reach a Deployment's VMs only
//! through the load balancers in front of them, so a policy that isolates a Deployment is
//! enforced on those load balancers' groups: each listener admits exactly the sources the
//! policies name for the port it forwards to, and nothing else. A VM's own group keeps admitting
//! its load balancers' health checks (Kubernetes always lets the node probe its pods), and their
//! traffic only on ports some source may use.
//!
//! What a security group cannot say is an error rather than a wider rule: one load balancer in
//! front of Deployments the policies admit differently (I2K067), an `except` or a source list
//! past the rule quota (I2K066). An Ingress's load balancer is a proxy, not a caller any policy
//! names (its addresses are the VPC's, unknown here), so it reaches only VMs no policy isolates
//! on that port; a route to others is refused, as Kubernetes would refuse it, and warned about
//! (I2K068). Callers of a headless Service reach a StatefulSet's ordinals without a load
//! balancer: their own group admits what the policies name, in the same way.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::intent::network_policy::{
    IngressRule, LabelSelector, NAMESPACE_NAME_LABEL, Peer, PolicyPort, PolicyProtocol,
};
use crate::model::intent::{NetworkPolicy, Workload};
use crate::model::{Admission, DeploymentName, Ingress, Port, Protocol, Service, Source};
use std::collections::BTreeSet;

/// The most rules a VPC security group takes in one direction by default (Amazon VPC quotas).
pub const MAX_GROUP_RULES: usize = 60;

/// What the policies read of a workload: where it is, its pod labels, its named ports.
pub(super) struct Pod {
    pub(super) name: DeploymentName,
    pub(super) namespace: crate::model::Namespace,
    pub(super) labels: Vec<(String, String)>,
    /// Container ports by name: (name, number, protocol).
    pub(super) named_ports: Vec<(String, Port, PolicyProtocol)>,
}

impl Pod {
    /// The pods of every workload that compiles: one whose reading failed selects nothing, as
    /// a source or a destination.
    pub(super) fn of_compiled(workloads: &[Workload]) -> Vec<Pod> {
        workloads
            .iter()
            .filter(|workload| !workload.failed)
            .filter_map(Pod::of)
            .collect()
    }

    /// The workload's pods, `None` when its name was refused (an error already): they are
    /// never compiled.
    pub(super) fn of(workload: &Workload) -> Option<Pod> {
        Some(Pod {
            name: workload.deployment.name.checked()?.clone(),
            namespace: workload.deployment.namespace.clone(),
            labels: workload.labels.clone(),
            named_ports: workload
                .ports
                .iter()
                .filter_map(|port| {
                    let protocol = if port.udp {
                        PolicyProtocol::Udp
                    } else {
                        PolicyProtocol::Tcp
                    };
                    port.name.clone().map(|name| (name, port.number, protocol))
                })
                .collect(),
        })
    }
}

/// One ingress rule of one policy, its peers resolved to sources.
struct Rule<'a> {
    policy: &'a NetworkPolicy,
    ports: Option<&'a [PolicyPort]>,
    /// `None`: every source.
    from: Option<BTreeSet<Source>>,
}

/// Sets who each listener and each Ingress target admits, and which Deployments carry a
/// group of their own for that.
pub fn enforce_network_policies<'s, 'i>(
    policies: &[NetworkPolicy],
    workloads: &mut [Workload],
    services: impl IntoIterator<Item = &'s mut Service>,
    ingresses: impl IntoIterator<Item = &'i mut Ingress>,
    sink: &mut Vec<Diagnostic>,
) {
    let isolating: Vec<&NetworkPolicy> = policies.iter().filter(|p| p.ingress.is_some()).collect();
    if isolating.is_empty() {
        return;
    }
    let pods = Pod::of_compiled(workloads);
    let rules: Vec<Rule<'_>> = isolating
        .iter()
        .flat_map(|policy| {
            policy
                .ingress
                .iter()
                .flatten()
                .map(move |rule| (*policy, rule))
        })
        .map(|(policy, rule)| compile_rule(policy, rule, &pods, sink))
        .collect();
    let decide = |name: &DeploymentName, port: Port, protocol: PolicyProtocol| -> Admission {
        match pods.iter().find(|pod| pod.name == *name) {
            Some(pod) => admission(pod, port, protocol, &isolating, &rules),
            None => Admission::Default,
        }
    };
    let mut named: BTreeSet<DeploymentName> = BTreeSet::new();
    for service in services {
        let mut rule_count = 0usize;
        for listener in &mut service.load_balancer.listeners {
            let protocol = policy_protocol(listener.target_protocol);
            let mut verdicts = service.backends.iter().map(|backend| {
                let verdict = decide(backend, listener.target_port, protocol);
                (backend, verdict)
            });
            let Some((first_backend, first)) = verdicts.next() else {
                continue;
            };
            if let Some((other, _)) = verdicts.find(|(_, verdict)| *verdict != first) {
                sink.push(
                    Diagnostic::error(
                        Code::PolicyConflict,
                        listener.span.or(service.span),
                        format!(
                            "Service `{}` port {} forwards to `{first_backend}` and `{other}`, which NetworkPolicies admit different callers to on port {}: one load balancer's security group cannot admit a caller for one and refuse it for the other",
                            service.name, listener.port, listener.target_port
                        ),
                    )
                    .with_help("give the Deployments Services of their own, or make the policies that select them admit the same callers on that port"),
                );
                continue;
            }
            if let Admission::Only(sources) = &first {
                rule_count = rule_count.saturating_add(sources.len());
                named.extend(sources.iter().filter_map(|source| match source {
                    Source::Deployment(name) => Some(name.clone()),
                    _ => None,
                }));
            }
            listener.admission = first;
        }
        if rule_count > MAX_GROUP_RULES {
            sink.push(
                Diagnostic::error(
                    Code::PolicyNotExpressible,
                    service.span,
                    format!(
                        "NetworkPolicies admit callers to Service `{}` that take at least {rule_count} rules in its load balancer's security group, and AWS allows {MAX_GROUP_RULES} inbound rules per group",
                        service.name
                    ),
                )
                .with_help("admit fewer address blocks (fewer or wider `ipBlock`s, fewer `except`s) or fewer Deployments by name (a namespaceSelector of all namespaces admits the whole application as one rule)"),
            );
        }
    }
    for ingress in ingresses {
        let ingress_name = ingress.name.clone();
        let ingress_span = ingress.span;
        for group in &mut ingress.target_groups {
            for backend in &group.backends {
                if decide(backend, group.target_port, PolicyProtocol::Tcp) == Admission::Default {
                    continue;
                }
                group.refused.push(backend.clone());
                sink.push(
                    Diagnostic::warning(
                        Code::PolicyBlocksRoute,
                        ingress_span,
                        format!(
                            "Ingress `{ingress_name}` routes to Service `{}`, whose Deployment `{backend}` NetworkPolicies isolate on port {}: its load balancer is not a caller they admit, so those requests fail, as in Kubernetes",
                            group.service, group.target_port
                        ),
                    )
                    .with_help(format!("to let the Ingress through, add to a policy selecting `{backend}` a rule with no `from` for port {}", group.target_port)),
                );
            }
        }
    }
    // Callers of a headless Service reach a StatefulSet's ordinals directly: their own group
    // admits exactly what the policies do, port by port.
    for workload in workloads.iter_mut() {
        let (Some(name), Some(stateful)) = (
            workload.deployment.name.checked().cloned(),
            workload.deployment.stateful.as_mut(),
        ) else {
            continue;
        };
        for entry in &mut stateful.ports {
            let protocol = if entry.udp {
                PolicyProtocol::Udp
            } else {
                PolicyProtocol::Tcp
            };
            entry.admission = decide(&name, entry.port, protocol);
            if let Admission::Only(sources) = &entry.admission {
                named.extend(sources.iter().filter_map(|source| match source {
                    Source::Deployment(name) => Some(name.clone()),
                    _ => None,
                }));
            }
        }
    }
    for workload in workloads.iter_mut() {
        workload.deployment.policy_source = workload
            .deployment
            .name
            .checked()
            .is_some_and(|name| named.contains(name));
    }
}

fn policy_protocol(protocol: Protocol) -> PolicyProtocol {
    if protocol == Protocol::Udp {
        PolicyProtocol::Udp
    } else {
        PolicyProtocol::Tcp
    }
}

/// Who may reach `workload` on `port`: everyone when no policy isolates it there, else the
/// union of what every rule of every isolating policy admits on that port.
fn admission(
    pod: &Pod,
    port: Port,
    protocol: PolicyProtocol,
    isolating: &[&NetworkPolicy],
    rules: &[Rule<'_>],
) -> Admission {
    let selects = |policy: &NetworkPolicy| {
        policy.namespace == pod.namespace && policy.pod_selector.matches(&pod.labels)
    };
    if !isolating.iter().any(|policy| selects(policy)) {
        return Admission::Default;
    }
    let mut sources = BTreeSet::new();
    for rule in rules.iter().filter(|rule| selects(rule.policy)) {
        let port_matches = rule.ports.is_none_or(|ports| {
            ports
                .iter()
                .any(|entry| entry.admits(protocol, port, &pod.named_ports))
        });
        if !port_matches {
            continue;
        }
        match &rule.from {
            None => return Admission::Default,
            // Past the quota the Service reports it; what more the rules name changes nothing.
            Some(_) if sources.len() > MAX_GROUP_RULES => {}
            Some(from) => sources.extend(from.iter().cloned()),
        }
    }
    Admission::Only(sources)
}

fn compile_rule<'a>(
    policy: &'a NetworkPolicy,
    rule: &'a IngressRule,
    pods: &[Pod],
    sink: &mut Vec<Diagnostic>,
) -> Rule<'a> {
    let from = rule.from.as_ref().map(|peers| {
        let mut sources = BTreeSet::new();
        for peer in peers {
            // Past the quota the rule cannot be expressed whatever else it names (each Service
            // it reaches reports that); stop, so a huge peer list costs no more than this.
            if sources.len() > MAX_GROUP_RULES {
                break;
            }
            sources.extend(peer_sources(policy, peer, pods, "inbound", sink));
        }
        sources
    });
    Rule {
        policy,
        ports: rule.ports.as_deref(),
        from,
    }
}

/// The sources one peer names: Deployments whose pods it selects (the whole application for
/// every pod of every namespace), or the blocks its `ipBlock` comes to once `except` is taken
/// out.
pub(super) fn peer_sources(
    policy: &NetworkPolicy,
    peer: &Peer,
    pods: &[Pod],
    direction: &str,
    sink: &mut Vec<Diagnostic>,
) -> Vec<Source> {
    match peer {
        Peer::Pods {
            namespaces,
            pods: selector,
        } => {
            let everywhere = LabelSelector::default();
            if namespaces.as_ref() == Some(&everywhere) && *selector == everywhere {
                return vec![Source::Application];
            }
            let in_scope = |namespace: &str| match namespaces {
                None => namespace == policy.namespace,
                Some(selector) => {
                    selector.matches(&[(NAMESPACE_NAME_LABEL.to_string(), namespace.to_string())])
                }
            };
            pods.iter()
                .filter(|pod| in_scope(&pod.namespace) && selector.matches(&pod.labels))
                .map(|pod| Source::Deployment(pod.name.clone()))
                .collect()
        }
        Peer::Block { except, span, .. } if except.len() > MAX_GROUP_RULES => {
            sink.push(
                Diagnostic::error(
                    Code::PolicyNotExpressible,
                    Some(*span),
                    format!(
                        "this ipBlock has {} `except` entries; a security group has allow rules only, so i2kit admits the blocks left between them, one rule each, and AWS allows {MAX_GROUP_RULES} {direction} rules per group",
                        except.len()
                    ),
                )
                .with_help("admit the wanted blocks as ipBlocks of their own"),
            );
            Vec::new()
        }
        Peer::Block { cidr, except, span } => match cidr.without(except, MAX_GROUP_RULES) {
            Some(blocks) => blocks.into_iter().map(Source::Block).collect(),
            None => {
                sink.push(
                    Diagnostic::error(
                        Code::PolicyNotExpressible,
                        Some(*span),
                        format!(
                            "`{cidr}` less its `except` blocks comes to more than {MAX_GROUP_RULES} address blocks; a security group has allow rules only, one per block, and AWS allows {MAX_GROUP_RULES} {direction} rules per group"
                        ),
                    )
                    .with_help("except a shorter prefix (each excepted /m inside a /n costs m−n blocks), or admit the wanted blocks as ipBlocks of their own"),
                );
                Vec::new()
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Namespace;
    use crate::model::intent::network_policy::{Cidr, Expression, Operator, PortMatch};
    use crate::source::Span;

    fn selector(labels: &[(&str, &str)]) -> LabelSelector {
        LabelSelector {
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            expressions: Vec::new(),
        }
    }

    fn workload(name: &str, namespace: &str, app: &str) -> Pod {
        Pod {
            name: name.into(),
            namespace: Namespace::new(namespace).unwrap(),
            labels: vec![("app".to_string(), app.to_string())],
            named_ports: Vec::new(),
        }
    }

    fn policy(namespace: &str, target: &str, rules: Vec<IngressRule>) -> NetworkPolicy {
        NetworkPolicy {
            name: "p".into(),
            namespace: Namespace::new(namespace).unwrap(),
            span: Span::default(),
            pod_selector: selector(&[("app", target)]),
            ingress: Some(rules),
            egress: None,
        }
    }

    fn rule(ports: Option<Vec<PolicyPort>>, from: Option<Vec<Peer>>) -> IngressRule {
        IngressRule {
            ports,
            from,
            span: Span::default(),
        }
    }

    fn pods(namespaces: Option<LabelSelector>, app: Option<&str>) -> Peer {
        Peer::Pods {
            namespaces,
            pods: app.map_or_else(LabelSelector::default, |app| selector(&[("app", app)])),
        }
    }

    fn verdict(policies: &[NetworkPolicy], workloads: &[Pod], port: u16) -> Admission {
        let isolating: Vec<&NetworkPolicy> = policies.iter().collect();
        let mut sink = Vec::new();
        let rules: Vec<Rule<'_>> = policies
            .iter()
            .flat_map(|p| p.ingress.iter().flatten().map(move |r| (p, r)))
            .map(|(p, r)| compile_rule(p, r, workloads, &mut sink))
            .collect();
        assert!(sink.is_empty());
        admission(
            &workloads[0],
            Port::new(port).unwrap(),
            PolicyProtocol::Tcp,
            &isolating,
            &rules,
        )
    }

    fn only(sources: &[Source]) -> Admission {
        Admission::Only(sources.iter().cloned().collect())
    }

    fn deployment(name: &str) -> Source {
        Source::Deployment(name.into())
    }

    #[test]
    fn peers_are_ored_and_namespace_and_pod_selectors_anded() {
        let workloads = [
            workload("api", "shop", "api"),
            workload("web", "shop", "web"),
            workload("admin", "ops", "web"),
            workload("batch", "ops", "batch"),
        ];
        let by_name = |names: &[&str]| {
            let mut selector = LabelSelector::default();
            selector.expressions.push(Expression {
                key: NAMESPACE_NAME_LABEL.into(),
                operator: Operator::In,
                values: names.iter().map(|n| (*n).to_string()).collect(),
            });
            selector
        };
        // podSelector alone: the policy's own namespace only.
        let own = policy(
            "shop",
            "api",
            vec![rule(None, Some(vec![pods(None, Some("web"))]))],
        );
        assert_eq!(verdict(&[own], &workloads, 80), only(&[deployment("web")]));
        // namespaceSelector AND podSelector in one peer.
        let anded = policy(
            "shop",
            "api",
            vec![rule(
                None,
                Some(vec![pods(Some(by_name(&["ops"])), Some("web"))]),
            )],
        );
        assert_eq!(
            verdict(&[anded], &workloads, 80),
            only(&[deployment("admin")])
        );
        // Two peers: OR.
        let ored = policy(
            "shop",
            "api",
            vec![rule(
                None,
                Some(vec![
                    pods(None, Some("web")),
                    pods(Some(by_name(&["ops"])), None),
                ]),
            )],
        );
        assert_eq!(
            verdict(&[ored], &workloads, 80),
            only(&[deployment("admin"), deployment("batch"), deployment("web")])
        );
        // namespaceSelector {} alone: every pod of every namespace.
        let everyone = policy(
            "shop",
            "api",
            vec![rule(
                None,
                Some(vec![pods(Some(LabelSelector::default()), None)]),
            )],
        );
        assert_eq!(
            verdict(&[everyone], &workloads, 80),
            only(&[Source::Application])
        );
    }

    #[test]
    fn empty_rules_deny_empty_from_allows_and_unselected_pods_stay_open() {
        let workloads = [
            workload("api", "shop", "api"),
            workload("web", "shop", "web"),
        ];
        assert_eq!(
            verdict(&[policy("shop", "api", vec![])], &workloads, 80),
            only(&[])
        );
        assert_eq!(
            verdict(
                &[policy("shop", "api", vec![rule(None, None)])],
                &workloads,
                80
            ),
            Admission::Default
        );
        assert_eq!(
            verdict(&[policy("shop", "web", vec![])], &workloads, 80),
            Admission::Default
        );
        // Another namespace's policy does not select it.
        assert_eq!(
            verdict(&[policy("ops", "api", vec![])], &workloads, 80),
            Admission::Default
        );
        // Policies add up.
        let web = policy(
            "shop",
            "api",
            vec![rule(None, Some(vec![pods(None, Some("web"))]))],
        );
        let deny = policy("shop", "api", vec![]);
        assert_eq!(
            verdict(&[deny, web], &workloads, 80),
            only(&[deployment("web")])
        );
    }

    #[test]
    fn ports_ranges_names_and_protocols() {
        let mut api = workload("api", "shop", "api");
        api.named_ports = vec![("http".into(), Port::new(8080).unwrap(), PolicyProtocol::Tcp)];
        let workloads = [api, workload("web", "shop", "web")];
        let from_web = || Some(vec![pods(None, Some("web"))]);
        let port = |protocol, port| PolicyPort { protocol, port };
        let named = policy(
            "shop",
            "api",
            vec![rule(
                Some(vec![port(
                    PolicyProtocol::Tcp,
                    PortMatch::Named("http".into()),
                )]),
                from_web(),
            )],
        );
        assert_eq!(
            verdict(std::slice::from_ref(&named), &workloads, 8080),
            only(&[deployment("web")])
        );
        assert_eq!(verdict(&[named], &workloads, 80), only(&[]));
        let range = policy(
            "shop",
            "api",
            vec![rule(
                Some(vec![port(
                    PolicyProtocol::Tcp,
                    PortMatch::Range(Port::new(8000).unwrap(), Port::new(8100).unwrap()),
                )]),
                from_web(),
            )],
        );
        assert_eq!(
            verdict(std::slice::from_ref(&range), &workloads, 8100),
            only(&[deployment("web")])
        );
        assert_eq!(verdict(&[range], &workloads, 8101), only(&[]));
        let udp = policy(
            "shop",
            "api",
            vec![rule(
                Some(vec![port(PolicyProtocol::Udp, PortMatch::Any)]),
                from_web(),
            )],
        );
        assert_eq!(verdict(&[udp], &workloads, 8080), only(&[]));
    }

    #[test]
    fn blocks_become_their_complement_or_an_error() {
        let workloads = [workload("api", "shop", "api")];
        let block = Peer::Block {
            cidr: Cidr::parse("10.0.0.0/8").unwrap(),
            except: vec![Cidr::parse("10.1.0.0/16").unwrap()],
            span: Span::default(),
        };
        let verdict = verdict(
            &[policy("shop", "api", vec![rule(None, Some(vec![block]))])],
            &workloads,
            80,
        );
        let Admission::Only(sources) = verdict else {
            panic!("isolated")
        };
        assert_eq!(sources.len(), 8);
        assert!(sources.contains(&Source::Block(Cidr::parse("10.0.0.0/16").unwrap())));
        assert!(!sources.contains(&Source::Block(Cidr::parse("10.1.0.0/16").unwrap())));
        let huge = Peer::Block {
            cidr: Cidr::parse("0.0.0.0/0").unwrap(),
            // Each /32 costs 31 blocks in its half of the space: 62 in all.
            except: vec![
                Cidr::parse("10.1.2.3/32").unwrap(),
                Cidr::parse("192.168.7.7/32").unwrap(),
            ],
            span: Span::default(),
        };
        let policy = policy("shop", "api", vec![]);
        let mut sink = Vec::new();
        assert!(peer_sources(&policy, &huge, &workloads, "inbound", &mut sink).is_empty());
        assert_eq!(sink[0].code, Code::PolicyNotExpressible);
        // More excepts than rules: refused before any complement is computed.
        let many = Peer::Block {
            cidr: Cidr::parse("10.0.0.0/8").unwrap(),
            except: (0..=60u8)
                .map(|i| Cidr::parse(&format!("10.0.{i}.0/24")).unwrap())
                .collect(),
            span: Span::default(),
        };
        assert!(peer_sources(&policy, &many, &workloads, "inbound", &mut sink).is_empty());
        assert_eq!(sink.len(), 2);
        assert!(
            sink[1].message.contains("61 `except` entries"),
            "{}",
            sink[1].message
        );
    }
}
