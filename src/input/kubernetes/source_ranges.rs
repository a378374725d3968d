//! Source ranges as written: a Service's `spec.loadBalancerSourceRanges` and its
//! `service.beta.kubernetes.io/load-balancer-source-ranges` annotation, and an Ingress's
//! `alb.ingress.kubernetes.io/inbound-cidrs`. Each entry is checked at its line, as the API
//! server checks it (kubernetes `GetLoadBalancerSourceRanges` and `ParseIPNets`): trimmed,
//! parsed as a CIDR, normalised to its network; an empty entry (a stray comma) is refused.
//! Where they apply and what they admit is decided later (`crate::model::admission`).

use super::reader::{Sink, text};
use crate::cidr::Cidr;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::yaml::Node;

pub const SERVICE_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";
pub const INGRESS_ANNOTATION: &str = "alb.ingress.kubernetes.io/inbound-cidrs";

/// A range read, and where it is written.
pub type WrittenRange = (Cidr, Span);

/// `spec.loadBalancerSourceRanges`: each item a string holding one range.
pub fn read_field(items: &[Node], path: &str, sink: &mut Sink) -> Vec<WrittenRange> {
    let mut ranges = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let what = format!("{path}[{index}]");
        if let Some(entry) = text(item, &what, sink)
            && let Some(cidr) = read_entry(&entry, &format!("`{what}`"), item.span, sink)
        {
            push_new(&mut ranges, (cidr, item.span));
        }
    }
    ranges
}

/// An annotation holding ranges separated by commas. `None` when its value is blank: the
/// API server then admits everyone (`0.0.0.0/0`), which restricts nothing.
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
    let mut ranges = Vec::new();
    for entry in value.split(',') {
        if let Some(cidr) = read_entry(entry, &what, span, sink) {
            push_new(&mut ranges, (cidr, span));
        }
    }
    Some(ranges)
}

/// Kubernetes keys its set by the normalised network, so a range written twice is one rule.
fn push_new(ranges: &mut Vec<WrittenRange>, range: WrittenRange) {
    if !ranges.iter().any(|(known, _)| *known == range.0) {
        ranges.push(range);
    }
}

fn read_entry(entry: &str, what: &str, span: Span, sink: &mut Sink) -> Option<Cidr> {
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
            if parsed.host_bits_set {
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
