//! IAM role ARNs, as a ServiceAccount's `eks.amazonaws.com/role-arn` annotation and the short
//! manifest's `role:` write them. Checked where they are read, since the role's name reaches the
//! template (an instance profile lists roles by name) and a malformed ARN would only fail at
//! deploy time.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// Partitions an IAM ARN can name (`arn:PARTITION:iam::…`).
pub const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];

/// IAM's limits: a role name has 1–64 characters, a path at most 512 (IAM API reference,
/// CreateRole).
const MAX_NAME: usize = 64;
const MAX_PATH: usize = 512;

/// A role ARN split into what an instance profile needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    /// The last segment: what `AWS::IAM::InstanceProfile.Roles` takes.
    pub name: String,
    /// `/` or `/segment/…/`: part of the ARN, never of the name.
    pub path: String,
}

/// Characters IAM allows in a role name.
fn is_name_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || "+=,.@_-".contains(character)
}

/// Characters IAM allows in a path segment: printable ASCII from `!` to `~`, but not `/`,
/// which separates segments.
fn is_path_character(character: char) -> bool {
    ('!'..='~').contains(&character) && character != '/'
}

/// The shape of a role ARN, as the manifest schema's pattern states it:
/// `arn:(aws|aws-cn|aws-us-gov):iam::<12 digits>:role/(<segment>/)*<name>`.
#[must_use]
pub fn has_role_arn_shape(text: &str) -> bool {
    parse_role_arn(text).is_ok() || matches!(parse_role_arn(text), Err(Problem::PathTooLong))
}

/// Why a text is not a role ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    NotAnArn,
    Partition,
    Service,
    Region,
    Account,
    NotARole,
    Name,
    Path,
    PathTooLong,
}

impl Problem {
    fn explain(self) -> &'static str {
        match self {
            Problem::NotAnArn => "it does not start with `arn:`",
            Problem::Partition => "the partition must be aws, aws-cn or aws-us-gov",
            Problem::Service => "it is not an IAM ARN (`arn:aws:iam::…`)",
            Problem::Region => "IAM ARNs name no region (`arn:aws:iam::ACCOUNT:role/NAME`)",
            Problem::Account => "the account must be 12 digits",
            Problem::NotARole => "it names no role (`…:role/NAME`)",
            Problem::Name => "a role name has 1–64 letters, digits or + = , . @ _ -",
            Problem::Path => "a path segment is empty or holds a character IAM does not allow",
            Problem::PathTooLong => "the role's path is longer than IAM's 512 characters",
        }
    }
}

/// The role's name and path.
///
/// # Errors
/// What is wrong with the text.
pub fn parse_role_arn(text: &str) -> Result<RoleArn, Problem> {
    let mut parts = text.splitn(6, ':');
    if parts.next() != Some("arn") {
        return Err(Problem::NotAnArn);
    }
    let partition = parts.next().unwrap_or_default();
    if !PARTITIONS.contains(&partition) {
        return Err(Problem::Partition);
    }
    if parts.next() != Some("iam") {
        return Err(Problem::Service);
    }
    if parts.next() != Some("") {
        return Err(Problem::Region);
    }
    let account = parts.next().unwrap_or_default();
    if account.len() != 12 || !account.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(Problem::Account);
    }
    let resource = parts.next().unwrap_or_default();
    let Some(rest) = resource.strip_prefix("role/") else {
        return Err(Problem::NotARole);
    };
    let (segments, name) = match rest.rsplit_once('/') {
        Some((segments, name)) => (Some(segments), name),
        None => (None, rest),
    };
    if name.is_empty() || name.len() > MAX_NAME || !name.chars().all(is_name_character) {
        return Err(Problem::Name);
    }
    let path = match segments {
        None => "/".to_string(),
        Some(segments) => {
            if segments
                .split('/')
                .any(|segment| segment.is_empty() || !segment.chars().all(is_path_character))
            {
                return Err(Problem::Path);
            }
            format!("/{segments}/")
        }
    };
    if path.len() > MAX_PATH {
        return Err(Problem::PathTooLong);
    }
    Ok(RoleArn {
        name: name.to_string(),
        path,
    })
}

/// The error for a text that is not a role ARN, at `span`; `field` names where it was written.
#[must_use]
pub fn invalid_role_arn(
    field: &str,
    text: &str,
    problem: Problem,
    span: Option<Span>,
) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidValue,
        span,
        format!(
            "{field} `{text}` is not an IAM role ARN: {}",
            problem.explain()
        ),
    )
    .with_help("write it as `aws iam get-role --role-name NAME --query Role.Arn` prints it: arn:aws:iam::123456789012:role/NAME, or role/PATH/NAME for a role with a path")
}

/// Said once per role: an instance profile lets EC2 assume the role for the VMs, which only a
/// trust policy admitting `ec2.amazonaws.com` allows. Roles made for EKS service accounts
/// (IRSA) trust the cluster's OIDC provider instead, so the same ARN that worked there fails
/// here, silently, at the VMs' first AWS call.
#[must_use]
pub fn trust_policy_reminder(role_name: &str, users: &[&str], span: Option<Span>) -> Diagnostic {
    let users = users
        .iter()
        .map(|user| format!("`{user}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::warning(
        Code::InstanceRole,
        span,
        format!("the VMs of {users} act as IAM role `{role_name}` through an instance profile: the role's trust policy must allow `ec2.amazonaws.com` to assume it"),
    )
    .with_help("a role made for EKS (IRSA) trusts the cluster's OIDC provider, not EC2: add a statement allowing the service principal ec2.amazonaws.com the action sts:AssumeRole (aws iam update-assume-role-policy)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/web"),
            Ok(RoleArn {
                name: "web".into(),
                path: "/".into()
            })
        );
        assert_eq!(
            parse_role_arn("arn:aws-us-gov:iam::123456789012:role/service-role/team/Web+App@1"),
            Ok(RoleArn {
                name: "Web+App@1".into(),
                path: "/service-role/team/".into()
            })
        );
        assert!(parse_role_arn("arn:aws-cn:iam::123456789012:role/x").is_ok());
    }

    #[test]
    fn refusals_say_why() {
        let problem = |text: &str| parse_role_arn(text).err();
        assert_eq!(problem("role/web"), Some(Problem::NotAnArn));
        assert_eq!(
            problem("arn:aws-eu:iam::123456789012:role/web"),
            Some(Problem::Partition)
        );
        assert_eq!(problem("arn:aws:s3:::bucket"), Some(Problem::Service));
        assert_eq!(
            problem("arn:aws:iam:eu-west-1:123456789012:role/web"),
            Some(Problem::Region)
        );
        assert_eq!(
            problem("arn:aws:iam::12345:role/web"),
            Some(Problem::Account)
        );
        assert_eq!(
            problem("arn:aws:iam::123456789012:user/web"),
            Some(Problem::NotARole)
        );
        assert_eq!(
            problem("arn:aws:iam::123456789012:role/"),
            Some(Problem::Name)
        );
        assert_eq!(
            problem("arn:aws:iam::123456789012:role/a b"),
            Some(Problem::Name)
        );
        assert_eq!(
            problem(&format!(
                "arn:aws:iam::123456789012:role/{}",
                "x".repeat(65)
            )),
            Some(Problem::Name)
        );
        assert_eq!(
            problem("arn:aws:iam::123456789012:role//web"),
            Some(Problem::Path)
        );
        assert_eq!(
            problem("arn:aws:iam::123456789012:role/a\u{e9}/web"),
            Some(Problem::Path)
        );
        let long = format!("arn:aws:iam::123456789012:role/{}/web", "p".repeat(511));
        assert_eq!(problem(&long), Some(Problem::PathTooLong));
        assert!(has_role_arn_shape(&long));
        assert!(!has_role_arn_shape("arn:aws:iam::123456789012:role/"));
    }
}
