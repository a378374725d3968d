//! The VMs: a launch template and the Auto Scaling group that keeps `replicas` of them.

use crate::emit::balancer_product::BalancerProduct;
use crate::emit::intrinsic::Expr;
use crate::emit::load_balancing::target_group_id;
use crate::emit::naming::{APPLICATION_SECURITY_GROUP, Names, SUBNETS_PARAMETER};
use crate::emit::policy_rules::client_security_group_id;
use crate::emit::vm_role;
use crate::internal_error::InternalError;
use crate::model::{Deployment, Service};
use serde_json::{Map, Value, json};

/// Launch template: IMDSv2 only (a LaunchConfiguration is not possible in accounts created
/// since 2024-10-01), encrypted EBS, and no public address: traffic arrives through the
/// load balancer. Each VM carries its deployment's group, which admits its load balancers, and
/// the application's group, which internal load balancers admit. A role reaches the VMs
/// through its instance profile.
#[must_use]
pub fn launch_template(deployment: &Deployment, names: &Names) -> Value {
    let mut groups = vec![
        Expr::reference(names.with("InstanceSecurityGroup")),
        Expr::reference(APPLICATION_SECURITY_GROUP),
    ];
    if deployment.policy_source {
        groups.push(Expr::reference(client_security_group_id(&deployment.name)));
    }
    let mut template = json!({
        "Type": "AWS::EC2::LaunchTemplate",
        "Properties": {
            "LaunchTemplateData": {
                // `linuxkit push aws` registers the image with root device /dev/sda1
                // (push_aws.go); encrypting it here encrypts every VM's copy at launch.
                "BlockDeviceMappings": [{
                    "DeviceName": "/dev/sda1",
                    "Ebs": { "DeleteOnTermination": true, "Encrypted": true }
                }],
                "ImageId": Expr::reference(names.with("ImageId")),
                "InstanceType": Expr::reference(names.with("InstanceType")),
                "MetadataOptions": {
                    "HttpEndpoint": "enabled",
                    "HttpPutResponseHopLimit": 1,
                    "HttpTokens": "required"
                },
                "NetworkInterfaces": [{
                    "AssociatePublicIpAddress": false,
                    "DeleteOnTermination": true,
                    "DeviceIndex": 0,
                    "Groups": groups
                }],
                "TagSpecifications": [{
                    "ResourceType": "instance",
                    "Tags": [
                        {"Key": "Name", "Value": deployment.name},
                        {"Key": "i2kit:deployment", "Value": deployment.name}
                    ]
                }]
            }
        }
    });
    if let Some(profile) = vm_role::profile_id(deployment, names) {
        template["Properties"]["LaunchTemplateData"]["IamInstanceProfile"] =
            json!({ "Arn": Expr::get_att(profile, "Arn") });
    }
    if deployment.stateful.is_some() {
        let data = &mut template["Properties"]["LaunchTemplateData"];
        // Each ordinal's instance names its own subnet and groups (`emit::ordinals`).
        if let Some(fields) = data.as_object_mut() {
            fields.remove("NetworkInterfaces");
        }
        // The VM reads its pod name (and the boot step its instance id) from IMDS; tags are
        // off there unless asked for (EC2 User Guide, work-with-tags-in-IMDS).
        data["MetadataOptions"]["InstanceMetadataTags"] = json!("enabled");
        // Said rather than left to the default: an ordinal's only recovery from a failed host
        // is EC2's own (simplified automatic recovery keeps its id, addresses and volumes).
        data["MaintenanceOptions"] = json!({ "AutoRecovery": "default" });
    }
    template
}

/// The group, sized so a rolling update keeps `replicas − maxUnavailable` VMs in service (or
/// what a disruption budget keeps, if stricter), between an autoscaler's bounds when there is
/// one, and registered with every load balancer in front of it: its services', and the Ingress
/// target groups (by logical id) `routed` that forward to it.
///
/// # Errors
/// When the group was not planned (`infer::group::plan_groups` did not run): a defect of
/// i2kit's pipeline, which must not come out as a guessed size.
pub fn auto_scaling_group(
    deployment: &Deployment,
    fronting: &[&Service],
    routed: &[String],
    names: &Names,
) -> Result<Value, InternalError> {
    let sizes = deployment
        .group
        .ok_or_else(|| InternalError::unplanned_group(&deployment.name))?;
    let mut properties = Map::new();
    properties.insert(
        "LaunchTemplate".into(),
        json!({
            "LaunchTemplateId": Expr::reference(names.with("LaunchTemplate")),
            "Version": Expr::get_att(names.with("LaunchTemplate"), "LatestVersionNumber")
        }),
    );
    properties.insert("MinSize".into(), json!(sizes.min_size.to_string()));
    properties.insert("MaxSize".into(), json!(sizes.max_size.to_string()));
    // Left out under an autoscaler: CloudFormation would set it back on every stack update.
    if let Some(desired) = sizes.desired_capacity {
        properties.insert("DesiredCapacity".into(), json!(desired.to_string()));
    }
    properties.insert(
        "VPCZoneIdentifier".into(),
        json!(Expr::reference(SUBNETS_PARAMETER)),
    );
    let mut properties = Value::Object(properties);
    let mut classic = Vec::new();
    let mut target_groups = Vec::new();
    for service in fronting {
        let service_names = Names::new(&service.name);
        if BalancerProduct::for_layer(service.load_balancer.layer).has_target_groups() {
            target_groups.extend(
                service.load_balancer.listeners.iter().map(|listener| {
                    json!(Expr::reference(target_group_id(&service_names, listener)))
                }),
            );
        } else {
            classic.push(json!(Expr::reference(service_names.with("LoadBalancer"))));
        }
    }
    target_groups.extend(routed.iter().map(|id| json!(Expr::reference(id.clone()))));
    if !classic.is_empty() {
        properties["LoadBalancerNames"] = Value::Array(classic);
    }
    if !target_groups.is_empty() {
        properties["TargetGroupARNs"] = Value::Array(target_groups);
    }
    if let Some(replace) = deployment.replace_unhealthy {
        properties["HealthCheckType"] = json!("ELB");
        properties["HealthCheckGracePeriod"] = json!(replace.grace_period_seconds);
    }
    if let Some((min_healthy, max_healthy)) = sizes.maintenance {
        // AWS's own disruption budget, for replacements CloudFormation does not drive
        // (instance refresh, Availability Zone rebalancing, unhealthy instances).
        properties["InstanceMaintenancePolicy"] = json!({
            "MaxHealthyPercentage": max_healthy,
            "MinHealthyPercentage": min_healthy
        });
    }
    properties["Tags"] = json!([{ "Key": "i2kit:deployment", "PropagateAtLaunch": false, "Value": deployment.name }]);
    // Recreate is a rolling update of one batch with nothing kept in service and no room
    // to surge (see `group_sizes`): every old VM goes before a new one starts. A replacing
    // update would run the old and new groups side by side, which Recreate exists to avoid.
    let mut update_policy = json!({
        "AutoScalingRollingUpdate": {
            "MaxBatchSize": sizes.max_batch_size,
            "MinInstancesInService": sizes.min_in_service,
            "PauseTime": format!("PT{}S", deployment.rollout.pause_seconds)
        }
    });
    if deployment.autoscaling.is_some() {
        // Keeps the sizes scaling reached when a stack update leaves MinSize and MaxSize as
        // they were (UpdatePolicy, aws-attribute-updatepolicy).
        update_policy["AutoScalingScheduledAction"] =
            json!({ "IgnoreUnmodifiedGroupSizeProperties": true });
    }
    Ok(json!({
        "Type": "AWS::AutoScaling::AutoScalingGroup",
        "Properties": properties,
        "UpdatePolicy": update_policy
    }))
}
