//! Source ranges as written: a Service's `spec.loadBalancerSourceRanges` and its
//! `service.beta.kubernetes.io/load-balancer-source-ranges` annotation, and an Ingress's
//! `alb.ingress.kubernetes.io/inbound-cidrs`. Each entry is checked at its line, as the API
//! server checks it (kubernetes `GetLoadBalancerSourceRanges` and `ParseIPNets`): trimmed,
//! parsed as a CIDR, normalised to its network; an empty entry (a stray comma) is refused.
//! Where they apply and what they admit is decided later (`crate::model::admission`).

use super::reader::{Sink, text};
use crate::aws_quotas::MAX_SECURITY_GROUP_INBOUND_RULES;
use crate::cidr::Cidr;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::yaml::Node;
use std::collections::BTreeSet;

pub const SERVICE_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";
pub const INGRESS_ANNOTATION: &str = "alb.ingress.kubernetes.io/inbound-cidrs";

/// A range read, and where it is written.
pub type WrittenRange = (Cidr, Span);

/// `spec.loadBalancerSourceRanges`: each item a string holding one range.
pub fn read_field(items: &[Node], path: &str, sink: &mut Sink) -> Vec<WrittenRange> {
    let mut ranges = Ranges::default();
    for (index, item) in items.iter().enumerate() {
        let what = format!("{path}[{index}]");
        if let Some(entry) = text(item, &what, sink)
            && let Some(cidr) =
                read_entry(&entry, &format!("`{what}`"), item.span, &mut false, sink)
        {
            ranges.push(cidr, item.span);
        }
        if ranges.full() {
            break;
        }
    }
    ranges.written
}

/// An annotation holding ranges separated by commas. `None` when its value is blank (the API
/// server then admits everyone, `0.0.0.0/0`, which restricts nothing) or when an entry is
/// refused (reported: nothing is compiled then).
pub fn read_annotation(
    key: &str,
    value: &str,
    span: Span,
    sink: &mut Sink,
) -> Option<Vec<WrittenRange>> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let what = format!("annotation `{key}`");
    let mut ranges = Ranges::default();
    let mut warned = false;
    for entry in value.split(',') {
        // Every entry shares the annotation's line: the first bad one (and the first loose
        // one) is what to fix there.
        let cidr = read_entry(entry, &what, span, &mut warned, sink)?;
        ranges.push(cidr, span);
        if ranges.full() {
            break;
        }
    }
    Some(ranges.written)
}

/// Ranges in the order written, each once: Kubernetes keys its set by the normalised network,
/// so a range written twice is one rule.
#[derive(Default)]
struct Ranges {
    written: Vec<WrittenRange>,
    seen: BTreeSet<Cidr>,
}

impl Ranges {
    /// More distinct ranges than a security group holds of both families together can never
    /// fit (each port admits every range), so reading stops there and the pass that counts
    /// rules refuses them: a list of a million ranges costs no more than one of 121.
    const MOST: usize = 2 * MAX_SECURITY_GROUP_INBOUND_RULES + 1;

    fn push(&mut self, cidr: Cidr, span: Span) {
        if self.seen.insert(cidr) {
            self.written.push((cidr, span));
        }
    }

    fn full(&self) -> bool {
        self.written.len() >= Self::MOST
    }
}

/// One range, trimmed; a warning for host bits unless `warned` already says one was given.
fn read_entry(
    entry: &str,
    what: &str,
    span: Span,
    warned: &mut bool,
    sink: &mut Sink,
) -> Option<Cidr> {
    let entry = entry.trim();
    if entry.is_empty() {
        sink.push(
            Diagnostic::error(
                Code::SourceRange,
                Some(span),
                format!("{what} has an empty entry"),
            )
            .with_help("separate ranges with single commas, with none at the end, e.g. \"203.0.113.0/24,198.51.100.0/24\""),
        );
        return None;
    }
    match Cidr::parse(entry) {
        Ok(parsed) => {
            if parsed.host_bits_set && !*warned {
                *warned = true;
                sink.push(
                    Diagnostic::warning(
                        Code::SourceRange,
                        Some(span),
                        format!(
                            "{what}: `{entry}` sets bits past its prefix; the range admitted is {}, as Kubernetes reads it",
                            parsed.cidr
                        ),
                    )
                    .with_help(format!(
                        "write `{}`, or `{}/{}` to admit one address",
                        parsed.cidr,
                        entry.split('/').next().unwrap_or(entry),
                        if parsed.cidr.is_ipv6() { 128 } else { 32 }
                    )),
                );
            }
            Some(parsed.cidr)
        }
        Err(why) => {
            sink.push(
                Diagnostic::error(Code::SourceRange, Some(span), format!("{what}: {why}"))
                    .with_help("write each range as ADDRESS/PREFIX, e.g. 203.0.113.0/24 or 2001:db8::/32; a single address is ADDRESS/32 (IPv6: /128)"),
            );
            None
        }
    }
}
