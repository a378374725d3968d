//! A NetworkPolicy (networking.k8s.io/v1) as read: which pods it isolates and whom its ingress
//! rules admit, in Kubernetes' own terms. `crate::infer::network_policy` turns the policies into
//! the sources each load balancer admits.
//!
//! Semantics, from the API's own comments (`k8s.io/api/networking/v1/types.go`): a pod selected
//! by any policy of type Ingress accepts only what one rule of one such policy admits; a rule
//! admits a connection when its ports AND its peers match; absent or empty `ports` or `from`
//! match everything; peers are ORed; a peer's `namespaceSelector` and `podSelector` are ANDed.

use crate::model::Port;
use crate::source::Span;
use std::net::IpAddr;

/// The one label every namespace carries, set by Kubernetes to the namespace's name: all
/// i2kit knows of a namespace.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

#[derive(Debug, Clone)]
pub struct NetworkPolicy {
    pub name: String,
    pub namespace: crate::model::Namespace,
    pub span: Span,
    /// The pods (by pod template labels) in `namespace` the policy applies to; an empty
    /// selector selects every pod of the namespace.
    pub pod_selector: LabelSelector,
    /// The ingress rules when the policy's types include Ingress (every policy's do unless
    /// `policyTypes` says otherwise); empty isolates the selected pods from every source.
    pub ingress: Option<Vec<IngressRule>>,
    /// The egress rules when the policy's types include Egress (listed, or an `egress`
    /// section without `policyTypes`); each rule's `from` holds its `to` peers. Empty lets the
    /// selected pods call nothing.
    pub egress: Option<Vec<IngressRule>>,
}

#[derive(Debug, Clone)]
pub struct IngressRule {
    /// `None`: every port.
    pub ports: Option<Vec<PolicyPort>>,
    /// `None`: every source.
    pub from: Option<Vec<Peer>>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyProtocol {
    Tcp,
    Udp,
    Sctp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortMatch {
    /// Every port of the protocol.
    Any,
    /// `port` to `endPort`, both included (one port when they are equal).
    Range(Port, Port),
    /// A container port name, resolved against the pods the policy selects.
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyPort {
    pub protocol: PolicyProtocol,
    pub port: PortMatch,
}

impl PolicyPort {
    /// Whether this entry admits `number` over `protocol` on a pod whose container ports are
    /// `named` (name, number, protocol).
    #[must_use]
    pub fn admits(
        &self,
        protocol: PolicyProtocol,
        number: Port,
        named: &[(String, Port, PolicyProtocol)],
    ) -> bool {
        self.protocol == protocol
            && match &self.port {
                PortMatch::Any => true,
                PortMatch::Range(low, high) => (*low..=*high).contains(&number),
                PortMatch::Named(name) => named.iter().any(|(port_name, port, port_protocol)| {
                    port_name == name && *port == number && *port_protocol == protocol
                }),
            }
    }
}

/// One entry of `from` (or of an egress rule's `to`).
#[derive(Debug, Clone)]
pub enum Peer {
    /// Pods matching `pods` in the namespaces `namespaces` picks (`None`: the policy's own).
    Pods {
        namespaces: Option<LabelSelector>,
        pods: LabelSelector,
    },
    /// Addresses in `cidr` but in none of `except`.
    Block {
        cidr: Cidr,
        except: Vec<Cidr>,
        span: Span,
    },
}

/// An address block, normalised (host bits cleared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    pub address: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or an IPv6 block, clearing host bits as Kubernetes' `ParseCIDR` does.
    #[must_use]
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = text.split_once('/')?;
        let address: IpAddr = address.parse().ok()?;
        if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix: u8 = prefix.parse().ok()?;
        (prefix <= Cidr::width(address)).then(|| Cidr::new(address, prefix))
    }

    fn width(address: IpAddr) -> u8 {
        if address.is_ipv4() { 32 } else { 128 }
    }

    /// The block of `prefix` bits holding `address`.
    #[must_use]
    pub fn new(address: IpAddr, prefix: u8) -> Cidr {
        let address = match address {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4((u32::from(v4) & mask).into())
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6((u128::from(v6) & mask).into())
            }
        };
        Cidr { address, prefix }
    }

    #[must_use]
    pub fn is_ipv4(&self) -> bool {
        self.address.is_ipv4()
    }

    /// Whether `inner` lies within this block.
    #[must_use]
    pub fn contains(&self, inner: &Cidr) -> bool {
        inner.is_ipv4() == self.is_ipv4()
            && inner.prefix >= self.prefix
            && Cidr::new(inner.address, self.prefix) == *self
    }

    /// The two halves of this block, or `None` for a single address.
    #[must_use]
    pub fn halves(&self) -> Option<(Cidr, Cidr)> {
        if self.prefix >= Cidr::width(self.address) {
            return None;
        }
        let prefix = self.prefix + 1;
        let upper = match self.address {
            IpAddr::V4(v4) => {
                IpAddr::V4((u32::from(v4) | (1u32 << (32 - u32::from(prefix)))).into())
            }
            IpAddr::V6(v6) => {
                IpAddr::V6((u128::from(v6) | (1u128 << (128 - u32::from(prefix)))).into())
            }
        };
        Some((Cidr::new(self.address, prefix), Cidr::new(upper, prefix)))
    }

    /// This block less every block of `except`, as the fewest blocks that cover exactly the
    /// rest, or `None` once more than `limit` blocks would be needed.
    #[must_use]
    pub fn without(&self, except: &[Cidr], limit: usize) -> Option<Vec<Cidr>> {
        let mut kept = Vec::new();
        let mut pending = vec![*self];
        while let Some(block) = pending.pop() {
            let cut: Vec<&Cidr> = except
                .iter()
                .filter(|e| block.contains(e) || e.contains(&block))
                .collect();
            if cut.is_empty() {
                kept.push(block);
                if kept.len() > limit {
                    return None;
                }
            } else if cut.iter().any(|e| e.contains(&block)) {
                // Wholly excepted: nothing of it is admitted.
            } else if let Some((low, high)) = block.halves() {
                pending.push(high);
                pending.push(low);
            }
        }
        kept.sort();
        Some(kept)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}/{}", self.address, self.prefix)
    }
}

/// A Kubernetes label selector: `matchLabels` and `matchExpressions`, ANDed; empty selects
/// everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub labels: Vec<(String, String)>,
    pub expressions: Vec<Expression>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl LabelSelector {
    /// Whether an object labelled `labels` is selected.
    #[must_use]
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let value = |key: &str| labels.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        self.labels.iter().all(|label| labels.contains(label))
            && self.expressions.iter().all(|expression| {
                let found = value(&expression.key);
                match expression.operator {
                    Operator::In => found.is_some_and(|v| expression.values.contains(v)),
                    Operator::NotIn => found.is_none_or(|v| !expression.values.contains(v)),
                    Operator::Exists => found.is_some(),
                    Operator::DoesNotExist => found.is_none(),
                }
            })
    }

    /// Every label key the selector reads.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.labels
            .iter()
            .map(|(key, _)| key.as_str())
            .chain(self.expressions.iter().map(|e| e.key.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).unwrap()
    }

    #[test]
    fn blocks_parse_normalised_and_refuse_nonsense() {
        assert_eq!(cidr("10.0.0.1/24").to_string(), "10.0.0.0/24");
        assert_eq!(cidr("2001:db8::1/32").to_string(), "2001:db8::/32");
        assert_eq!(cidr("0.0.0.0/0").to_string(), "0.0.0.0/0");
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0/8",
            "::/129",
            "1.2.3.4/+8",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    /// Kubernetes' own example: 172.17.0.0/16 except 172.17.1.0/24 is 172.17.0.0–172.17.0.255
    /// and 172.17.2.0–172.17.255.255.
    #[test]
    fn except_is_the_complement_within_the_block() {
        let rest = cidr("172.17.0.0/16")
            .without(&[cidr("172.17.1.0/24")], 60)
            .unwrap();
        let texts: Vec<String> = rest.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "172.17.0.0/24",
                "172.17.2.0/23",
                "172.17.4.0/22",
                "172.17.8.0/21",
                "172.17.16.0/20",
                "172.17.32.0/19",
                "172.17.64.0/18",
                "172.17.128.0/17"
            ]
        );
        assert_eq!(
            cidr("0.0.0.0/0")
                .without(&[cidr("10.0.0.0/8")], 60)
                .unwrap()
                .len(),
            8
        );
        assert_eq!(cidr("0.0.0.0/0").without(&[cidr("10.1.2.3/32")], 31), None);
        assert_eq!(
            cidr("0.0.0.0/0")
                .without(&[cidr("10.1.2.3/32")], 32)
                .unwrap()
                .len(),
            32
        );
    }

    #[test]
    fn selectors_and_labels_and_expressions() {
        let labels = vec![("app".to_string(), "web".to_string())];
        assert!(LabelSelector::default().matches(&labels));
        assert!(LabelSelector::default().matches(&[]));
        let expression = |operator, values: &[&str]| LabelSelector {
            labels: Vec::new(),
            expressions: vec![Expression {
                key: "app".into(),
                operator,
                values: values.iter().map(|v| (*v).to_string()).collect(),
            }],
        };
        assert!(expression(Operator::In, &["web", "api"]).matches(&labels));
        assert!(!expression(Operator::In, &["api"]).matches(&labels));
        assert!(expression(Operator::NotIn, &["api"]).matches(&labels));
        assert!(expression(Operator::NotIn, &["api"]).matches(&[]));
        assert!(expression(Operator::Exists, &[]).matches(&labels));
        assert!(!expression(Operator::DoesNotExist, &[]).matches(&labels));
    }
}
