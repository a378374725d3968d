//! CloudFormation logical ids and parameter names derived from deployment and service names,
//! and the rule that keeps them apart: each id belongs to one object of the input.
//!
//! Ids are PascalCased names with a fixed suffix (`team-admin` → `TeamAdminInstanceProfile`),
//! kept short and readable because they name the stack's resources in every AWS console, and
//! because changing one replaces its resource in every stack made so far. Such an encoding
//! cannot be injective over names: ServiceAccount `admin` of namespace `team` and `team-admin`
//! of `default` meet, and so do service `a`'s `ClusterDnsRecord` and service `a-cluster`'s
//! `DnsRecord`. So every id is recorded with its [`Owner`], and two owners of one id, in any
//! sections (a parameter and a resource of one name make `Ref` ambiguous), are an error at
//! both, never a skip or an overwrite: the mapping is injective on every input i2kit accepts.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

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
/// Holds when [`INTERNAL_CIDR_PARAMETER`] names a range, so internal load balancers admit it.
pub const INTERNAL_CIDR_CONDITION: &str = "AdmitInternalClientCidr";
pub const INTERNAL_SOURCE_GROUP_PARAMETER: &str = "InternalClientSecurityGroupId";
/// Holds when [`INTERNAL_SOURCE_GROUP_PARAMETER`] names a group, so internal load balancers
/// admit its members.
pub const INTERNAL_SOURCE_GROUP_CONDITION: &str = "AdmitInternalClientSecurityGroup";
/// The group every VM of the application carries, and the output that names it.
pub const APPLICATION_SECURITY_GROUP: &str = "ApplicationSecurityGroup";
pub const APPLICATION_SECURITY_GROUP_OUTPUT: &str = "ApplicationSecurityGroupId";
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

/// The sections of a template. CloudFormation resolves `Ref` over parameters and resources
/// alike (cfn-lint E3007); i2kit keeps conditions and outputs in the same namespace too, so
/// that one name means one thing to whoever reads the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Parameters,
    Conditions,
    Resources,
    Outputs,
}

impl Section {
    fn as_str(self) -> &'static str {
        match self {
            Section::Parameters => "parameter",
            Section::Conditions => "condition",
            Section::Resources => "resource",
            Section::Outputs => "output",
        }
    }
}

/// The object of the input an id is derived from. Two owners are the same object exactly when
/// their descriptions are equal: each names its kind and what makes it unique in the
/// application (deployments, services and ingresses are unique by name; a ServiceAccount by
/// namespace and name).
#[derive(Debug, Clone)]
pub struct Owner {
    pub what: String,
    pub span: Option<Span>,
}

impl Owner {
    #[must_use]
    pub fn new(what: String, span: Option<Span>) -> Owner {
        Owner { what, span }
    }

    /// i2kit's own parameters, conditions and resources, fixed names of every template.
    #[must_use]
    pub fn shared() -> Owner {
        Owner::new("i2kit's own network and DNS settings".to_string(), None)
    }
}

/// One id of the template, with its section and owner.
#[derive(Debug, Clone)]
pub struct OwnedId {
    pub section: Section,
    pub id: String,
    pub owner: Owner,
}

impl OwnedId {
    #[must_use]
    pub fn new(section: Section, id: String, owner: &Owner) -> OwnedId {
        OwnedId {
            section,
            id,
            owner: owner.clone(),
        }
    }
}

/// An error for each id two owners share, or one owner gives twice in one section, at every
/// owner's place that the input has (both objects' lines), each naming the other.
#[must_use]
pub fn id_clashes(ids: &[OwnedId]) -> Vec<Diagnostic> {
    let mut first_of: BTreeMap<&str, &OwnedId> = BTreeMap::new();
    let mut clashes = Vec::new();
    // Two objects of alike names usually meet on many ids (all of an Ingress's resources):
    // the first id each pair meets on is enough to tell what to rename.
    let mut reported: BTreeSet<(&str, &str)> = BTreeSet::new();
    for entry in ids {
        let Some(first) = first_of.get(entry.id.as_str()).copied() else {
            first_of.insert(&entry.id, entry);
            continue;
        };
        let same_owner = first.owner.what == entry.owner.what;
        // One object may name an output after its own parameter (`ClusterDnsZoneId`): nothing
        // refers to an output, so the two cannot be confused.
        let beside_output = first.section == Section::Outputs || entry.section == Section::Outputs;
        if same_owner && first.section != entry.section && beside_output {
            continue;
        }
        let (one, other) = (first.owner.what.as_str(), entry.owner.what.as_str());
        if !reported.insert((one.min(other), one.max(other))) {
            continue;
        }
        if same_owner {
            clashes.push(clash(entry, None));
        } else {
            // i2kit's own ids have no place in the input: only the object is told.
            for (here, there) in [(entry, first), (first, entry)] {
                if here.owner.span.is_some() {
                    clashes.push(clash(here, Some(there)));
                }
            }
        }
    }
    clashes
}

/// The error at `entry`'s owner, about the `other` owner of its id (`None`: the same owner
/// gives it twice).
fn clash(entry: &OwnedId, other: Option<&OwnedId>) -> Diagnostic {
    let id = &entry.id;
    let (message, help) = match other {
        Some(other) => (
            if entry.section == other.section {
                format!(
                    "{} and {} both come to the CloudFormation {} id `{id}`",
                    entry.owner.what,
                    other.owner.what,
                    entry.section.as_str()
                )
            } else {
                format!(
                    "{} and {} both come to the CloudFormation id `{id}`, as a {} and a {}",
                    entry.owner.what,
                    other.owner.what,
                    entry.section.as_str(),
                    other.section.as_str()
                )
            },
            match other.owner.span {
                Some(span) => format!(
                    "rename one of the two (the other is at line {}): an id joins the parts of a name, each capitalised, without '-' or '.', and adds a suffix, so different names can meet",
                    span.start.line
                ),
                None => format!(
                    "rename {}: `{id}` is one of i2kit's own ids",
                    entry.owner.what
                ),
            },
        ),
        None => (
            format!(
                "{} comes to the CloudFormation {} id `{id}` twice",
                entry.owner.what,
                entry.section.as_str()
            ),
            "rename the hosts or services it names: an id joins the parts of a name, each capitalised, without '-' or '.', so different names can meet".to_string(),
        ),
    };
    Diagnostic::error(Code::IdClash, entry.owner.span, message).with_help(help)
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

    /// Why ids are checked rather than trusted: the readable encoding meets itself.
    #[test]
    fn different_names_can_come_to_one_id() {
        assert_eq!(logical_id("web-2"), logical_id("web2"));
        assert_eq!(logical_id("a--b"), logical_id("a-b"));
        assert_eq!(
            Names::new("a").with("ClusterDnsRecord"),
            Names::new("a-cluster").with("DnsRecord")
        );
    }

    fn owner(what: &str, line: usize) -> Owner {
        Owner::new(what.to_string(), Some(Span::at(line, 1)))
    }

    fn id(section: Section, id: &str, owner: &Owner) -> OwnedId {
        OwnedId::new(section, id.to_string(), owner)
    }

    #[test]
    fn distinct_ids_do_not_clash() {
        let web = owner("deployment `web`", 1);
        let ids = [
            id(Section::Parameters, "WebImageId", &web),
            id(Section::Resources, "WebLaunchTemplate", &web),
        ];
        assert!(id_clashes(&ids).is_empty());
    }

    #[test]
    fn two_owners_of_one_id_are_an_error_at_both_in_any_sections() {
        for (first, second) in [
            (Section::Resources, Section::Resources),
            (Section::Parameters, Section::Resources),
            (Section::Conditions, Section::Conditions),
            (Section::Outputs, Section::Parameters),
        ] {
            let one = owner("the role of ServiceAccount `admin` in namespace `team`", 3);
            let other = owner(
                "the role of ServiceAccount `team-admin` in namespace `default`",
                9,
            );
            let ids = [
                id(first, "TeamAdminInstanceProfile", &one),
                id(second, "TeamAdminInstanceProfile", &other),
            ];
            let clashes = id_clashes(&ids);
            let lines: Vec<usize> = clashes
                .iter()
                .filter_map(|clash| clash.span.map(|span| span.start.line))
                .collect();
            assert_eq!(lines, [9, 3], "{first:?} and {second:?}");
            for clash in &clashes {
                assert!(clash.is_error());
                assert_eq!(clash.code, Code::IdClash);
                assert!(clash.message.contains("`team-admin`"), "{}", clash.message);
                assert!(clash.message.contains("`admin`"), "{}", clash.message);
                assert!(clash.message.contains("`TeamAdminInstanceProfile`"));
            }
            assert!(
                clashes[0]
                    .help
                    .as_deref()
                    .is_some_and(|help| help.contains("line 3"))
            );
            assert!(
                clashes[1]
                    .help
                    .as_deref()
                    .is_some_and(|help| help.contains("line 9"))
            );
        }
    }

    #[test]
    fn a_clash_with_an_id_of_i2kit_is_an_error_at_the_object_alone() {
        let service = owner("service `vpc`", 4);
        let shared = Owner::shared();
        for ids in [
            [
                id(Section::Parameters, VPC_PARAMETER, &shared),
                id(Section::Outputs, VPC_PARAMETER, &service),
            ],
            [
                id(Section::Resources, VPC_PARAMETER, &service),
                id(Section::Parameters, VPC_PARAMETER, &shared),
            ],
        ] {
            let clashes = id_clashes(&ids);
            assert_eq!(clashes.len(), 1);
            assert_eq!(clashes[0].span, Some(Span::at(4, 1)));
            let help = clashes[0].help.as_deref().unwrap_or_default();
            assert!(help.contains("i2kit's own"), "{help}");
        }
    }

    #[test]
    fn one_owner_may_echo_a_parameter_as_an_output_only() {
        let shared = Owner::shared();
        let echoed = [
            id(Section::Parameters, CLUSTER_ZONE_PARAMETER, &shared),
            id(Section::Outputs, CLUSTER_ZONE_PARAMETER, &shared),
        ];
        assert!(id_clashes(&echoed).is_empty());
        let web = owner("deployment `web`", 2);
        for (first, second) in [
            (Section::Parameters, Section::Resources),
            (Section::Conditions, Section::Resources),
            (Section::Resources, Section::Resources),
        ] {
            let twice = [id(first, "WebThing", &web), id(second, "WebThing", &web)];
            let clashes = id_clashes(&twice);
            assert_eq!(clashes.len(), 1, "{first:?} and {second:?}");
            assert_eq!(clashes[0].span, Some(Span::at(2, 1)));
        }
    }

    #[test]
    fn two_owners_are_told_once_however_many_ids_they_meet_on() {
        let dotted = owner("the Ingress load balancer `shop.web`", 1);
        let dashed = owner("the Ingress load balancer `shop-web`", 7);
        let ids: Vec<OwnedId> = ["ShopWebIngressLoadBalancer", "ShopWebIngressListener80"]
            .into_iter()
            .flat_map(|name| {
                [
                    id(Section::Resources, name, &dotted),
                    id(Section::Resources, name, &dashed),
                ]
            })
            .collect();
        assert_eq!(id_clashes(&ids).len(), 2);
    }
}
