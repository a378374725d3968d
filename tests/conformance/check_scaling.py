#!/usr/bin/env python3
"""Conformance checks of what autoscalers, disruption budgets and ServiceAccount roles become,
on the deployed stack, against expectations manifest_model.py re-derives from the manifest:

  - the group's MinSize and MaxSize (describe-auto-scaling-groups);
  - its scaling policy (describe-policies): target tracking on ASGAverageCPUUtilization at the
    CPU target converted from the pod's requests to the deployed instance type's vCPUs, or no
    policy at all;
  - the rolling update's MinInstancesInService and MaxBatchSize, the instance maintenance
    policy, and, under an autoscaler, no DesiredCapacity and IgnoreUnmodifiedGroupSizeProperties
    (read from GetTemplate: AWS shows an UpdatePolicy nowhere else, and moto keeps no
    maintenance policy);
  - the instance profile on the launch template, and the role in it (iam get-instance-profile):
    the role of the manifest's ARN, one profile shared by the Deployments of one account.

assert_stack.py calls `check(checks, stack, deployment, group)` for each deployment.
`check_scaling.py create-roles --endpoint URL --manifest FILE` creates the IAM roles the manifest
names, trusting ec2.amazonaws.com, before a deploy: an instance profile needs its role to exist
(moto checks that too).
"""

import argparse
import json
import sys

import boto3
import yaml

import check_secrets
import manifest_model

# README: the instance types i2kit sizes from, with their vCPUs.
VCPUS = {
    "t3.nano": 2, "t3.micro": 2, "t3.small": 2, "t3.medium": 2, "t3.large": 2, "t3.xlarge": 4,
    "t3.2xlarge": 8, "m7i.4xlarge": 16, "m7i.8xlarge": 32, "m7i.16xlarge": 64, "m7i.24xlarge": 96,
}

# Profiles seen per stack and account, so Deployments of one account are checked to share one.
PROFILES = {}


def expected_target(autoscaler, requests, instance_type):
    """The CPU target in percent of the instance: the requests' percentage converted with the
    instance's vCPUs, rounded to a tenth (half up) and kept within 1-100%; as written when there
    is no request, the type is unknown, or the percentage is of the instance already."""
    percent = autoscaler["cpu"]
    vcpus = VCPUS.get(instance_type)
    if autoscaler["of"] == "requests" and requests > 0 and vcpus:
        tenths = (percent * requests + 50 * vcpus) // (100 * vcpus)
    else:
        tenths = percent * 10
    return max(10, min(1000, tenths)) / 10


def template_of(stack):
    if not hasattr(stack, "_scaling_template"):
        body = stack.cfn.get_template(StackName=stack.name)["TemplateBody"]
        stack._scaling_template = body if isinstance(body, dict) else json.loads(body)
    return stack._scaling_template


def check(checks, stack, deployment, group):
    expected = deployment["scaling"]
    autoscaler = expected["autoscaler"]
    checks.equal((group.get("MinSize"), group.get("MaxSize")), (expected["min_size"], expected["max_size"]),
                 "ASG MinSize and MaxSize (replicas, or the autoscaler's bounds; room for the update's surge)")
    resource = stack.logical_id_of(group["AutoScalingGroupName"])
    declared = (template_of(stack).get("Resources") or {}).get(resource) or {}
    properties = declared.get("Properties") or {}
    policy = declared.get("UpdatePolicy") or {}
    rolling = policy.get("AutoScalingRollingUpdate") or {}
    checks.equal((int(rolling.get("MinInstancesInService", 0)), int(rolling.get("MaxBatchSize", 1))),
                 (expected["min_in_service"], expected["max_batch_size"]),
                 "rolling update MinInstancesInService and MaxBatchSize (strategy, autoscaler bounds, disruption budget)")
    maintenance = properties.get("InstanceMaintenancePolicy")
    wanted = expected["maintenance"]
    checks.equal((maintenance or {}).get("MinHealthyPercentage"), wanted and wanted[0], "instance maintenance policy MinHealthyPercentage (disruption budget)")
    checks.equal((maintenance or {}).get("MaxHealthyPercentage"), wanted and wanted[1], "instance maintenance policy MaxHealthyPercentage")
    ignores = (policy.get("AutoScalingScheduledAction") or {}).get("IgnoreUnmodifiedGroupSizeProperties")
    checks.equal(("DesiredCapacity" in properties, bool(ignores)), (not autoscaler, bool(autoscaler)),
                 "DesiredCapacity in the template only without an autoscaler, IgnoreUnmodifiedGroupSizeProperties only with one (a stack update must not reset a grown group)")
    check_policy(checks, stack, deployment, group, autoscaler, expected["requests_millis"])
    check_role(checks, stack, deployment, group, expected["role"])


def check_policy(checks, stack, deployment, group, autoscaler, requests):
    policies = stack.asg.describe_policies(AutoScalingGroupName=group["AutoScalingGroupName"])["ScalingPolicies"]
    if not autoscaler or autoscaler["cpu"] is None:
        checks.equal(len(policies), 0, "no scaling policy without a CPU target")
        return
    if not checks.equal(len(policies), 1, "one scaling policy on the group"):
        return
    found = policies[0]
    tracking = found.get("TargetTrackingConfiguration") or {}
    metric = (tracking.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
    checks.equal((found.get("PolicyType"), metric), ("TargetTrackingScaling", "ASGAverageCPUUtilization"),
                 "target tracking on the group's average CPU")
    instance_type = stack.parameters.get(deployment["id"] + "InstanceType")
    if instance_type is None:
        parameter = (template_of(stack).get("Parameters") or {}).get(deployment["id"] + "InstanceType") or {}
        instance_type = parameter.get("Default")
    target = expected_target(autoscaler, requests, instance_type)
    checks.check(abs(float(tracking.get("TargetValue", -1)) - target) < 1e-9,
                 f"CPU target {target}% of a {instance_type} ({autoscaler['cpu']}% of {'the pod requests ' + str(requests) + 'm' if autoscaler['of'] == 'requests' else 'the instance'})",
                 f"got {tracking.get('TargetValue')!r}")


def check_role(checks, stack, deployment, group, role):
    template = group["LaunchTemplate"]
    versions = stack.ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"], Versions=[str(template["Version"])])
    data = versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    attached = (data.get("IamInstanceProfile") or {}).get("Arn")
    if role is None:
        if check_secrets.secret_references(deployment.get("pod") or {}):
            # The stack's own role, to fetch the pod's Secrets at boot (check_secrets checks
            # exactly what it may read).
            checks.check(attached is not None, "an instance profile of the stack's own role, to fetch the pod's Secrets at boot", repr(attached))
        else:
            checks.check(attached is None, "no instance profile without a role or a Secret to fetch", repr(attached))
        return
    iam = stack.client("iam")
    profiles = {}
    for name in stack.physical_ids("AWS::IAM::InstanceProfile"):
        found = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        profiles[found["Arn"]] = found
    if not checks.check(attached in profiles, "launch template attaches an instance profile of the stack", f"{attached!r} not in {sorted(profiles)}"):
        return
    roles = profiles[attached].get("Roles") or []
    checks.equal([r.get("Arn") for r in roles], [role], "the instance profile holds the manifest's role (ARN, path included)")
    key = (stack.name, deployment.get("profile", deployment["name"]))
    shared = PROFILES.setdefault(key, attached)
    checks.equal(attached, shared, "one instance profile per ServiceAccount (or short manifest), shared by its Deployments")


def create_roles(endpoint, manifest):
    # A file or a directory of files, as i2kit reads it.
    documents = manifest_model.load_documents(manifest)
    deployments, _ = manifest_model.read_application(documents)
    iam = boto3.client("iam", endpoint_url=endpoint)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    roles = {d["scaling"]["role"] for d in deployments if d["scaling"]["role"]}
    # A StatefulSet's pods act as their ServiceAccount's role too (its volume policy names it).
    objects = list(manifest_model.kubernetes_objects([d for d in documents if manifest_model.is_kubernetes(d)]))
    for stateful_set in (o for o in objects if o.get("kind") == "StatefulSet"):
        namespace = (stateful_set.get("metadata") or {}).get("namespace") or "default"
        pod = (((stateful_set.get("spec") or {}).get("template") or {}).get("spec") or {})
        account = pod.get("serviceAccountName") or pod.get("serviceAccount") or "default"
        for sa in (o for o in objects if o.get("kind") == "ServiceAccount"):
            metadata = sa.get("metadata") or {}
            if metadata.get("name") == account and (metadata.get("namespace") or "default") == namespace:
                role = (metadata.get("annotations") or {}).get("eks.amazonaws.com/role-arn")
                if role:
                    roles.add(role)
    for arn in sorted(roles):
        resource = arn.split(":", 5)[5][len("role/"):]
        path, _, name = resource.rpartition("/")
        try:
            iam.create_role(RoleName=name, Path=f"/{path}/" if path else "/", AssumeRolePolicyDocument=json.dumps(trust))
            print(f"created role {arn}")
        except iam.exceptions.EntityAlreadyExistsException:
            pass
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["create-roles"])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--manifest", required=True)
    args = parser.parse_args()
    return create_roles(args.endpoint, args.manifest)


if __name__ == "__main__":
    sys.exit(main())
