//! A StatefulSet's ordinals: one instance each from the set's launch template, its volumes in
//! the instance's Availability Zone, the permission to attach exactly them, and the names a
//! headless Service gives them.
//!
//! An `AWS::EC2::Instance` per ordinal rather than an Auto Scaling group of one: a volume must
//! be created in its instance's zone, and only `Fn::GetAtt <Instance>.AvailabilityZone` tells
//! it when subnets are a parameter. EC2 simplified automatic recovery moves an instance whose
//! host fails, keeping its id, addresses and attached volumes (field notes §3).
//!
//! The VM attaches its own volumes at boot (`crate::emit::volume_boot`) rather than through an
//! `AWS::EC2::VolumeAttachment`: CloudFormation creates an instance's replacement before it
//! deletes the old one, so a static attachment fails with VolumeInUse on every new image. The
//! volumes are tagged with their instance's id, which the VM finds them by; tagging the
//! instance with the volume ids instead would make each depend on the other.

use crate::dns::service_domain_of;
use crate::emit::cluster_dns::address_record;
use crate::emit::intrinsic::Expr;
use crate::emit::naming::{APPLICATION_SECURITY_GROUP, Names, Owner, SUBNETS_PARAMETER, Section};
use crate::emit::policy_rules::client_security_group_id;
use crate::emit::template_builder::TemplateBuilder;
use crate::emit::vm_role;
use crate::internal_error::InternalError;
use crate::model::stateful::{Claim, HeadlessService, Retention, Stateful, ordinal_name};
use crate::model::{Deployment, DeploymentName};
use serde_json::{Value, json};

/// The instance tag the VM reads its pod name from (IMDS `tags/instance/i2kit-pod-name`):
/// `metadata.name` of the ordinal. IMDS tag keys allow no `/`, so not `i2kit/…`.
pub const POD_NAME_TAG: &str = "i2kit-pod-name";
/// The volume tags the VM finds its volumes by: its own instance id, and the claim.
pub const VOLUME_INSTANCE_TAG: &str = "i2kit-instance";
pub const VOLUME_CLAIM_TAG: &str = "i2kit-claim";

/// How many subnets an ordinal's instance is spread over: the `Subnets` parameter asks for
/// subnets in at least two Availability Zones, so the first two exist in every stack that
/// follows it, and a shorter list fails the stack at `Fn::Select` rather than crowding the
/// ordinals into one zone unannounced.
const SPREAD_SUBNETS: u32 = 2;

/// Logical ids of one ordinal's resources: `redis-0` → `Redis0…`.
fn ordinal_names(set: &str, ordinal: u32) -> Names {
    Names::new(&ordinal_name(set, ordinal))
}

#[must_use]
pub fn instance_id(set: &str, ordinal: u32) -> String {
    ordinal_names(set, ordinal).with("Instance")
}

#[must_use]
pub fn volume_id(set: &str, ordinal: u32, claim: &Claim) -> String {
    ordinal_names(set, ordinal).with(&(Names::new(&claim.name).id + "Volume"))
}

/// The logical ids of the ordinals' instances among `backends`: a load balancer in front of a
/// StatefulSet registers them as targets, since no Auto Scaling group does.
#[must_use]
pub fn ordinal_targets(deployments: &[Deployment], backends: &[DeploymentName]) -> Vec<String> {
    deployments
        .iter()
        .filter(|deployment| backends.iter().any(|name| name.names(deployment)))
        .filter_map(|deployment| {
            let stateful = deployment.stateful.as_ref()?;
            Some(
                stateful
                    .ordinals(deployment.replicas)
                    .map(|ordinal| instance_id(&deployment.name, ordinal))
                    .collect::<Vec<String>>(),
            )
        })
        .flatten()
        .collect()
}

/// `Targets` of a target group: each instance on the group's port.
#[must_use]
pub fn target_entries(instances: &[String]) -> Value {
    Value::Array(
        instances
            .iter()
            .map(|id| json!({ "Id": Expr::reference(id.clone()) }))
            .collect(),
    )
}

/// Every resource of `deployment`'s ordinals, added to `builder` under `owner`.
pub fn add_ordinals<'a>(
    builder: &mut TemplateBuilder<'a>,
    deployment: &'a Deployment,
    stateful: &'a Stateful,
    names: &Names,
    owner: &Owner,
) {
    let ordinals: Vec<u32> = stateful.ordinals(deployment.replicas).collect();
    let mut previous: Option<String> = None;
    for (position, ordinal) in ordinals.iter().copied().enumerate() {
        let after = if stateful.ordered {
            previous.clone()
        } else {
            None
        };
        let launch = names.with("LaunchTemplate");
        let instance = instance_id(&deployment.name, ordinal);
        builder.add(Section::Resources, instance.clone(), owner, move || {
            ordinal_instance(deployment, ordinal, position, &launch, after)
        });
        for claim in &stateful.claims {
            let instance = instance.clone();
            builder.add(
                Section::Resources,
                volume_id(&deployment.name, ordinal, claim),
                owner,
                move || volume(deployment, stateful, ordinal, claim, &instance),
            );
        }
        previous = Some(instance);
    }
    if !stateful.claims.is_empty() {
        builder.add(
            Section::Resources,
            names.with("VolumePolicy"),
            owner,
            move || attach_policy(deployment, stateful, &Names::new(&deployment.name)),
        );
    }
    for headless in &stateful.headless {
        let service_names = Names::new(headless.service.as_str());
        // A pod has a record of its own only under its subdomain, which a StatefulSet sets to
        // its `serviceName` (kubernetes.io "DNS for Services and Pods"): another headless
        // Service that selects the set lists its addresses, but names no ordinal.
        let subdomain = stateful.service_name.as_deref() == Some(headless.service.as_str());
        for ordinal in ordinals.iter().copied().filter(|_| subdomain) {
            let pod = ordinal_name(&deployment.name, ordinal);
            let name = [
                pod.as_str(),
                &service_domain_of(headless.service.as_str(), &headless.namespace),
            ]
            .join(".");
            let instance = instance_id(&deployment.name, ordinal);
            builder.add(
                Section::Resources,
                service_names.with(&(ordinal_names(&deployment.name, ordinal).id + "DnsRecord")),
                owner,
                move || address_record(&name, vec![Expr::get_att(instance, "PrivateIp")]),
            );
        }
    }
}

/// The record of a headless Service's own name: the address of every ordinal of every set it
/// selects, in document order.
pub fn add_headless_service<'a>(
    builder: &mut TemplateBuilder<'a>,
    service: &'a HeadlessService,
    deployments: &'a [Deployment],
) {
    let owner = Owner::new(
        format!(
            "headless Service `{}` in namespace `{}`",
            service.name, service.namespace
        ),
        Some(service.span),
    );
    builder.try_add(
        Section::Resources,
        Names::new(service.name.as_str()).with("DnsRecord"),
        &owner,
        move || {
            let mut addresses = Vec::new();
            for set in &service.sets {
                let (deployment, stateful) = deployments
                    .iter()
                    .find(|deployment| set.names(deployment))
                    .and_then(|deployment| Some((deployment, deployment.stateful.as_ref()?)))
                    .ok_or_else(|| {
                        InternalError::inconsistent("a headless Service names no StatefulSet")
                    })?;
                addresses.extend(stateful.ordinals(deployment.replicas).map(|ordinal| {
                    Expr::get_att(instance_id(&deployment.name, ordinal), "PrivateIp")
                }));
            }
            Ok(address_record(
                &service_domain_of(service.name.as_str(), &service.namespace),
                addresses,
            ))
        },
    );
}

/// One ordinal's VM: the set's launch template, the next of the spread subnets, and its pod
/// name as a tag the VM reads at boot. With `OrderedReady`, it is created after the ordinal
/// before it and deleted before it, as Kubernetes scales.
fn ordinal_instance(
    deployment: &Deployment,
    ordinal: u32,
    position: usize,
    launch: &str,
    after: Option<String>,
) -> Value {
    let subnet = u32::try_from(position).unwrap_or(0) % SPREAD_SUBNETS;
    let mut groups = vec![
        Expr::reference(Names::new(&deployment.name).with("InstanceSecurityGroup")),
        Expr::reference(APPLICATION_SECURITY_GROUP),
    ];
    if deployment.policy_source {
        groups.push(Expr::reference(client_security_group_id(&deployment.name)));
    }
    let pod = ordinal_name(&deployment.name, ordinal);
    let mut instance = json!({
        "Type": "AWS::EC2::Instance",
        "Properties": {
            "LaunchTemplate": {
                "LaunchTemplateId": Expr::reference(launch),
                "Version": Expr::get_att(launch, "LatestVersionNumber")
            },
            // On the instance, not in the launch template: EC2 refuses a subnet given
            // beside a launch template's network interfaces.
            "NetworkInterfaces": [{
                "AssociatePublicIpAddress": false,
                "DeleteOnTermination": true,
                "DeviceIndex": "0",
                "GroupSet": groups,
                "SubnetId": { "Fn::Select": [subnet, Expr::reference(SUBNETS_PARAMETER)] }
            }],
            "Tags": [
                {"Key": "Name", "Value": pod},
                {"Key": POD_NAME_TAG, "Value": pod}
            ]
        }
    });
    if let Some(after) = after {
        instance["DependsOn"] = json!(after);
    }
    instance
}

/// An ordinal's disk: encrypted, in its instance's zone, kept when a change replaces it, and
/// kept or deleted with the stack as the set's retention policy says.
fn volume(
    deployment: &Deployment,
    stateful: &Stateful,
    ordinal: u32,
    claim: &Claim,
    instance: &str,
) -> Value {
    let deletion = match stateful.retention {
        Retention::Delete if !claim.keep => "Delete",
        Retention::Retain | Retention::Delete => "Retain",
    };
    let pod = ordinal_name(&deployment.name, ordinal);
    let label = [claim.name.as_str(), pod.as_str()].join("-");
    let mut volume = json!({
        "Type": "AWS::EC2::Volume",
        "DeletionPolicy": deletion,
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "AvailabilityZone": Expr::get_att(instance, "AvailabilityZone"),
            "Encrypted": true,
            "Size": claim.size_gib,
            "Tags": [
                {"Key": "Name", "Value": label},
                {"Key": VOLUME_CLAIM_TAG, "Value": claim.name},
                {"Key": VOLUME_INSTANCE_TAG, "Value": Expr::reference(instance)},
                {"Key": POD_NAME_TAG, "Value": pod}
            ],
            "VolumeType": claim.volume_type.as_str()
        }
    });
    if let Some(iops) = claim.iops {
        volume["Properties"]["Iops"] = json!(iops);
    }
    if let Some(throughput) = claim.throughput {
        volume["Properties"]["Throughput"] = json!(throughput);
    }
    volume
}

/// `arn:<partition>:ec2:<region>:<account>:<kind>/<id>` of a resource of this stack.
fn ec2_arn(kind: &str, id: &str) -> Expr {
    Expr::Concat(vec![
        Expr::text("arn:"),
        Expr::reference("AWS::Partition"),
        Expr::text(":ec2:"),
        Expr::reference("AWS::Region"),
        Expr::text(":"),
        Expr::reference("AWS::AccountId"),
        Expr::text(format!(":{kind}/")),
        Expr::reference(id),
    ])
}

/// What the VMs may do to attach their disks. Each ordinal's instance may attach its own
/// volumes to itself and nothing else: `ec2:SourceInstanceARN` is the instance the request
/// comes from (EC2 User Guide, iam-policies-for-amazon-ec2, "ec2:SourceInstanceARN condition
/// key"), and an AttachVolume request is allowed only when both its volume and its instance
/// are. Finding the volumes needs `ec2:DescribeVolumes`, which takes no resource-level
/// permission ("the Describe actions do not support resource-level permissions", same page).
fn attach_policy(deployment: &Deployment, stateful: &Stateful, names: &Names) -> Value {
    let mut statements = vec![json!({
        "Sid": "FindOwnVolumes",
        "Effect": "Allow",
        "Action": "ec2:DescribeVolumes",
        "Resource": "*"
    })];
    for ordinal in stateful.ordinals(deployment.replicas) {
        let instance = instance_id(&deployment.name, ordinal);
        let mut resources: Vec<Expr> = stateful
            .claims
            .iter()
            .map(|claim| ec2_arn("volume", &volume_id(&deployment.name, ordinal, claim)))
            .collect();
        resources.push(ec2_arn("instance", &instance));
        statements.push(json!({
            "Sid": format!("Attach{}", ordinal_names(&deployment.name, ordinal).id),
            "Effect": "Allow",
            "Action": "ec2:AttachVolume",
            "Resource": resources,
            "Condition": { "ArnEquals": { "ec2:SourceInstanceARN": ec2_arn("instance", &instance) } }
        }));
    }
    let role = vm_role::role_entry(deployment, names);
    json!({
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": Expr::Concat(vec![
                Expr::reference("AWS::StackName"),
                Expr::text(format!("-{}-volumes", deployment.name)),
            ]),
            "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
            "Roles": [role]
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::compile::infer_application;
    use crate::emit::cloudformation::emit_template;
    use crate::infer::group::plan_groups;
    use crate::infer::link::link;
    use crate::input::kubernetes::restriction::Waivers;
    use crate::source::SourceFile;
    use serde_json::Value;

    fn template(replicas: u32, claims: &[&str], retention: &str) -> Value {
        let templates: String = claims
            .iter()
            .map(|claim| {
                format!("  - metadata: {{name: {claim}}}\n    spec: {{resources: {{requests: {{storage: 3Gi}}}}}}\n")
            })
            .collect();
        let mounts: Vec<String> = claims
            .iter()
            .map(|claim| format!("{{name: {claim}, mountPath: /{claim}}}"))
            .collect();
        let text = format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db}}\nspec:\n  replicas: {replicas}\n  ordinals: {{start: 3}}\n  persistentVolumeClaimRetentionPolicy: {retention}\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec:\n      containers: [{{name: db, image: \"postgres:17.2\", volumeMounts: [{}]}}]\n  volumeClaimTemplates:\n{templates}",
            mounts.join(", ")
        );
        let (application, diagnostics) =
            infer_application(&SourceFile::new("input.yaml", text), Waivers::default());
        let mut application = application.unwrap_or_else(|| panic!("compiles: {diagnostics:?}"));
        link(&mut application);
        plan_groups(&mut application);
        let (text, _) = emit_template(&application).expect("a template");
        serde_json::from_str(&text).expect("JSON")
    }

    fn of_type<'a>(template: &'a Value, kind: &str) -> Vec<(&'a String, &'a Value)> {
        template["Resources"]
            .as_object()
            .expect("resources")
            .iter()
            .filter(|(_, resource)| resource["Type"] == kind)
            .collect()
    }

    /// Every ordinal has its instance; every volume is in the zone of the instance it is
    /// tagged with, encrypted, and kept when replaced; the attach policy names each volume
    /// only for its own instance.
    #[test]
    fn each_volume_belongs_to_one_ordinal_in_its_zone_and_survives_replacement() {
        for (replicas, claims) in [
            (1, vec!["data"]),
            (3, vec!["data", "wal"]),
            (5, vec!["logs"]),
        ] {
            let template = template(replicas, &claims, "{whenDeleted: Delete}");
            let instances = of_type(&template, "AWS::EC2::Instance");
            let volumes = of_type(&template, "AWS::EC2::Volume");
            assert_eq!(instances.len(), replicas as usize);
            assert_eq!(volumes.len(), replicas as usize * claims.len());
            let names: Vec<&str> = instances
                .iter()
                .map(|(_, instance)| {
                    instance["Properties"]["Tags"][1]["Value"]
                        .as_str()
                        .expect("pod name")
                })
                .collect();
            let expected: Vec<String> = (3..3 + replicas)
                .map(|ordinal| format!("db-{ordinal}"))
                .collect();
            assert_eq!(names, expected);
            for (id, volume) in &volumes {
                let zone_of = volume["Properties"]["AvailabilityZone"]["Fn::GetAtt"][0].clone();
                let tagged = volume["Properties"]["Tags"][2]["Value"]["Ref"].clone();
                assert_eq!(zone_of, tagged, "{id}");
                assert_eq!(volume["UpdateReplacePolicy"], "Retain", "{id}");
                // whenScaled is still Retain: one of the two keeps the data, so both do.
                assert_eq!(volume["DeletionPolicy"], "Retain", "{id}");
                assert_eq!(volume["Properties"]["Encrypted"], true, "{id}");
                assert_eq!(volume["Properties"]["VolumeType"], "gp3", "{id}");
            }
            let policy =
                &of_type(&template, "AWS::IAM::Policy")[0].1["Properties"]["PolicyDocument"];
            for statement in policy["Statement"]
                .as_array()
                .expect("statements")
                .iter()
                .skip(1)
            {
                let source =
                    statement["Condition"]["ArnEquals"]["ec2:SourceInstanceARN"]["Fn::Join"][1][7]
                        ["Ref"]
                        .clone();
                let resources = statement["Resource"].as_array().expect("resources");
                for resource in resources {
                    let named = &resource["Fn::Join"][1][7]["Ref"];
                    let owner = if named.as_str().is_some_and(|id| id.ends_with("Instance")) {
                        named.clone()
                    } else {
                        template["Resources"][named.as_str().expect("an id")]["Properties"]["AvailabilityZone"]["Fn::GetAtt"][0].clone()
                    };
                    assert_eq!(owner, source);
                }
            }
        }
    }

    #[test]
    fn volumes_are_deleted_only_when_both_deletion_and_scaling_say_so() {
        let template = template(2, &["data"], "{whenDeleted: Delete, whenScaled: Delete}");
        for (_, volume) in of_type(&template, "AWS::EC2::Volume") {
            assert_eq!(volume["DeletionPolicy"], "Delete");
            assert_eq!(volume["UpdateReplacePolicy"], "Retain");
        }
    }
}
