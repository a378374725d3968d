//! An application → one parameterised CloudFormation template (JSON). AMI ids, network and
//! DNS zone are parameters, so one template serves every account, region and environment.

use crate::diagnostic::{Code, Diagnostic};
use crate::emit::cluster_dns;
use crate::emit::compute::{auto_scaling_group, launch_template};
use crate::emit::ingress;
use crate::emit::instance_security_group::instance_security_group;
use crate::emit::intrinsic::Expr;
use crate::emit::load_balancing::{host_name, target_group_id, traffic_resources};
use crate::emit::naming::{
    CLUSTER_ZONE_CONDITION, CLUSTER_ZONE_PARAMETER, HOSTED_ZONE_PARAMETER, INTERNAL_CIDR_PARAMETER,
    LOGS_BUCKET_PARAMETER, LOGS_CONDITION, Names, OwnedId, Owner, SUBNETS_PARAMETER, Section,
    VPC_PARAMETER, id_clashes,
};
use crate::emit::scaling::{
    instance_profile, instance_profile_id, profile_owner, scaling_policy, scaling_policy_id,
};
use crate::internal_error::InternalError;
use crate::model::{
    Application, Certificate, Deployment, Ingress, InstanceRole, LoadBalancerKind, RoleGiver,
    Service,
};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Value, json};

/// CloudFormation's quotas per template.
pub const MAX_RESOURCES: usize = 500;
pub const MAX_PARAMETERS: usize = 200;
pub const MAX_OUTPUTS: usize = 200;
/// A template passed through S3 (`aws cloudformation deploy --s3-bucket`).
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;
/// A template passed inline (`--template-body`, or `deploy` without `--s3-bucket`).
pub const MAX_INLINE_TEMPLATE_BYTES: usize = 51_200;

#[derive(Serialize)]
struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    #[serde(rename = "Description")]
    description: String,
    #[serde(rename = "Parameters")]
    parameters: IndexMap<String, Value>,
    #[serde(rename = "Conditions", skip_serializing_if = "IndexMap::is_empty")]
    conditions: IndexMap<String, Value>,
    #[serde(rename = "Resources")]
    resources: IndexMap<String, Value>,
    #[serde(rename = "Outputs", skip_serializing_if = "IndexMap::is_empty")]
    outputs: IndexMap<String, Value>,
}

/// Why there is no template.
#[derive(Debug)]
pub enum TemplateError {
    /// The input cannot become one: errors at its lines (exit 1).
    Refused(Vec<Diagnostic>),
    /// i2kit failed (exit 2).
    Internal(InternalError),
}

impl From<Vec<Diagnostic>> for TemplateError {
    fn from(problems: Vec<Diagnostic>) -> TemplateError {
        TemplateError::Refused(problems)
    }
}

impl From<InternalError> for TemplateError {
    fn from(error: InternalError) -> TemplateError {
        TemplateError::Internal(error)
    }
}

const WHAT: &str = "the CloudFormation template";

/// The template text (pretty JSON, final newline) and any warnings about it.
///
/// # Errors
/// When two names would share logical ids, or a CloudFormation quota is exceeded; or when the
/// template does not serialize.
pub fn emit_template(
    application: &Application,
) -> Result<(String, Vec<Diagnostic>), TemplateError> {
    check_counts(count_template(application))?;
    check_ids(application)?;
    let template = build(application)?;
    let mut text = serde_json::to_string_pretty(&template)
        .map_err(|error| InternalError::serializing(WHAT, &error))?;
    text.push('\n');
    let warnings = check_bytes(text.len())?;
    Ok((text, warnings))
}

/// The same checks as [`emit_template`] without keeping the text: `validate` needs the
/// quotas checked but not the template, so its size is counted as it is written.
///
/// # Errors
/// As [`emit_template`].
pub fn check_template(application: &Application) -> Result<Vec<Diagnostic>, TemplateError> {
    check_counts(count_template(application))?;
    check_ids(application)?;
    // Building the template was most of what `validate` cost per file. When even a generous
    // bound on its size is under the inline limit, neither byte quota can be reached; otherwise
    // the size is counted exactly, as `compile` does.
    if template_size_bound(application) <= MAX_INLINE_TEMPLATE_BYTES {
        return Ok(Vec::new());
    }
    let template = build(application)?;
    let mut counter = ByteCounter(0);
    serde_json::to_writer_pretty(&mut counter, &template)
        .map_err(|error| InternalError::serializing(WHAT, &error))?;
    // The final newline `emit_template` adds.
    Ok(check_bytes(counter.0 + 1)?)
}

/// How many parameters, resources and outputs [`build`] makes of an application, counted from
/// the model alone. Quotas are checked on these before anything is built, so an application
/// far beyond them fails in time and memory proportional to the model, not to a template
/// of thousands of resources. `tests/quotas.rs` keeps this in step with `build`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TemplateCounts {
    pub parameters: usize,
    pub resources: usize,
    pub outputs: usize,
}

/// [`TemplateCounts`] of `application` (ids that clash are counted twice; a clash is an error
/// of its own).
#[must_use]
pub fn count_template(application: &Application) -> TemplateCounts {
    let services = &application.services;
    let deployments = application.deployments.len();
    let shared = usize::from(!services.is_empty());
    let any_internal = any_internal(application);
    // VPC and subnets; hosted zone, cluster zone and logs bucket with services; the internal
    // CIDR; image and instance type per deployment; a certificate per service that needs one.
    let certificates = services
        .iter()
        .filter(|service| {
            service
                .load_balancer
                .listeners
                .iter()
                .any(|listener| listener.certificate == Certificate::Parameter)
        })
        .count();
    let parameters = 2 + 3 * shared + usize::from(any_internal) + 2 * deployments + certificates;
    // Security group, launch template and group per deployment; the cluster zone; per service
    // its security group, load balancer, two DNS records, and on ELBv2 a target group and a
    // listener per listener (`traffic_resources`).
    let traffic: usize = services
        .iter()
        .map(|service| {
            let listeners = match service.load_balancer.kind {
                LoadBalancerKind::Classic => 0,
                LoadBalancerKind::Application | LoadBalancerKind::Network => {
                    2 * service.load_balancer.listeners.len()
                }
            };
            4 + listeners
        })
        .sum();
    // An instance profile per distinct role profile, a scaling policy per CPU target.
    let profiles = instance_profile_count(application);
    let policies = application
        .deployments
        .iter()
        .filter(|deployment| has_scaling_policy(deployment))
        .count();
    let resources = 3 * deployments + shared + traffic + profiles + policies;
    // The group name per deployment; the cluster zone; endpoint and DNS name per service.
    let outputs = deployments + shared + 2 * services.len();
    let mut counts = TemplateCounts {
        parameters,
        resources,
        outputs,
    };
    for routing in &application.ingresses {
        let (parameters, resources, outputs) = ingress::counts(routing);
        counts.parameters += parameters;
        counts.resources += resources;
        counts.outputs += outputs;
    }
    counts
}

/// Whether some load balancer is internal, so the template takes `InternalClientCidr`.
fn any_internal(application: &Application) -> bool {
    application
        .services
        .iter()
        .any(|service| !service.load_balancer.public)
        || application.ingresses.iter().any(|routing| !routing.public)
}

/// The Ingress load balancers that forward to `deployment`'s VMs.
fn routing_to<'a>(application: &'a Application, deployment: &str) -> Vec<&'a Ingress> {
    application
        .ingresses
        .iter()
        .filter(|routing| ingress::routes_to(routing, deployment))
        .collect()
}

/// How many instance profiles the template holds: one per role giver that some deployment
/// uses.
fn instance_profile_count(application: &Application) -> usize {
    application
        .deployments
        .iter()
        .filter_map(|deployment| deployment.role.as_ref().map(|role| &role.giver))
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

fn has_scaling_policy(deployment: &Deployment) -> bool {
    deployment
        .autoscaling
        .is_some_and(|autoscaling| autoscaling.cpu_target_tenths.is_some())
}

/// Counts the bytes written to it and keeps none.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        self.0 += buffer.len();
        Ok(buffer.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One section of the template. [`check_ids`] has ruled out every clash before [`build`]
/// runs; an id given twice here would mean that [`owned_ids`] and [`build`] disagree, so it
/// is kept as an internal error rather than overwriting what is there.
#[derive(Default)]
struct Entries {
    entries: IndexMap<String, Value>,
    repeated: Vec<String>,
}

impl Entries {
    fn insert(&mut self, id: String, value: Value) {
        if self.entries.contains_key(&id) {
            self.repeated.push(id);
        } else {
            self.entries.insert(id, value);
        }
    }
}

/// The template, or an internal error for an id given twice (see [`Entries`]).
fn build(application: &Application) -> Result<Template, TemplateError> {
    let mut parameters = Entries::default();
    let mut resources = Entries::default();
    let mut outputs = Entries::default();
    let mut conditions = Entries::default();
    let services = &application.services;
    let any_internal = any_internal(application);
    parameters.insert(
        VPC_PARAMETER.to_string(),
        json!({ "Type": "AWS::EC2::VPC::Id", "Description": "The VPC the VMs and load balancers run in." }),
    );
    parameters.insert(
        SUBNETS_PARAMETER.to_string(),
        json!({
            "Type": "List<AWS::EC2::Subnet::Id>",
            "Description": "Subnets of the VPC, in at least two Availability Zones (an application load balancer needs two)."
        }),
    );
    if !services.is_empty() {
        parameters.insert(
            HOSTED_ZONE_PARAMETER.to_string(),
            json!({
                "Type": "String",
                "Description": "The Route 53 hosted zone the services are named in, without the final dot, e.g. example.com.",
                "AllowedPattern": "^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\\.)*[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$",
                "ConstraintDescription": "a domain name without a trailing dot"
            }),
        );
        parameters.insert(
            CLUSTER_ZONE_PARAMETER.to_string(),
            cluster_dns::zone_parameter(),
        );
        parameters.insert(
            LOGS_BUCKET_PARAMETER.to_string(),
            json!({
                "Type": "String",
                "Default": "",
                "Description": "An S3 bucket for the load balancers' access logs (its policy must let Elastic Load Balancing write); empty turns access logging off.",
                "AllowedPattern": "^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
                "ConstraintDescription": "an S3 bucket name, or empty"
            }),
        );
        conditions.insert(
            LOGS_CONDITION.to_string(),
            json!({ "Fn::Not": [{ "Fn::Equals": [Expr::reference(LOGS_BUCKET_PARAMETER), ""] }] }),
        );
        conditions.insert(
            CLUSTER_ZONE_CONDITION.to_string(),
            cluster_dns::zone_condition(),
        );
    }
    if any_internal {
        parameters.insert(
            INTERNAL_CIDR_PARAMETER.to_string(),
            json!({
                "Type": "String",
                "Default": "0.0.0.0/0",
                "Description": "Who may reach internal load balancers. They are unreachable from the internet already; narrow this to your VPC's CIDR for defence in depth.",
                "AllowedPattern": "^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$",
                "ConstraintDescription": "an IPv4 CIDR block such as 10.0.0.0/16"
            }),
        );
    }
    let mut profiles_made = std::collections::BTreeSet::new();
    for deployment in &application.deployments {
        let names = Names::new(&deployment.name);
        let fronting: Vec<&Service> = services
            .iter()
            .filter(|service| service.backends.contains(&deployment.name))
            .collect();
        parameters.insert(
            names.with("ImageId"),
            json!({
                "Type": "AWS::EC2::Image::Id",
                "Description": format!("The AMI built from {}.linuxkit.yml (linuxkit build --format aws, then linuxkit push aws).", deployment.name)
            }),
        );
        parameters.insert(
            names.with("InstanceType"),
            json!({
                "Type": "String",
                "Default": deployment.instance_type,
                "Description": format!("The EC2 instance type of {}'s VMs.", deployment.name)
            }),
        );
        let routing = routing_to(application, &deployment.name);
        resources.insert(
            names.with("InstanceSecurityGroup"),
            instance_security_group(deployment, &fronting, &routing),
        );
        // Deployments of one ServiceAccount share its profile, made before its first user.
        if let Some(role) = &deployment.role
            && profiles_made.insert(&role.giver)
        {
            resources.insert(instance_profile_id(role), instance_profile(role));
        }
        resources.insert(
            names.with("LaunchTemplate"),
            launch_template(deployment, &names),
        );
        let routed = ingress::routed_target_groups(&deployment.name, &routing);
        resources.insert(
            names.with("AutoScalingGroup"),
            auto_scaling_group(deployment, &fronting, &routed, &names)?,
        );
        if let Some(policy) = scaling_policy(deployment, &names) {
            resources.insert(scaling_policy_id(&names), policy);
        }
        outputs.insert(
            names.with("AutoScalingGroupName"),
            json!({
                "Description": format!("The Auto Scaling group running {}'s VMs.", deployment.name),
                "Value": Expr::reference(names.with("AutoScalingGroup"))
            }),
        );
    }
    if !services.is_empty() {
        resources.insert(cluster_dns::CLUSTER_ZONE.to_string(), cluster_dns::zone());
        outputs.insert(
            CLUSTER_ZONE_PARAMETER.to_string(),
            cluster_dns::zone_output(),
        );
    }
    for service in services {
        let names = Names::new(&service.name);
        let needs_certificate = service
            .load_balancer
            .listeners
            .iter()
            .any(|listener| listener.certificate == Certificate::Parameter);
        if needs_certificate {
            parameters.insert(
                names.with("CertificateArn"),
                json!({
                    "Type": "String",
                    "Description": format!("The ACM certificate ARN for {}'s HTTPS/TLS listeners.", service.name),
                    "AllowedPattern": "^arn:aws[a-z-]*:acm:.+$",
                    "ConstraintDescription": "an ACM certificate ARN"
                }),
            );
        }
        let yields = ingress::service_record_condition(&service.name, &application.ingresses);
        for (id, mut resource) in traffic_resources(service, &names) {
            if let Some((condition, _)) = &yields
                && id == names.with("DnsRecord")
            {
                resource["Condition"] = json!(condition);
            }
            resources.insert(id, resource);
        }
        if let Some((id, condition)) = yields {
            conditions.insert(id, condition);
        }
        outputs.insert(
            names.with("Endpoint"),
            json!({
                "Description": format!("The DNS name clients use to reach {}.", service.name),
                "Value": host_name(service)
            }),
        );
        outputs.insert(
            names.with("LoadBalancerDnsName"),
            json!({
                "Description": format!("{}'s load balancer.", service.name),
                "Value": Expr::get_att(names.with("LoadBalancer"), "DNSName")
            }),
        );
    }
    for routing in &application.ingresses {
        for (id, parameter) in ingress::parameters(routing) {
            parameters.insert(id, parameter);
        }
        for (id, condition) in ingress::conditions(routing) {
            conditions.insert(id, condition);
        }
        for (id, resource) in ingress::resources(routing) {
            resources.insert(id, resource);
        }
        for (id, output) in ingress::outputs(routing) {
            outputs.insert(id, output);
        }
    }
    let repeated: Vec<Diagnostic> = [&parameters, &conditions, &resources, &outputs]
        .iter()
        .flat_map(|section| section.repeated.iter())
        .map(|id| {
            Diagnostic::error(
                Code::IdClash,
                None,
                format!("internal error: the template would hold the id `{id}` twice"),
            )
            .with_help("please report this input to i2kit's maintainers")
        })
        .collect();
    if !repeated.is_empty() {
        return Err(repeated.into());
    }
    let names: Vec<&str> = application
        .deployments
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    Ok(Template {
        format_version: "2010-09-09",
        description: format!("i2kit: {}", names.join(", ")),
        parameters: parameters.entries,
        conditions: conditions.entries,
        resources: resources.entries,
        outputs: outputs.entries,
    })
}

/// An upper bound on the template's size in bytes, from the model: a fixed cost per
/// deployment, service and listener, plus every string of the model that reaches the template,
/// counted more often than it appears. The constants are well above what was measured (one
/// deployment costs 3.4 kB, a service with one listener 10 kB, each further listener 1.5 kB,
/// each character of a name 46 bytes over a deployment and its service); `tests/quotas.rs`
/// checks the bound against every example and fixture and against long strings.
#[must_use]
pub fn template_size_bound(application: &Application) -> usize {
    const BASE: usize = 4_000;
    const PER_DEPLOYMENT: usize = 5_000;
    const PER_SERVICE: usize = 16_000;
    const PER_LISTENER: usize = 3_000;
    // Each pair of a deployment and a service fronting it adds references to the other.
    const PER_BACKEND_LISTENER: usize = 400;
    const NAME_REPEATS: usize = 32;
    const PER_EXTRA: usize = 1_500;
    let mut bound = BASE;
    for deployment in &application.deployments {
        bound = bound
            .saturating_add(PER_DEPLOYMENT)
            .saturating_add(
                NAME_REPEATS.saturating_mul(deployment.name.len() + deployment.namespace.len()),
            )
            .saturating_add(4usize.saturating_mul(deployment.instance_type.len()));
        // An instance profile and its reference; a scaling policy, the scheduled-action
        // update policy and a maintenance policy.
        if let Some(role) = &deployment.role {
            bound = bound.saturating_add(PER_EXTRA).saturating_add(
                8usize.saturating_mul(role.name.len() + profile_name_length(role) + role.arn.len()),
            );
        }
        if deployment.autoscaling.is_some() || deployment.disruption_budget.is_some() {
            bound = bound.saturating_add(PER_EXTRA);
        }
    }
    for service in &application.services {
        let names = service.name.len() + service.namespace.len();
        let listeners = service.load_balancer.listeners.len();
        bound = bound
            .saturating_add(PER_SERVICE)
            .saturating_add(NAME_REPEATS.saturating_mul(2 * names))
            .saturating_add(listeners.saturating_mul(PER_LISTENER + NAME_REPEATS * names));
        let backend_names: usize = service.backends.iter().map(String::len).sum();
        bound = bound.saturating_add(
            listeners
                .saturating_mul(service.backends.len())
                .saturating_mul(PER_BACKEND_LISTENER)
                .saturating_add(listeners.saturating_mul(8 * backend_names)),
        );
        for listener in &service.load_balancer.listeners {
            let arn = match &listener.certificate {
                Certificate::Arn(arn) => arn.len(),
                Certificate::None | Certificate::Parameter => 0,
            };
            let path = listener.health_check.path.as_ref().map_or(0, String::len);
            bound = bound.saturating_add(8usize.saturating_mul(arn + path));
        }
    }
    for routing in &application.ingresses {
        bound = bound.saturating_add(ingress::size_bound(routing));
        // Each deployment behind it refers to its target groups and security group.
        let backends: usize = routing
            .target_groups
            .iter()
            .map(|group| group.backends.len())
            .sum();
        bound =
            bound.saturating_add(backends.saturating_mul(
                PER_BACKEND_LISTENER + 4 * ingress::ingress_names(routing).id.len(),
            ));
    }
    bound
}

/// The characters of the names that make up a role's instance profile id.
fn profile_name_length(role: &InstanceRole) -> usize {
    match &role.giver {
        RoleGiver::ServiceAccount { namespace, name } => namespace.len() + name.len(),
        RoleGiver::Manifest { deployment } => deployment.len(),
    }
}

/// The logical ids [`build`] gives an application's parameters, conditions, resources and
/// outputs, in that order, without building their JSON. `tests/quotas.rs` keeps the two in step.
#[must_use]
pub fn logical_ids(application: &Application) -> [Vec<String>; 4] {
    let mut sections: [Vec<String>; 4] = Default::default();
    let mut ids = owned_ids(application);
    ids.sort_by_key(|entry| entry.section);
    for entry in ids {
        let index = match entry.section {
            Section::Parameters => 0,
            Section::Conditions => 1,
            Section::Resources => 2,
            Section::Outputs => 3,
        };
        sections[index].push(entry.id);
    }
    sections
}

/// Every id [`build`] gives, with its section and the object it belongs to, in template
/// order within each section (the sort in [`logical_ids`] is stable).
fn owned_ids(application: &Application) -> Vec<OwnedId> {
    let services = &application.services;
    let shared = Owner::shared();
    let mut ids: Vec<OwnedId> = vec![
        OwnedId::new(Section::Parameters, VPC_PARAMETER.to_string(), &shared),
        OwnedId::new(Section::Parameters, SUBNETS_PARAMETER.to_string(), &shared),
    ];
    if !services.is_empty() {
        for parameter in [
            HOSTED_ZONE_PARAMETER,
            CLUSTER_ZONE_PARAMETER,
            LOGS_BUCKET_PARAMETER,
        ] {
            ids.push(OwnedId::new(
                Section::Parameters,
                parameter.to_string(),
                &shared,
            ));
        }
        for condition in [LOGS_CONDITION, CLUSTER_ZONE_CONDITION] {
            ids.push(OwnedId::new(
                Section::Conditions,
                condition.to_string(),
                &shared,
            ));
        }
    }
    if any_internal(application) {
        ids.push(OwnedId::new(
            Section::Parameters,
            INTERNAL_CIDR_PARAMETER.to_string(),
            &shared,
        ));
    }
    let mut profiles_made = std::collections::BTreeSet::new();
    for deployment in &application.deployments {
        let names = Names::new(&deployment.name);
        let owner = deployment_owner(deployment);
        for suffix in ["ImageId", "InstanceType"] {
            ids.push(OwnedId::new(
                Section::Parameters,
                names.with(suffix),
                &owner,
            ));
        }
        ids.push(OwnedId::new(
            Section::Resources,
            names.with("InstanceSecurityGroup"),
            &owner,
        ));
        if let Some(role) = &deployment.role
            && profiles_made.insert(&role.giver)
        {
            ids.push(OwnedId::new(
                Section::Resources,
                instance_profile_id(role),
                &profile_owner(role),
            ));
        }
        for suffix in ["LaunchTemplate", "AutoScalingGroup"] {
            ids.push(OwnedId::new(Section::Resources, names.with(suffix), &owner));
        }
        if has_scaling_policy(deployment) {
            ids.push(OwnedId::new(
                Section::Resources,
                scaling_policy_id(&names),
                &owner,
            ));
        }
        ids.push(OwnedId::new(
            Section::Outputs,
            names.with("AutoScalingGroupName"),
            &owner,
        ));
    }
    if !services.is_empty() {
        ids.push(OwnedId::new(
            Section::Resources,
            cluster_dns::CLUSTER_ZONE.to_string(),
            &shared,
        ));
        ids.push(OwnedId::new(
            Section::Outputs,
            CLUSTER_ZONE_PARAMETER.to_string(),
            &shared,
        ));
    }
    for service in services {
        let names = Names::new(&service.name);
        let owner = service_owner(service);
        let listeners = &service.load_balancer.listeners;
        if listeners
            .iter()
            .any(|listener| listener.certificate == Certificate::Parameter)
        {
            ids.push(OwnedId::new(
                Section::Parameters,
                names.with("CertificateArn"),
                &owner,
            ));
        }
        if let Some((condition, _)) =
            ingress::service_record_condition(&service.name, &application.ingresses)
        {
            ids.push(OwnedId::new(Section::Conditions, condition, &owner));
        }
        let mut resources = vec![
            names.with("LoadBalancerSecurityGroup"),
            names.with("LoadBalancer"),
        ];
        if service.load_balancer.kind != LoadBalancerKind::Classic {
            for listener in listeners {
                resources.push(target_group_id(&names, listener));
                resources.push(names.with(&format!("Listener{}", listener.port)));
            }
        }
        resources.extend(["DnsRecord", "ClusterDnsRecord"].map(|s| names.with(s)));
        ids.extend(
            resources
                .into_iter()
                .map(|id| OwnedId::new(Section::Resources, id, &owner)),
        );
        for suffix in ["Endpoint", "LoadBalancerDnsName"] {
            ids.push(OwnedId::new(Section::Outputs, names.with(suffix), &owner));
        }
    }
    for routing in &application.ingresses {
        ids.extend(ingress::logical_ids(routing));
    }
    ids
}

fn deployment_owner(deployment: &Deployment) -> Owner {
    Owner::new(format!("deployment `{}`", deployment.name), deployment.span)
}

fn service_owner(service: &Service) -> Owner {
    Owner::new(format!("service `{}`", service.name), service.span)
}

/// Every id clash of the template, at the objects' lines, found from the ids alone: before
/// anything is built, so a clash never reaches [`build`].
fn check_ids(application: &Application) -> Result<(), Vec<Diagnostic>> {
    let clashes = id_clashes(&owned_ids(application));
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(clashes)
    }
}

fn split_help() -> &'static str {
    "split the deployments into several applications, each compiled on its own into its own template and stack"
}

fn check_counts(counts: TemplateCounts) -> Result<(), Vec<Diagnostic>> {
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

fn check_bytes(bytes: usize) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::group::plan_groups;
    use crate::infer::link::link;
    use crate::input::kubernetes::restriction::Waivers;
    use crate::input::read_application;
    use crate::source::SourceFile;

    fn application(text: &str) -> Application {
        let reading = read_application(
            &SourceFile::new("input.yaml", text.to_string()),
            Waivers::default(),
        );
        let mut application = reading.application.expect("the input reads");
        link(&mut application);
        plan_groups(&mut application);
        application
    }

    fn account(name: &str, namespace: &str, role: &str) -> String {
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  annotations: {{eks.amazonaws.com/role-arn: \"arn:aws:iam::123456789012:role/{role}\"}}\n---\n"
        )
    }

    fn deployment(name: &str, namespace: &str, account: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      serviceAccountName: {account}\n      containers: [{{name: {name}, image: \"nginx:1.27.3\"}}]\n---\n"
        )
    }

    fn clash_lines(result: Result<impl std::fmt::Debug, TemplateError>) -> Vec<usize> {
        let Err(TemplateError::Refused(problems)) = result else {
            panic!("the ids clash: {result:?}");
        };
        assert!(problems.iter().all(|problem| problem.code == Code::IdClash));
        problems
            .iter()
            .filter_map(|problem| problem.span.map(|span| span.start.line))
            .collect()
    }

    /// The profile each deployment's launch template names, and the role that profile lists.
    fn profile_roles(template: &str) -> Vec<(String, String)> {
        let json: Value = serde_json::from_str(template).expect("JSON");
        let resources = json["Resources"].as_object().expect("resources");
        let mut found = Vec::new();
        for (id, resource) in resources {
            let data = &resource["Properties"]["LaunchTemplateData"];
            if let Some(profile) = data["IamInstanceProfile"]["Arn"]["Fn::GetAtt"][0].as_str() {
                let role = resources[profile]["Properties"]["Roles"][0]
                    .as_str()
                    .expect("a role");
                found.push((id.clone(), role.to_string()));
            }
        }
        found
    }

    #[test]
    fn accounts_that_name_alike_are_an_error_in_compile_and_validate() {
        let text = account("admin", "team", "ReadOnlyRole")
            + &account("team-admin", "default", "AdministratorRole")
            + &deployment("ops", "default", "team-admin")
            + &deployment("report", "team", "admin");
        let application = application(&text);
        assert_eq!(clash_lines(emit_template(&application)), [4, 11]);
        assert_eq!(clash_lines(check_template(&application)), [4, 11]);
    }

    /// Two accounts of one role still get a profile each: a profile is its account's alone.
    #[test]
    fn each_deployment_gets_the_profile_of_its_own_account() {
        let text = account("reader", "shop", "ReadOnlyRole")
            + &account("reader", "billing", "ReadOnlyRole")
            + &account("admin", "ops", "AdministratorRole")
            + &deployment("cart", "shop", "reader")
            + &deployment("invoice", "billing", "reader")
            + &deployment("deploy", "ops", "admin")
            + &deployment("checkout", "shop", "reader");
        let (template, _) = emit_template(&application(&text)).expect("compiles");
        let json: Value = serde_json::from_str(&template).expect("JSON");
        let profiles: Vec<&String> = json["Resources"]
            .as_object()
            .expect("resources")
            .iter()
            .filter(|(_, resource)| resource["Type"] == "AWS::IAM::InstanceProfile")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            profiles,
            [
                "ShopReaderInstanceProfile",
                "BillingReaderInstanceProfile",
                "OpsAdminInstanceProfile"
            ]
        );
        let json_of = |id: &str| {
            json["Resources"][id]["Properties"]["LaunchTemplateData"]["IamInstanceProfile"]
                ["Arn"]["Fn::GetAtt"][0]
                .clone()
        };
        assert_eq!(json_of("CartLaunchTemplate"), "ShopReaderInstanceProfile");
        assert_eq!(
            json_of("CheckoutLaunchTemplate"),
            "ShopReaderInstanceProfile"
        );
        assert_eq!(
            json_of("InvoiceLaunchTemplate"),
            "BillingReaderInstanceProfile"
        );
        assert_eq!(json_of("DeployLaunchTemplate"), "OpsAdminInstanceProfile");
        assert_eq!(
            profile_roles(&template),
            [
                ("CartLaunchTemplate".to_string(), "ReadOnlyRole".to_string()),
                (
                    "InvoiceLaunchTemplate".to_string(),
                    "ReadOnlyRole".to_string()
                ),
                (
                    "DeployLaunchTemplate".to_string(),
                    "AdministratorRole".to_string()
                ),
                (
                    "CheckoutLaunchTemplate".to_string(),
                    "ReadOnlyRole".to_string()
                ),
            ]
        );
    }

    /// The emitter reads the plan and never makes one up: a pipeline that skipped the pass
    /// fails (exit 2) instead of writing a group of guessed sizes.
    #[test]
    fn a_group_no_pass_planned_is_an_internal_error() {
        let mut application = application(&deployment("web", "default", "default"));
        let (template, _) = emit_template(&application).expect("compiles");
        assert!(template.contains("\"MinInstancesInService\""), "{template}");
        application.deployments[0].group = None;
        let Err(TemplateError::Internal(error)) = emit_template(&application) else {
            panic!("an internal error");
        };
        assert!(error.message().contains("`web` was not planned"), "{error}");
    }

    #[test]
    fn deployments_whose_names_meet_are_an_error_at_both() {
        let text = "name: web-2\ncontainers:\n  web: {image: \"nginx:1.27.3\"}\n---\nname: web2\ncontainers:\n  web: {image: \"nginx:1.27.3\"}\n";
        let application = application(text);
        assert_eq!(clash_lines(emit_template(&application)), [5, 1]);
    }

    #[test]
    fn services_whose_ids_meet_on_a_suffix_are_an_error_at_both() {
        let service = |name: &str| {
            format!(
                "name: {name}\ncontainers:\n  web: {{image: \"nginx:1.27.3\", ports: [80]}}\n---\n"
            )
        };
        let text = service("a") + &service("a-cluster");
        let Err(TemplateError::Refused(problems)) = emit_template(&application(&text)) else {
            panic!("the ids clash");
        };
        assert!(
            problems
                .iter()
                .any(|problem| problem.message.contains("`AClusterDnsRecord`")),
            "{problems:?}"
        );
    }
}
