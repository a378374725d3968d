//! The AWS quotas a template must fit, in one place. The emitter checks the template it wrote
//! against CloudFormation's (`emit::quotas`); the reader checks earlier what follows from the
//! input alone, so that a file that can only fail is refused at the line that makes it fail,
//! and before i2kit reads and holds thousands more objects: the deployments of one template
//! (each takes two of its parameters) and an application load balancer's listeners, rules and
//! condition values (the reader merges Ingress groups into load balancers). Neither layer owns
//! these numbers, so both read them here, and the reader never imports an emitter.

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
