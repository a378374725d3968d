//! CloudFormation logical ids and parameter names derived from deployment and service names.

/// `nginx-deployment` → `NginxDeployment`: logical ids allow only letters and digits.
#[must_use]
pub fn logical_id(name: &str) -> String {
    name.split('-')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut characters = part.chars();
            characters
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + characters.as_str())
                .unwrap_or_default()
        })
        .collect()
}

pub const VPC_PARAMETER: &str = "VpcId";
pub const SUBNETS_PARAMETER: &str = "Subnets";
pub const HOSTED_ZONE_PARAMETER: &str = "HostedZoneName";
pub const INTERNAL_CIDR_PARAMETER: &str = "InternalClientCidr";
pub const LOGS_BUCKET_PARAMETER: &str = "LoadBalancerLogsBucket";
/// Holds when [`LOGS_BUCKET_PARAMETER`] names a bucket.
pub const LOGS_CONDITION: &str = "LogLoadBalancerAccess";
pub const CLUSTER_ZONE_PARAMETER: &str = "ClusterDnsZoneId";
/// Holds when [`CLUSTER_ZONE_PARAMETER`] is empty, so the template creates the zone.
pub const CLUSTER_ZONE_CONDITION: &str = "CreateClusterDnsZone";

/// Names of one deployment's or service's resources and parameters.
#[derive(Debug, Clone)]
pub struct Names {
    pub id: String,
}

impl Names {
    #[must_use]
    pub fn new(name: &str) -> Names {
        Names {
            id: logical_id(name),
        }
    }

    #[must_use]
    pub fn with(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_cases_dns_labels() {
        assert_eq!(logical_id("nginx-deployment"), "NginxDeployment");
        assert_eq!(logical_id("redis"), "Redis");
        assert_eq!(logical_id("a1-b2"), "A1B2");
    }
}
