//! Amazon Resource Names as a manifest writes them, `arn:PARTITION:SERVICE:REGION:ACCOUNT:
//! RESOURCE`: the parts every ARN shares are split and checked here once, so each reader checks
//! only what its own service adds (the resource's form, whether the region is empty).

/// An ARN's parts, each as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    /// Empty for global services (IAM).
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// `text`'s parts, when it has all six, its partition is `aws` or `aws-WORD`, its region is
/// empty or a [`is_word`], and its account twelve digits.
#[must_use]
pub fn parse_arn(text: &str) -> Option<Arn<'_>> {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    let partition_ok = *partition == "aws" || partition.strip_prefix("aws-").is_some_and(is_word);
    let region_ok = region.is_empty() || is_word(region);
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (*scheme == "arn" && partition_ok && region_ok && account_ok).then_some(Arn {
        partition,
        service,
        region,
        account,
        resource,
    })
}

/// Lower-case letters, digits and `-`, at least one: a partition suffix or a region.
#[must_use]
pub fn is_word(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_parts_are_checked() {
        let arn = parse_arn("arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/a/b")
            .expect("an ARN");
        assert_eq!(
            (arn.partition, arn.service, arn.region, arn.resource),
            ("aws-us-gov", "acm", "us-gov-west-1", "certificate/a/b")
        );
        assert!(parse_arn("arn:aws:iam::123456789012:role/x").is_some());
        assert!(parse_arn("arn:awsx:acm:us-east-1:123456789012:certificate/x").is_none());
        assert!(parse_arn("arn:aws:acm:US-EAST-1:123456789012:certificate/x").is_none());
        assert!(parse_arn("arn:aws:acm:us-east-1:12345678901:certificate/x").is_none());
        assert!(parse_arn("urn:aws:acm:us-east-1:123456789012:certificate/x").is_none());
        assert!(parse_arn("arn:aws:acm:us-east-1:123456789012").is_none());
    }
}
