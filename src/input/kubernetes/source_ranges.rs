//! Source ranges as written: a Service's `spec.loadBalancerSourceRanges` and its
//! `service.beta.kubernetes.io/load-balancer-source-ranges` annotation, and an Ingress's
//! `alb.ingress.kubernetes.io/inbound-cidrs`. Each entry is checked at its line, as the API
//! server checks it (kubernetes `GetLoadBalancerSourceRanges` and `ParseIPNets`): trimmed,
//! parsed as a CIDR, normalised to its network; an empty entry (a stray comma) is refused.
//! Where they apply and what they admit is decided later (`crate::model::admission`), and
//! whether a target's firewall holds them by its emitter.

use super::reader::{Sink, text};
use crate::cidr::Cidr;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::yaml::Node;
use std::collections::BTreeSet;

pub const SERVICE_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";
pub const INGRESS_ANNOTATION: &str = "alb.ingress.kubernetes.io/inbound-cidrs";

/// A range read, and where it is written.
pub type WrittenRange = (Cidr, Span);

/// i2kit's own limit on the distinct ranges of one list or annotation, whatever the target:
/// reading stops at the one past it, so a list of a million ranges costs no more than one of
/// a thousand. Far more than any firewall rule set i2kit writes holds (an AWS security group
/// holds 60 rules of each address family), so it refuses only what could not compile anyway;
/// the ranges are never cut short silently.
pub const MAX_SOURCE_RANGES: usize = 1_000;

/// `spec.loadBalancerSourceRanges`: each item a string holding one range.
pub fn read_field(items: &[Node], path: &str, sink: &mut Sink) -> Vec<WrittenRange> {
    let mut ranges = Ranges::default();
    for (index, item) in items.iter().enumerate() {
        let what = format!("{path}[{index}]");
        if let Some(entry) = text(item, &what, sink)
            && let Some(cidr) =
                read_entry(&entry, &format!("`{what}`"), item.span, &mut false, sink)
            && !ranges.push(cidr, item.span, &format!("`{path}`"), sink)
        {
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
        if !ranges.push(cidr, span, &what, sink) {
            return None;
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
    /// Adds `cidr` unless it is there; `false`, with the error at `span`, when it is one past
    /// [`MAX_SOURCE_RANGES`] of `what`: reading stops there.
    fn push(&mut self, cidr: Cidr, span: Span, what: &str, sink: &mut Sink) -> bool {
        if self.seen.contains(&cidr) {
            return true;
        }
        if self.written.len() >= MAX_SOURCE_RANGES {
            sink.push(
                Diagnostic::error(
                    Code::InputLimit,
                    Some(span),
                    format!("{what} holds more than {MAX_SOURCE_RANGES} distinct ranges; i2kit reads at most {MAX_SOURCE_RANGES} in one list"),
                )
                .with_help("admit fewer ranges: one shorter prefix can cover adjacent ones"),
            );
            return false;
        }
        self.seen.insert(cidr);
        self.written.push((cidr, span));
        true
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::infer_application;
    use crate::input::kubernetes::restriction::Waivers;
    use crate::source::SourceFile;

    /// `count` distinct ranges.
    fn distinct(count: usize) -> Vec<String> {
        (0..count)
            .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
            .collect()
    }

    /// The diagnostics of a Service whose `spec.loadBalancerSourceRanges` lists `ranges`, one
    /// a line from line 8, and whose annotation (line 5) lists them too.
    fn diagnostics(ranges: &[String]) -> Vec<Diagnostic> {
        let list: String = ranges
            .iter()
            .map(|range| format!("    - {range}\n"))
            .collect();
        let text = format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations: {{{SERVICE_ANNOTATION}: \"{}\"}}\nspec:\n  loadBalancerSourceRanges:\n{list}  type: LoadBalancer\n  selector: {{app: web}}\n  ports: [{{port: 80}}]\n",
            ranges.join(",")
        );
        infer_application(&SourceFile::new("input.yaml", text), Waivers::default()).1
    }

    fn input_limits(diagnostics: &[Diagnostic]) -> Vec<(usize, String)> {
        diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.code == Code::InputLimit)
            .map(|diagnostic| {
                (
                    diagnostic.span.map_or(0, |span| span.start.line),
                    diagnostic.message.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn reading_stops_one_range_past_the_bound_with_an_error() {
        assert_eq!(
            input_limits(&diagnostics(&distinct(MAX_SOURCE_RANGES))),
            Vec::new()
        );
        assert_eq!(
            input_limits(&diagnostics(&distinct(MAX_SOURCE_RANGES + 1))),
            vec![
                (
                    5,
                    format!("annotation `{SERVICE_ANNOTATION}` holds more than 1000 distinct ranges; i2kit reads at most 1000 in one list")
                ),
                (
                    8 + MAX_SOURCE_RANGES,
                    "`spec.loadBalancerSourceRanges` holds more than 1000 distinct ranges; i2kit reads at most 1000 in one list".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_range_written_twice_counts_once() {
        let mut ranges = distinct(MAX_SOURCE_RANGES);
        ranges.push(ranges[0].clone());
        assert_eq!(input_limits(&diagnostics(&ranges)), Vec::new());
    }
}
