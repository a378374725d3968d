//! CloudFormation's quotas per template (`crate::emit::aws_quotas`), checked on the deployments
//! before the template is planned (at the one too many), then on what the template builder
//! recorded and on the text it wrote. An application load balancer's are in
//! `crate::emit::alb_quotas`.

use crate::diagnostic::{Code, Diagnostic};
use crate::emit::aws_quotas::{
    MAX_INLINE_TEMPLATE_BYTES, MAX_OUTPUTS, MAX_PARAMETERS, MAX_RESOURCES, MAX_TEMPLATE_BYTES,
};
use crate::model::Deployment;

/// The most deployments one template can hold: each takes two of CloudFormation's 200
/// parameters, beside the two every template has (VPC and subnets).
pub const MAX_DEPLOYMENTS: usize = (MAX_PARAMETERS - 2) / 2;

/// How many parameters, resources and outputs a template was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TemplateCounts {
    pub parameters: usize,
    pub resources: usize,
    pub outputs: usize,
}

fn split_help() -> &'static str {
    "split the deployments into several applications, each compiled on its own into its own template and stack"
}

/// More deployments than one template holds: an error at the first one too many, before the
/// template is planned, rather than a count of parameters that names no line.
///
/// # Errors
/// That error.
pub fn check_deployments(deployments: &[Deployment]) -> Result<(), Vec<Diagnostic>> {
    let Some(first_too_many) = deployments.get(MAX_DEPLOYMENTS) else {
        return Ok(());
    };
    Err(vec![
        Diagnostic::error(
            Code::TemplateLimit,
            first_too_many.span,
            format!("the input holds more than {MAX_DEPLOYMENTS} deployments; its template would exceed CloudFormation's {MAX_PARAMETERS} parameters (two per deployment)"),
        )
        .with_help(split_help()),
    ])
}

/// An error per section over its quota, resources first.
///
/// # Errors
/// Those errors, when there is one.
pub fn check_counts(counts: TemplateCounts) -> Result<(), Vec<Diagnostic>> {
    let mut problems = Vec::new();
    for (what, count, limit) in [
        ("resources", counts.resources, MAX_RESOURCES),
        ("parameters", counts.parameters, MAX_PARAMETERS),
        ("outputs", counts.outputs, MAX_OUTPUTS),
    ] {
        if count > limit {
            problems.push(
                Diagnostic::error(
                    Code::TemplateLimit,
                    None,
                    format!(
                        "the template would have {count} {what}; CloudFormation allows {limit}"
                    ),
                )
                .with_help(split_help()),
            );
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A warning past the inline limit, which `deploy --s3-bucket` lifts.
///
/// # Errors
/// Past the limit for templates passed through S3.
pub fn check_bytes(bytes: usize) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    if bytes > MAX_TEMPLATE_BYTES {
        return Err(vec![
            Diagnostic::error(
                Code::TemplateLimit,
                None,
                format!("the template would be {bytes} bytes; CloudFormation accepts at most {MAX_TEMPLATE_BYTES}"),
            )
            .with_help(split_help()),
        ]);
    }
    let mut warnings = Vec::new();
    if bytes > MAX_INLINE_TEMPLATE_BYTES {
        warnings.push(
            Diagnostic::warning(
                Code::TemplateLimit,
                None,
                format!("the template is {bytes} bytes, over the {MAX_INLINE_TEMPLATE_BYTES}-byte limit for templates passed inline"),
            )
            .with_help("deploy it with `aws cloudformation deploy --s3-bucket BUCKET`, which uploads it first"),
        );
    }
    Ok(warnings)
}
