//! The AWS quotas a template must fit, in one place. They are the AWS emitter's to check, as
//! it plans the template (`emit::quotas` for CloudFormation's, `emit::alb_quotas` for an
//! application load balancer's), so readers and inference say what the input asks for in
//! neutral terms and a second target is an emitter over the same model. Where a reader must
//! stop early to keep time and memory bounded, it does so at i2kit's own limits
//! (`input::MAX_WORKLOADS`, `input::kubernetes::source_ranges::MAX_SOURCE_RANGES`), set well
//! above these, so that on AWS they refuse only what could not deploy anyway.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// CloudFormation's quotas per template.
pub const MAX_RESOURCES: usize = 500;
pub const MAX_PARAMETERS: usize = 200;
pub const MAX_OUTPUTS: usize = 200;
/// A template passed through S3 (`aws cloudformation deploy --s3-bucket`).
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;
/// A template passed inline (`--template-body`, or `deploy` without `--s3-bucket`).
pub const MAX_INLINE_TEMPLATE_BYTES: usize = 51_200;

/// Inbound rules per security group, counted for IPv4 and for IPv6 apart (Amazon VPC quotas,
/// "Inbound or outbound rules per security group"; a default an account may raise, but a
/// template must deploy on a default account).
pub const MAX_SECURITY_GROUP_INBOUND_RULES: usize = 60;

/// The error for a load balancer (`describe`) whose security group would need `rules`
/// inbound rules of one address family, past [`MAX_SECURITY_GROUP_INBOUND_RULES`], for
/// `ports` listener ports and the ranges written at `span`.
#[must_use]
pub fn too_many_rules(rules: usize, ports: usize, describe: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::SourceRange,
        Some(span),
        format!("{describe} would need at least {rules} inbound rules of one address family in its security group (each of its {ports} listener port(s) admits every range, and the application's VMs when internal); a security group holds {MAX_SECURITY_GROUP_INBOUND_RULES}"),
    )
    .with_help("admit fewer ranges (one shorter prefix can cover adjacent ones) or listen on fewer ports; an account can have the quota raised, but the template must deploy where it has not")
}

/// The most values i2kit writes into one Route 53 record: half the 1,000 `ResourceRecord`
/// elements a ChangeResourceRecordSets batch may hold (Route 53 API reference), since
/// CloudFormation does not document whether an update replaces a record's values in one batch
/// of a deletion and a creation. 500 IPv4 addresses are at most 7,500 characters, well inside
/// the batch's 32,000.
pub const MAX_RECORD_VALUES: usize = 500;

/// Application Load Balancer quotas (Elastic Load Balancing, "Quotas for your Application
/// Load Balancers"): rules per load balancer, not counting default rules; condition values
/// and wildcards per rule; listeners, target groups and non-default certificates per load
/// balancer.
pub const MAX_RULES: usize = 100;
pub const MAX_CONDITION_VALUES: usize = 5;
pub const MAX_CONDITION_WILDCARDS: usize = 5;
pub const MAX_LISTENERS: usize = 50;
pub const MAX_TARGET_GROUPS: usize = 100;
pub const MAX_EXTRA_CERTIFICATES: usize = 25;
/// ALB's longest `host-header` and `path-pattern` value.
pub const MAX_CONDITION_VALUE: usize = 128;
