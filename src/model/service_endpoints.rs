//! A Service without a selector and the addresses its Endpoints or EndpointSlices list: its
//! cluster name answers with those addresses, as the cluster DNS answers for a headless
//! Service, and callers reach them directly (kubernetes.io "Services without selectors").
//! With no proxy in between, the pass has checked that callers dialling the Service's ports
//! reach the same ports on every address (`crate::infer::endpoints`).

use crate::model::{DnsLabel, Namespace, ServiceName};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEndpoints {
    pub name: ServiceName,
    pub namespace: Namespace,
    /// The ready addresses: never empty, in address order.
    pub addresses: BTreeSet<Ipv4Addr>,
    /// Under a headless Service, `<hostname>.<service>`'s ready addresses, by hostname.
    pub hostnames: BTreeMap<DnsLabel, BTreeSet<Ipv4Addr>>,
    /// The Service's name.
    pub span: Span,
}
