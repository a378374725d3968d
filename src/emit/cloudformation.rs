//! An application → one parameterised CloudFormation template (JSON). AMI ids, network and
//! DNS zone are parameters, so one template serves every account, region and environment.
//!
//! One walk of the model builds the template: each entry goes to a [`TemplateBuilder`] with
//! the object it belongs to, and the quotas and the id-clash rule read the builder's record.

use crate::diagnostic::Diagnostic;
use crate::emit::alb_quotas;
use crate::emit::application_security_group::{
    application_security_group, application_security_group_output, internal_cidr_parameter,
    internal_source_group_parameter, parameter_given,
};
use crate::emit::balancer_product;
use crate::emit::cluster_dns;
use crate::emit::compute::{auto_scaling_group, launch_template};
use crate::emit::ingress;
use crate::emit::instance_security_group::instance_security_group;
use crate::emit::intrinsic::Expr;
use crate::emit::load_balancing::{host_name, traffic_resources};
use crate::emit::naming::{
    APPLICATION_SECURITY_GROUP, APPLICATION_SECURITY_GROUP_OUTPUT, CLUSTER_ZONE_CONDITION,
    CLUSTER_ZONE_PARAMETER, HOSTED_ZONE_PARAMETER, INTERNAL_CIDR_CONDITION,
    INTERNAL_CIDR_PARAMETER, INTERNAL_SOURCE_GROUP_CONDITION, INTERNAL_SOURCE_GROUP_PARAMETER,
    LOGS_BUCKET_PARAMETER, LOGS_CONDITION, Names, Owner, SUBNETS_PARAMETER, Section, VPC_PARAMETER,
    id_clashes,
};
use crate::emit::ordinals::{add_headless_service, add_ordinals, ordinal_targets};
use crate::emit::policy_rules::{client_security_group, client_security_group_id};
use crate::emit::quotas::{check_bytes, check_counts, check_deployments};
use crate::emit::scaling::{
    cpu_target_tenths, instance_profile, instance_profile_id, profile_owner, scaling_policy,
    scaling_policy_id,
};
use crate::emit::secrets_access;
use crate::emit::template_builder::{
    BuiltTemplate, Make, PlannedTemplate, TemplateBuilder, TemplateRecord,
};
use crate::emit::vm_role;
use crate::internal_error::InternalError;
use crate::model::{
    Admission, Application, Certificate, Deployment, Ingress, RoleGiver, Service, ServiceEndpoints,
};
use serde_json::json;
use std::collections::BTreeSet;

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

/// The template text (pretty JSON, final newline) and any warnings about it.
///
/// # Errors
/// When AWS would refuse the plan (`check_plan`), two names would share logical ids, or a
/// CloudFormation quota is exceeded; or when the template does not serialize.
pub fn emit_template(
    application: &Application,
) -> Result<(String, Vec<Diagnostic>), TemplateError> {
    check_plan(application)?;
    let planned = plan_template(application);
    check_record(&planned.record)?;
    let text = planned.build()?.to_text()?;
    let warnings = check_bytes(text.len())?;
    Ok((text, warnings))
}

/// The same checks as [`emit_template`] without keeping the text: `validate` needs the
/// quotas checked but not the template, so its size is counted as it is written.
///
/// # Errors
/// As [`emit_template`].
pub fn check_template(application: &Application) -> Result<Vec<Diagnostic>, TemplateError> {
    check_plan(application)?;
    let planned = plan_template(application);
    check_record(&planned.record)?;
    Ok(check_bytes(planned.build()?.text_len()?)?)
}

/// What AWS refuses of the model before any template is planned, at the lines that ask for
/// it: the deployments one template holds, what each Service's load balancer product cannot
/// carry or hold, each Ingress load balancer's quotas, and the values of each record of a
/// Service's endpoints.
///
/// # Errors
/// Those errors, when there is one.
pub fn check_plan(application: &Application) -> Result<(), Vec<Diagnostic>> {
    let problems: Vec<Diagnostic> = [
        check_deployments(&application.deployments),
        balancer_product::check_balancers(application),
        alb_quotas::check_balancers(application),
        cluster_dns::check_endpoint_records(application),
    ]
    .into_iter()
    .filter_map(Result::err)
    .flatten()
    .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The count quotas, then every id clash at the objects' lines: what [`emit_template`] and
/// [`check_template`] refuse before the template's text is made.
///
/// # Errors
/// Those errors, when there is one.
pub fn check_record(record: &TemplateRecord) -> Result<(), Vec<Diagnostic>> {
    check_counts(record.counts())?;
    let clashes = id_clashes(record.entries());
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(clashes)
    }
}

/// The template of `application` and the record of what it holds, unchecked.
///
/// # Errors
/// When the model is inconsistent (a group no pass planned, a route to no target group).
pub fn build_template(application: &Application) -> Result<BuiltTemplate, InternalError> {
    plan_template(application).build()
}

/// The one walk: every entry of the template with its owner, values not made yet.
#[must_use]
pub fn plan_template(application: &Application) -> PlannedTemplate<'_> {
    let mut builder = TemplateBuilder::default();
    add_shared_settings(&mut builder, application);
    // Deployments of one ServiceAccount share its profile, made before its first user.
    let mut profiles_made = BTreeSet::new();
    for deployment in &application.deployments {
        add_deployment(&mut builder, application, deployment, &mut profiles_made);
    }
    if needs_cluster_zone(application) {
        add_cluster_zone(&mut builder);
    }
    for service in &application.services {
        add_service(&mut builder, application, service);
    }
    for name in &application.external_names {
        let owner = Owner::new(
            format!(
                "ExternalName Service `{}` in namespace `{}`",
                name.name, name.namespace
            ),
            Some(name.span),
        );
        builder.add(
            Section::Resources,
            cluster_dns::external_name_id(name),
            &owner,
            move || cluster_dns::external_name_record(name),
        );
    }
    for service in &application.service_endpoints {
        add_service_endpoints(&mut builder, service);
    }
    for routing in &application.ingresses {
        ingress::add_ingress(&mut builder, routing, &application.deployments);
    }
    builder.finish(description(application))
}

/// A selectorless Service's record, and under a headless one a record per hostname.
fn add_service_endpoints<'a>(builder: &mut TemplateBuilder<'a>, service: &'a ServiceEndpoints) {
    let owner = Owner::new(
        format!(
            "Service `{}` in namespace `{}` (its endpoints)",
            service.name, service.namespace
        ),
        Some(service.span),
    );
    builder.add(
        Section::Resources,
        cluster_dns::endpoints_id(service),
        &owner,
        move || cluster_dns::endpoints_record(service),
    );
    for (hostname, addresses) in &service.hostnames {
        builder.add(
            Section::Resources,
            cluster_dns::endpoint_hostname_id(service, hostname),
            &owner,
            move || cluster_dns::endpoint_hostname_record(service, hostname, addresses),
        );
    }
}

fn description(application: &Application) -> String {
    let names: Vec<&str> = application
        .deployments
        .iter()
        .map(|deployment| deployment.name.as_str())
        .collect();
    format!("i2kit: {}", names.join(", "))
}

/// The network every template takes; with services, the hosted zone, the cluster's private
/// zone and the access-log bucket; the application's security group; with an internal load
/// balancer, who else may reach it.
fn add_shared_settings(builder: &mut TemplateBuilder<'_>, application: &Application) {
    let shared = Owner::shared();
    builder.add(
        Section::Parameters,
        VPC_PARAMETER.to_string(),
        &shared,
        || json!({ "Type": "AWS::EC2::VPC::Id", "Description": "The VPC the VMs and load balancers run in." }),
    );
    builder.add(
        Section::Parameters,
        SUBNETS_PARAMETER.to_string(),
        &shared,
        || json!({
            "Type": "List<AWS::EC2::Subnet::Id>",
            "Description": "Subnets of the VPC, in at least two Availability Zones (an application load balancer needs two)."
        }),
    );
    if !application.services.is_empty() {
        add_service_settings(builder, &shared);
    } else if needs_cluster_zone(application) {
        add_cluster_zone_parameter(builder, &shared);
        add_cluster_zone_condition(builder, &shared);
    }
    builder.add(
        Section::Resources,
        APPLICATION_SECURITY_GROUP.to_string(),
        &shared,
        application_security_group,
    );
    builder.add(
        Section::Outputs,
        APPLICATION_SECURITY_GROUP_OUTPUT.to_string(),
        &shared,
        application_security_group_output,
    );
    if any_internal(application) {
        add_internal_client_settings(builder, &shared);
    }
}

/// Who else internal load balancers admit: a range and a group, each adding no rule unless
/// given.
fn add_internal_client_settings(builder: &mut TemplateBuilder<'_>, shared: &Owner) {
    for (parameter, condition, declaration) in [
        (
            INTERNAL_CIDR_PARAMETER,
            INTERNAL_CIDR_CONDITION,
            internal_cidr_parameter as fn() -> serde_json::Value,
        ),
        (
            INTERNAL_SOURCE_GROUP_PARAMETER,
            INTERNAL_SOURCE_GROUP_CONDITION,
            internal_source_group_parameter,
        ),
    ] {
        builder.add(
            Section::Parameters,
            parameter.to_string(),
            shared,
            declaration,
        );
        builder.add(
            Section::Conditions,
            condition.to_string(),
            shared,
            move || parameter_given(parameter),
        );
    }
}

fn add_service_settings(builder: &mut TemplateBuilder<'_>, shared: &Owner) {
    builder.add(
        Section::Parameters,
        HOSTED_ZONE_PARAMETER.to_string(),
        shared,
        || json!({
            "Type": "String",
            "Description": "The Route 53 hosted zone the services are named in, without the final dot, e.g. example.com.",
            "AllowedPattern": "^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\\.)*[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$",
            "ConstraintDescription": "a domain name without a trailing dot"
        }),
    );
    add_cluster_zone_parameter(builder, shared);
    builder.add(
        Section::Parameters,
        LOGS_BUCKET_PARAMETER.to_string(),
        shared,
        || json!({
            "Type": "String",
            "Default": "",
            "Description": "An S3 bucket for the load balancers' access logs (its policy must let Elastic Load Balancing write); empty turns access logging off.",
            "AllowedPattern": "^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
            "ConstraintDescription": "an S3 bucket name, or empty"
        }),
    );
    builder.add(
        Section::Conditions,
        LOGS_CONDITION.to_string(),
        shared,
        || json!({ "Fn::Not": [{ "Fn::Equals": [Expr::reference(LOGS_BUCKET_PARAMETER), ""] }] }),
    );
    add_cluster_zone_condition(builder, shared);
}

/// Who gives the private zone `cluster.local`: another stack's, or this one.
fn add_cluster_zone_parameter(builder: &mut TemplateBuilder<'_>, shared: &Owner) {
    builder.add(
        Section::Parameters,
        CLUSTER_ZONE_PARAMETER.to_string(),
        shared,
        cluster_dns::zone_parameter,
    );
}

fn add_cluster_zone_condition(builder: &mut TemplateBuilder<'_>, shared: &Owner) {
    builder.add(
        Section::Conditions,
        CLUSTER_ZONE_CONDITION.to_string(),
        shared,
        cluster_dns::zone_condition,
    );
}

/// Whether the template names anything in the private zone `cluster.local`: a service's load
/// balancer, an `ExternalName`, a StatefulSet's ordinals under a headless Service, or the
/// addresses of a Service without a selector.
fn needs_cluster_zone(application: &Application) -> bool {
    !application.services.is_empty()
        || !application.external_names.is_empty()
        || !application.headless_services.is_empty()
        || !application.service_endpoints.is_empty()
}

/// Whether some internal load balancer admits its default callers on some port, so the
/// template takes who else it admits (a port NetworkPolicies restrict admits only what they name).
fn any_internal(application: &Application) -> bool {
    application.services.iter().any(|service| {
        !service.load_balancer.public
            && service
                .load_balancer
                .listeners
                .iter()
                .any(|listener| listener.admission == Admission::Default)
    }) || application.ingresses.iter().any(|routing| !routing.public)
}

/// The Ingress load balancers that forward to `deployment`'s VMs.
fn routing_to<'a>(application: &'a Application, deployment: &str) -> Vec<&'a Ingress> {
    application
        .ingresses
        .iter()
        .filter(|routing| ingress::routes_to(routing, deployment))
        .collect()
}

/// A deployment's image and instance type, its VMs' security group, launch template and
/// group (with its role's instance profile and scaling policy when it has them), and the
/// group's name as an output.
fn add_deployment<'a>(
    builder: &mut TemplateBuilder<'a>,
    application: &'a Application,
    deployment: &'a Deployment,
    profiles_made: &mut BTreeSet<&'a RoleGiver>,
) {
    let names = Names::new(&deployment.name);
    let owner = deployment_owner(deployment);
    builder.add(Section::Parameters, names.with("ImageId"), &owner, || {
        json!({
            "Type": "AWS::EC2::Image::Id",
            "Description": format!("The AMI built from {}.linuxkit.yml (linuxkit build --format aws, then linuxkit push aws).", deployment.name)
        })
    });
    builder.add(
        Section::Parameters,
        names.with("InstanceType"),
        &owner,
        || {
            json!({
                "Type": "String",
                "Default": deployment.instance_type,
                "Description": format!("The EC2 instance type of {}'s VMs.", deployment.name)
            })
        },
    );
    let fronting = move || -> Vec<&'a Service> {
        application
            .services
            .iter()
            .filter(|service| service.backends.iter().any(|name| name.names(deployment)))
            .collect()
    };
    let routing = move || routing_to(application, &deployment.name);
    builder.add(
        Section::Resources,
        names.with("InstanceSecurityGroup"),
        &owner,
        move || instance_security_group(deployment, &fronting(), &routing()),
    );
    if deployment.policy_source {
        builder.add(
            Section::Resources,
            client_security_group_id(&deployment.name),
            &owner,
            move || client_security_group(&deployment.name),
        );
    }
    if let Some(role) = &deployment.role
        && profiles_made.insert(&role.giver)
    {
        builder.add(
            Section::Resources,
            instance_profile_id(role),
            &profile_owner(role),
            || instance_profile(role),
        );
    }
    if vm_role::own_role_needed(deployment) {
        builder.add(
            Section::Resources,
            vm_role::own_role_id(&names),
            &owner,
            vm_role::own_role,
        );
        let profile_names = names.clone();
        builder.add(
            Section::Resources,
            vm_role::own_profile_id(&names),
            &owner,
            move || vm_role::own_profile(&profile_names),
        );
    }
    if !deployment.fetched_secrets().is_empty() {
        let role = vm_role::role_entry(deployment, &names);
        builder.add(
            Section::Resources,
            secrets_access::policy_id(&names),
            &owner,
            move || secrets_access::role_policy(deployment, role),
        );
    }
    let launch_names = names.clone();
    builder.add(
        Section::Resources,
        names.with("LaunchTemplate"),
        &owner,
        move || launch_template(deployment, &launch_names),
    );
    if let Some(stateful) = &deployment.stateful {
        add_ordinals(builder, deployment, stateful, &names, &owner);
        // A headless Service's record follows the last set it lists, once all their
        // instances are in the template.
        for headless in &application.headless_services {
            if headless
                .sets
                .last()
                .is_some_and(|last| last.names(deployment))
            {
                add_headless_service(builder, headless, &application.deployments);
            }
        }
        return;
    }
    let group_names = names.clone();
    builder.try_add(
        Section::Resources,
        names.with("AutoScalingGroup"),
        &owner,
        move || {
            let routed = ingress::routed_target_groups(&deployment.name, &routing());
            auto_scaling_group(deployment, &fronting(), &routed, &group_names)
        },
    );
    if let Some(tenths) = cpu_target_tenths(deployment) {
        let policy_names = names.clone();
        builder.add(
            Section::Resources,
            scaling_policy_id(&names),
            &owner,
            move || scaling_policy(deployment, &policy_names, tenths),
        );
    }
    let group = names.with("AutoScalingGroup");
    builder.add(
        Section::Outputs,
        names.with("AutoScalingGroupName"),
        &owner,
        move || {
            json!({
                "Description": format!("The Auto Scaling group running {}'s VMs.", deployment.name),
                "Value": Expr::reference(group)
            })
        },
    );
}

/// The VPC's private zone for `<name>.<namespace>.svc.cluster.local`, and its id as output.
fn add_cluster_zone(builder: &mut TemplateBuilder<'_>) {
    let shared = Owner::shared();
    builder.add(
        Section::Resources,
        cluster_dns::CLUSTER_ZONE.to_string(),
        &shared,
        cluster_dns::zone,
    );
    builder.add(
        Section::Outputs,
        CLUSTER_ZONE_PARAMETER.to_string(),
        &shared,
        cluster_dns::zone_output,
    );
}

/// A service's certificate parameter when a listener needs one, the condition under which its
/// public record gives way to an Ingress host of its name, its traffic path, and its names.
fn add_service<'a>(
    builder: &mut TemplateBuilder<'a>,
    application: &'a Application,
    service: &'a Service,
) {
    let names = Names::new(&service.name);
    let owner = service_owner(service);
    let needs_certificate = service
        .load_balancer
        .listeners
        .iter()
        .any(|listener| listener.certificate == Certificate::Parameter);
    if needs_certificate {
        builder.add(Section::Parameters, names.with("CertificateArn"), &owner, || {
            json!({
                "Type": "String",
                "Description": format!("The ACM certificate ARN for {}'s HTTPS/TLS listeners.", service.name),
                "AllowedPattern": "^arn:aws[a-z-]*:acm:.+$",
                "ConstraintDescription": "an ACM certificate ARN"
            })
        });
    }
    let yields = ingress::service_record_condition(&service.name, &application.ingresses);
    let record_condition = yields.as_ref().map(|(id, _)| id.clone());
    if let Some((id, condition)) = yields {
        builder.add(Section::Conditions, id, &owner, || condition);
    }
    let record = names.with("DnsRecord");
    let resources = traffic_resources(
        service,
        &names,
        ordinal_targets(&application.deployments, &service.backends),
    )
    .into_iter()
    .map(|(id, make)| -> (String, Make<'a>) {
        match &record_condition {
            Some(condition) if id == record => {
                let condition = condition.clone();
                let with_condition = move || {
                    let mut resource = make();
                    resource["Condition"] = json!(condition);
                    resource
                };
                (id, Box::new(with_condition))
            }
            _ => (id, make),
        }
    });
    builder.add_all(Section::Resources, resources, &owner);
    builder.add(Section::Outputs, names.with("Endpoint"), &owner, || {
        json!({
            "Description": format!("The DNS name clients use to reach {}.", service.name),
            "Value": host_name(service)
        })
    });
    let load_balancer = names.with("LoadBalancer");
    builder.add(
        Section::Outputs,
        names.with("LoadBalancerDnsName"),
        &owner,
        move || {
            json!({
                "Description": format!("{}'s load balancer.", service.name),
                "Value": Expr::get_att(load_balancer, "DNSName")
            })
        },
    );
}

fn deployment_owner(deployment: &Deployment) -> Owner {
    Owner::new(format!("deployment `{}`", deployment.name), deployment.span)
}

fn service_owner(service: &Service) -> Owner {
    Owner::new(format!("service `{}`", service.name), service.span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::infer_application;
    use crate::diagnostic::Code;
    use crate::infer::group::plan_groups;
    use crate::infer::link::link;
    use crate::input::kubernetes::restriction::Waivers;
    use crate::source::SourceFile;
    use serde_json::Value;

    fn application(text: &str) -> Application {
        let (application, _) = infer_application(
            &SourceFile::new("input.yaml", text.to_string()),
            Waivers::default(),
        );
        let mut application = application.expect("the input reads");
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
