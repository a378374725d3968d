//! The VMs: a launch template and the Auto Scaling group that keeps `replicas` of them.

use crate::emit::intrinsic::Expr;
use crate::emit::naming::{Names, SUBNETS_PARAMETER};
use crate::infer::rollout::group_sizes;
use crate::model::{Deployment, LoadBalancerKind};
use serde_json::{Value, json};

/// Launch template: IMDSv2 only (a LaunchConfiguration is not possible in accounts created
/// since 2024-10-01), encrypted EBS, and no public address: traffic arrives through the
/// load balancer.
#[must_use]
pub fn launch_template(deployment: &Deployment, names: &Names) -> Value {
    json!({
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
                    "Groups": [Expr::reference(names.with("InstanceSecurityGroup"))]
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
    })
}

/// The group, sized so a rolling update keeps `replicas − maxUnavailable` VMs in service.
#[must_use]
pub fn auto_scaling_group(deployment: &Deployment, names: &Names) -> Value {
    let sizes = group_sizes(deployment.replicas, &deployment.rollout);
    let mut properties = json!({
        "LaunchTemplate": {
            "LaunchTemplateId": Expr::reference(names.with("LaunchTemplate")),
            "Version": Expr::get_att(names.with("LaunchTemplate"), "LatestVersionNumber")
        },
        "MinSize": sizes.min_size.to_string(),
        "MaxSize": sizes.max_size.to_string(),
        "DesiredCapacity": deployment.replicas.to_string(),
        "VPCZoneIdentifier": Expr::reference(SUBNETS_PARAMETER),
    });
    if let Some(load_balancer) = &deployment.load_balancer {
        match load_balancer.kind {
            LoadBalancerKind::Classic => {
                properties["LoadBalancerNames"] =
                    json!([Expr::reference(names.with("LoadBalancer"))]);
            }
            LoadBalancerKind::Application | LoadBalancerKind::Network => {
                properties["TargetGroupARNs"] = Value::Array(
                    load_balancer
                        .listeners
                        .iter()
                        .map(|listener| {
                            json!(Expr::reference(
                                names.with(&format!("TargetGroup{}", listener.port))
                            ))
                        })
                        .collect(),
                );
            }
        }
    }
    if let Some(replace) = deployment.replace_unhealthy {
        properties["HealthCheckType"] = json!("ELB");
        properties["HealthCheckGracePeriod"] = json!(replace.grace_period_seconds);
    }
    properties["Tags"] = json!([{ "Key": "i2kit:deployment", "PropagateAtLaunch": false, "Value": deployment.name }]);
    let update_policy = if deployment.rollout.recreate {
        json!({ "AutoScalingReplacingUpdate": { "WillReplace": true } })
    } else {
        json!({
            "AutoScalingRollingUpdate": {
                "MaxBatchSize": sizes.max_batch_size,
                "MinInstancesInService": sizes.min_in_service,
                "PauseTime": format!("PT{}S", deployment.rollout.pause_seconds)
            }
        })
    };
    json!({
        "Type": "AWS::AutoScaling::AutoScalingGroup",
        "Properties": properties,
        "UpdatePolicy": update_policy
    })
}
