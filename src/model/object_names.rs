//! The names of the application's Deployments and Services: DNS labels, since each becomes a
//! host name (`<name>.<namespace>.svc.cluster.local`), a file name and resource names. Each is
//! a type of its own, so a Service's name is never taken for a Deployment's of the same text,
//! and each can only be made by checking the text, where a reader reads it.

use super::dns_label::label_name;

label_name!(
    /// The name of one of the application's Deployments: its own, and how a service, a
    /// target group or a role giver links to it. A Service often has the same text as a
    /// Deployment; the types keep the two from being taken for each other.
    DeploymentName
);

/// Unit tests name deployments they never build; the program only links to ones it has.
#[cfg(test)]
impl From<&str> for DeploymentName {
    fn from(name: &str) -> DeploymentName {
        DeploymentName::new(name).unwrap_or_else(|| panic!("{name:?} is not a label"))
    }
}

impl ServiceName {
    /// The name of a Deployment's own load balancer (a short manifest's service, or the
    /// internal one of a Deployment no Service selects): the Deployment's name.
    #[must_use]
    pub fn of_deployment(name: &DeploymentName) -> ServiceName {
        ServiceName(name.0.clone())
    }
}

label_name!(
    /// The name of one of the application's Services: its own, and how an egress rule, a
    /// target group or a headless name links to it.
    ServiceName
);

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_LABELS: [&str; 4] = [
        "",
        "A",
        "a_b",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ];

    #[test]
    fn a_service_name_is_only_made_from_a_label() {
        assert_eq!(NOT_LABELS[3].len(), 64);
        for text in NOT_LABELS {
            assert_eq!(ServiceName::new(text), None, "{text:?}");
        }
        let name = ServiceName::new("web-1").map(String::from);
        assert_eq!(name.as_deref(), Some("web-1"));
    }

    #[test]
    fn a_deployment_name_is_only_made_from_a_label() {
        for text in NOT_LABELS {
            assert_eq!(DeploymentName::new(text), None, "{text:?}");
        }
        let name = DeploymentName::new("web-1");
        assert_eq!(name.as_deref(), Some("web-1"));
        let own = name.as_ref().map(ServiceName::of_deployment);
        assert_eq!(own.as_deref(), Some("web-1"));
    }
}
