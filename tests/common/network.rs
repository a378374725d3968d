//! Who a template's security groups admit, read from the template as CloudFormation would
//! deploy it with the parameters' defaults (or the values given): which rules exist once the
//! conditions are decided, and whether one of them admits the whole internet.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The group every VM carries and internal load balancers admit.
pub const APPLICATION_GROUP: &str = "ApplicationSecurityGroup";

/// Parameter values as a stack would get them: `given`, else each parameter's `Default`.
/// A parameter with neither is unknown (`None`).
pub fn parameter_values(
    template: &Value,
    given: &BTreeMap<&str, &str>,
) -> BTreeMap<String, Option<String>> {
    template["Parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, declaration)| {
            let value = given
                .get(name.as_str())
                .map(|value| (*value).to_string())
                .or_else(|| declaration["Default"].as_str().map(str::to_string));
            (name.clone(), value)
        })
        .collect()
}

struct Deployed<'a> {
    template: &'a Value,
    values: BTreeMap<String, Option<String>>,
}

impl Deployed<'_> {
    /// A string value: a literal, or a `Ref` to a parameter of known value.
    fn text(&self, value: &Value) -> Option<String> {
        if let Some(text) = value.as_str() {
            return Some(text.to_string());
        }
        let name = value["Ref"].as_str()?;
        self.values.get(name).cloned().flatten()
    }

    /// A condition's truth; `None` when it depends on an unknown value.
    fn holds(&self, condition: &Value) -> Option<bool> {
        if let Some(name) = condition.as_str() {
            return self.holds(&self.template["Conditions"][name]);
        }
        if let Some(name) = condition["Condition"].as_str() {
            return self.holds(&self.template["Conditions"][name]);
        }
        if let Some([inner]) = condition["Fn::Not"].as_array().map(Vec::as_slice) {
            return self.holds(inner).map(|truth| !truth);
        }
        if let Some([left, right]) = condition["Fn::Equals"].as_array().map(Vec::as_slice) {
            return Some(self.text(left)? == self.text(right)?);
        }
        let all = |key: &str| -> Option<Vec<Option<bool>>> {
            Some(
                condition[key]
                    .as_array()?
                    .iter()
                    .map(|part| self.holds(part))
                    .collect(),
            )
        };
        if let Some(parts) = all("Fn::Or") {
            return if parts.contains(&Some(true)) {
                Some(true)
            } else if parts.contains(&None) {
                None
            } else {
                Some(false)
            };
        }
        if let Some(parts) = all("Fn::And") {
            return if parts.contains(&Some(false)) {
                Some(false)
            } else if parts.contains(&None) {
                None
            } else {
                Some(true)
            };
        }
        None
    }

    /// The values `value` may take: both branches of an `Fn::If` whose condition is unknown,
    /// none for `AWS::NoValue`.
    fn resolve(&self, value: &Value) -> Vec<Value> {
        if value["Ref"] == "AWS::NoValue" {
            return Vec::new();
        }
        if let Some([condition, then, otherwise]) = value["Fn::If"].as_array().map(Vec::as_slice) {
            return match self.holds(condition) {
                Some(true) => self.resolve(then),
                Some(false) => self.resolve(otherwise),
                None => [self.resolve(then), self.resolve(otherwise)].concat(),
            };
        }
        vec![value.clone()]
    }

    fn exists(&self, resource: &Value) -> bool {
        resource["Condition"]
            .as_str()
            .is_none_or(|name| self.holds(&Value::from(name)) != Some(false))
    }

    /// Every ingress rule of each group (inline and `AWS::EC2::SecurityGroupIngress`), by the
    /// group's logical id.
    fn ingress(&self) -> BTreeMap<String, Vec<Value>> {
        let mut rules: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (id, resource) in resources(self.template) {
            if !self.exists(resource) {
                continue;
            }
            match resource["Type"].as_str() {
                Some("AWS::EC2::SecurityGroup") => {
                    let entry = rules.entry(id.clone()).or_default();
                    let written = resource["Properties"]["SecurityGroupIngress"].as_array();
                    for rule in written.into_iter().flatten() {
                        entry.extend(self.resolve(rule));
                    }
                }
                Some("AWS::EC2::SecurityGroupIngress") => {
                    if let Some(group) = resource["Properties"]["GroupId"]["Ref"].as_str() {
                        rules
                            .entry(group.to_string())
                            .or_default()
                            .extend(self.resolve(&resource["Properties"]));
                    }
                }
                _ => {}
            }
        }
        rules
    }
}

fn resources(template: &Value) -> impl Iterator<Item = (&String, &Value)> {
    template["Resources"].as_object().into_iter().flatten()
}

/// The groups named in a `SecurityGroups` list, by logical id.
fn referenced_groups(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|group| group["Ref"].as_str().map(str::to_string))
        .collect()
}

/// One load balancer: whether it is internet-facing, its groups, and its listener ports with
/// their `IpProtocol`.
struct Balancer {
    public: bool,
    groups: Vec<String>,
    ports: Vec<(u64, &'static str)>,
}

fn ip_protocol(protocol: &Value) -> &'static str {
    if protocol
        .as_str()
        .is_some_and(|p| p.eq_ignore_ascii_case("udp"))
    {
        "udp"
    } else {
        "tcp"
    }
}

fn balancers(template: &Value) -> BTreeMap<String, Balancer> {
    let mut found = BTreeMap::new();
    for (id, resource) in resources(template) {
        let properties = &resource["Properties"];
        match resource["Type"].as_str() {
            Some("AWS::ElasticLoadBalancingV2::LoadBalancer") => {
                found.insert(
                    id.clone(),
                    Balancer {
                        // ELBv2's default scheme is internet-facing.
                        public: properties["Scheme"] != "internal",
                        groups: referenced_groups(&properties["SecurityGroups"]),
                        ports: Vec::new(),
                    },
                );
            }
            Some("AWS::ElasticLoadBalancing::LoadBalancer") => {
                let ports = properties["Listeners"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|listener| {
                        let port = listener["LoadBalancerPort"].as_str()?.parse().ok()?;
                        Some((port, ip_protocol(&listener["Protocol"])))
                    })
                    .collect();
                found.insert(
                    id.clone(),
                    Balancer {
                        public: properties["Scheme"] != "internal",
                        groups: referenced_groups(&properties["SecurityGroups"]),
                        ports,
                    },
                );
            }
            _ => {}
        }
    }
    for (_, resource) in resources(template) {
        if resource["Type"] != "AWS::ElasticLoadBalancingV2::Listener" {
            continue;
        }
        let properties = &resource["Properties"];
        let owner = properties["LoadBalancerArn"]["Ref"]
            .as_str()
            .unwrap_or_default();
        if let (Some(balancer), Some(port)) = (found.get_mut(owner), properties["Port"].as_u64()) {
            balancer
                .ports
                .push((port, ip_protocol(&properties["Protocol"])));
        }
    }
    found
}

fn covers(rule: &Value, port: u64, protocol: &str) -> bool {
    let from = rule["FromPort"].as_u64().unwrap_or(0);
    let to = rule["ToPort"].as_u64().unwrap_or(65535);
    (rule["IpProtocol"] == protocol || rule["IpProtocol"] == "-1") && from <= port && port <= to
}

/// What a template deployed with `given` (other parameters at their defaults) admits beyond
/// i2kit's promise, one line each:
/// - a rule from 0.0.0.0/0 or ::/0 on a group that is not an internet-facing load balancer's;
/// - on an internal load balancer's group, a listener port the application's group may not
///   use, or a range no parameter was given for (`cidr`: the range `InternalClientCidr` was
///   given, which alone may appear);
/// - a launch template whose VMs do not carry the application's group, or that group with
///   ingress of its own.
pub fn admission_problems(template: &Value, given: &BTreeMap<&str, &str>) -> Vec<String> {
    admission_problems_with(template, given, &BTreeSet::new(), false)
}

/// [`admission_problems`], where an internal load balancer may also admit the source ranges
/// the manifest wrote (`written`, canonical): its own restriction, not a widening. For a
/// template compiled from NetworkPolicies (`policed`), who an internal listener admits is
/// theirs to say, not the default's (checked by the property
/// `a_policed_deployment_admits_only_what_the_policy_names` and by conformance, which evaluates
/// the policies); the rest of the promise holds as it is.
pub fn admission_problems_with(
    template: &Value,
    given: &BTreeMap<&str, &str>,
    written: &BTreeSet<String>,
    policed: bool,
) -> Vec<String> {
    let deployed = Deployed {
        template,
        values: parameter_values(template, given),
    };
    let ingress = deployed.ingress();
    let balancers = balancers(template);
    let public_groups: Vec<&String> = balancers
        .values()
        .filter(|balancer| balancer.public)
        .flat_map(|balancer| &balancer.groups)
        .collect();
    let mut problems = Vec::new();
    for (group, rules) in &ingress {
        for rule in rules {
            let cidr = deployed.text(&rule["CidrIp"]);
            let cidr_v6 = deployed.text(&rule["CidrIpv6"]);
            let world = cidr.as_deref() == Some("0.0.0.0/0") || cidr_v6.as_deref() == Some("::/0");
            if world && !public_groups.contains(&group) {
                problems.push(format!(
                    "{group} admits the whole internet but is no internet-facing load balancer's group: {rule}"
                ));
            }
        }
    }
    let allowed_cidr = given.get("InternalClientCidr").copied();
    for (id, balancer) in &balancers {
        if balancer.public || policed {
            continue;
        }
        let rules: Vec<&Value> = balancer
            .groups
            .iter()
            .flat_map(|group| ingress.get(group).into_iter().flatten())
            .collect();
        for (port, protocol) in &balancer.ports {
            let admits_application = rules.iter().any(|rule| {
                rule["SourceSecurityGroupId"]["Ref"] == APPLICATION_GROUP
                    && covers(rule, *port, protocol)
            });
            if !admits_application {
                problems.push(format!(
                    "internal {id} does not admit {APPLICATION_GROUP} on {protocol} {port}"
                ));
            }
        }
        for rule in &rules {
            let ranges = [&rule["CidrIp"], &rule["CidrIpv6"]];
            for range in ranges.into_iter().filter(|range| !range.is_null()) {
                let value = deployed.text(range);
                let from_manifest = value.as_ref().is_some_and(|value| written.contains(value));
                if value.is_none() || (value.as_deref() != allowed_cidr && !from_manifest) {
                    problems.push(format!(
                        "internal {id} admits a range it was not given ({value:?}): {rule}"
                    ));
                }
            }
        }
    }
    for (id, resource) in resources(template) {
        if resource["Type"] != "AWS::EC2::LaunchTemplate" {
            continue;
        }
        let data = &resource["Properties"]["LaunchTemplateData"];
        let carried: Vec<String> = data["NetworkInterfaces"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|interface| referenced_groups(&interface["Groups"]))
            .chain(referenced_groups(&data["SecurityGroupIds"]))
            .chain(instance_groups(template, id))
            .collect();
        if !carried.iter().any(|group| group == APPLICATION_GROUP) {
            problems.push(format!("{id}'s VMs do not carry {APPLICATION_GROUP}"));
        }
    }
    if ingress
        .get(APPLICATION_GROUP)
        .is_some_and(|rules| !rules.is_empty())
    {
        problems.push(format!("{APPLICATION_GROUP} has ingress of its own"));
    }
    problems
}

/// The groups of the instances launched from launch template `template_id` that name their
/// own network interfaces (a StatefulSet's ordinals).
pub fn instance_groups(template: &Value, template_id: &str) -> Vec<String> {
    resources(template)
        .filter(|(_, resource)| {
            resource["Type"] == "AWS::EC2::Instance"
                && resource["Properties"]["LaunchTemplate"]["LaunchTemplateId"]["Ref"]
                    == template_id
        })
        .flat_map(|(_, resource)| {
            resource["Properties"]["NetworkInterfaces"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|interface| referenced_groups(&interface["GroupSet"]))
                .collect::<Vec<String>>()
        })
        .collect()
}
