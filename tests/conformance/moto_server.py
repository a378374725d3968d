"""moto_server with the fixes the conformance suite needs (checked against moto 5.2.5).

Each patch works around a moto gap, not a template problem; run.sh starts this instead of
`moto_server`, with the same arguments (e.g. `-H 127.0.0.1 -p PORT`).

1. moto creates every AWS::ElasticLoadBalancingV2::LoadBalancer made through CloudFormation as
   an application load balancer: it ignores `Type`, so a network load balancer's TCP/TLS
   listeners are then refused. We pass `Type` on as `loadbalancer_type`.
2. `Fn::GetAtt [LB, CanonicalHostedZoneID]` is "not implemented": moto leaves the intrinsic
   unresolved (the Route 53 alias gets the literal dict as its HostedZoneId). We return the
   load balancer's own `canonical_hosted_zone_id`, the value DescribeLoadBalancers reports.
3. A stack made through a change set (`aws cloudformation deploy`) has no Outputs: moto builds
   the stack's output map from an empty template and never rebuilds it after
   ExecuteChangeSet. We rebuild it after each ExecuteChangeSet.
4. On a stack update moto "modifies" every resource that refers to a parameter it sees as
   changed, and `aws cloudformation deploy` resends parameters left at their Default (which the
   create never sent) as UsePreviousValue, which moto counts as a change. Modifying then replaces
   security groups (leaving the load balancer on the deleted one) and adds launch template
   versions the ASG does not use. CloudFormation sees no change there: we drop such parameters
   from moto's diff when their value is the template's Default and the stack had none before.
5. A classic AWS::ElasticLoadBalancing::LoadBalancer made through CloudFormation ignores its
   `SecurityGroups` and `Subnets` (moto gives it a fresh default group and no subnets). We set
   both from the properties after moto creates it.
   It also drops each listener's `PolicyNames` (the policies themselves are created), so a TLS
   negotiation policy would look unused; we copy them onto the listeners. And it stores a
   policy's CloudFormation `Attributes` ({Name, Value}) as they are, which
   DescribeLoadBalancerPolicies cannot show (it wants {AttributeName, AttributeValue}); we rename.
6. A launch template block device mapping may leave out `VolumeSize` and `SnapshotId` for the
   AMI's root device (EC2 then takes both from the AMI: i2kit only asks for encryption there).
   moto refuses a volume without a size or snapshot; we give it the size of moto's AMIs (8 GiB).
7. An AWS::Route53::HostedZone made through CloudFormation becomes a PUBLIC zone named after its
   logical id: moto ignores `Name`, `VPCs` and `HostedZoneConfig`. i2kit's `cluster.local` zone
   is private (records of internal load balancers, found only from the VPC), so we create it
   with `Name` fully qualified (trailing dot, as Route 53 stores it and as the API path does),
   private with every `VPCs` entry associated (`VPCId`, `VPCRegion`) when `VPCs` is given.
   Route 53 refuses a second private zone of one name in one VPC (ConflictingDomainExists; the
   reason the design's `ClusterDnsZoneId` parameter exists); moto does not, so we refuse it too.
8. `Fn::GetAtt [ClassicLB, CanonicalHostedZoneNameID]` raises NotImplementedError in moto, and
   the alias record keeps the literal intrinsic. We return the hosted zone id AWS publishes for
   classic load balancers in us-east-1 (Z35SXDOTRQ7X7K; the suite runs in that region only).
9. DescribeStackResources lists a resource whose `Condition` is false as an entry with no
   LogicalResourceId, type or physical id (moto keeps a None in the stack's resource map).
   CloudFormation never creates it, so lists nothing for it: we leave such entries out (i2kit's
   ClusterDnsZone is conditional: a stack given ClusterDnsZoneId makes no zone).
10. Ingress load balancers (patch_ingress_gaps below): a target group made through
   CloudFormation loses `ProtocolVersion` (a gRPC target group reads back as HTTP1), a load
   balancer loses `IpAddressType` (dualstack reads back as ipv4), and
   AWS::ElasticLoadBalancingV2::ListenerCertificate is not a resource moto knows: it is skipped
   with a warning, so a listener's SNI certificates never attach. We keep both properties and
   add the resource type, attaching its certificates to the listener as
   AddListenerCertificates does. A security group's `SecurityGroupIngress` entry with
   `CidrIpv6` becomes a rule with no source at all (moto reads only `CidrIp`); we create it
   with its IPv6 range, as a dual-stack load balancer's group needs. And an entry that is
   `Fn::If` resolving to AWS::NoValue (a rule an empty parameter does not add, e.g.
   InternalClientCidr) stays in moto's list as None, where CloudFormation drops the item; we
   drop it.
11. moto has no CloudFormation model for AWS::AutoScaling::ScalingPolicy: it skips the resource
   with a warning, so DescribePolicies shows nothing for a stack's target-tracking policy. We
   register one that calls PutScalingPolicy with the template's properties (the policy is
   named after the resource's generated name; `Ref` gives its ARN, as in CloudFormation). See
   `register_scaling_policy_model`.
12. An AWS::EC2::SecurityGroup's inline `SecurityGroupEgress` is ignored: moto keeps its default
   allow-all (0.0.0.0/0, plus ::/0 in an IPv6 VPC) whatever the template says. CloudFormation
   adds that default only to a group written without outbound rules; we drop it when the
   template writes some and authorize each written rule (ranges and destination groups), so
   DescribeSecurityGroups shows what AWS would (patch_ingress_gaps, beside the ingress fix).
13. An AWS::EC2::Instance made through CloudFormation must name `ImageId` in moto: it ignores
   `LaunchTemplate` and `NetworkInterfaces` (a StatefulSet's ordinals take both from i2kit's
   launch template and their own interface). We launch it as RunInstances would: the launch
   template's version gives the image, type, metadata options and instance profile, and the
   interfaces (subnet, `GroupSet`) are passed on. See `patch_instance_launch_template`.
15. An AWS::ElasticLoadBalancingV2::TargetGroup made through CloudFormation drops `Targets`; we
   register them (patch_ingress_gaps, beside the ProtocolVersion fix).
14. An AWS::EC2::Volume made through CloudFormation keeps only `Size` and `AvailabilityZone`:
   moto drops `Encrypted`, `VolumeType`, `Iops`, `Throughput` and `Tags` (an unencrypted gp2
   volume without tags, which a VM could not find by its tags). We pass them on.
"""

import sys

from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.parsing import ResourceMap
from moto.elb.models import LoadBalancer as ClassicLoadBalancer
from moto.elbv2.models import FakeLoadBalancer, elbv2_backends


def _create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = cloudformation_json["Properties"]
    backend = elbv2_backends[account_id][region_name]
    return backend.create_load_balancer(
        resource_name,
        properties.get("SecurityGroups"),
        properties.get("Subnets"),
        scheme=properties.get("Scheme", "internet-facing"),
        loadbalancer_type=properties.get("Type", "application"),
    )


FakeLoadBalancer.create_from_cloudformation_json = classmethod(_create_from_cloudformation_json)

_original_get_cfn_attribute = FakeLoadBalancer.get_cfn_attribute


def _get_cfn_attribute(self, attribute_name):
    if attribute_name == "CanonicalHostedZoneID":
        return self.canonical_hosted_zone_id
    return _original_get_cfn_attribute(self, attribute_name)


FakeLoadBalancer.get_cfn_attribute = _get_cfn_attribute

_original_execute_change_set = CloudFormationBackend.execute_change_set


def _execute_change_set(self, change_set_name, stack_name=None):
    _original_execute_change_set(self, change_set_name, stack_name)
    change_set = self.change_sets.get(change_set_name)
    if change_set is None:
        matching = [
            candidate
            for candidate in self.change_sets.values()
            if candidate.change_set_name == change_set_name
            and (stack_name is None or candidate.stack.name == stack_name or candidate.stack.stack_id == stack_name)
        ]
        change_set = matching[-1] if matching else None
    if change_set is None:
        return
    stack = self.stacks[change_set.stack_id]
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.output_map = stack._create_output_map()


CloudFormationBackend.execute_change_set = _execute_change_set

_original_build_resource_diff = ResourceMap.build_resource_diff


def _build_resource_diff(self, other_template, parameters=None):
    if parameters:
        declared = other_template.get("Parameters") or {}
        parameters = {
            key: value
            for key, value in parameters.items()
            if not (
                key not in (self.input_parameters or {})
                and "Default" in (declared.get(key) or {})
                and str(declared[key]["Default"]) == str(value)
            )
        }
    return _original_build_resource_diff(self, other_template, parameters)


ResourceMap.build_resource_diff = _build_resource_diff

_original_create_classic = ClassicLoadBalancer.create_from_cloudformation_json.__func__


def _create_classic(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    balancer = _original_create_classic(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    properties = cloudformation_json["Properties"]
    if properties.get("SecurityGroups"):
        balancer.security_groups = list(properties["SecurityGroups"])
    for policy in balancer.policies:
        attributes = getattr(policy, "policy_attribute_descriptions", None) or []
        policy.policy_attribute_descriptions = [
            {"AttributeName": a["Name"], "AttributeValue": a.get("Value")} if "Name" in a else a for a in attributes
        ]
    for listener in balancer.listeners:
        for declared in properties.get("Listeners") or []:
            if str(declared.get("LoadBalancerPort")) == str(listener.load_balancer_port):
                listener.policy_names = list(declared.get("PolicyNames") or [])
    if properties.get("Subnets"):
        from moto.ec2.models import ec2_backends

        ec2 = ec2_backends[account_id][region_name]
        balancer.subnets = list(properties["Subnets"])
        subnets = [ec2.get_subnet(subnet_id) for subnet_id in balancer.subnets]
        balancer.vpc_id = subnets[0].vpc_id
        if not balancer.availability_zones:
            balancer.availability_zones = [subnet.availability_zone for subnet in subnets]
    return balancer


ClassicLoadBalancer.create_from_cloudformation_json = classmethod(_create_classic)

from moto.ec2.models.elastic_block_store import EBSBackend

_original_create_volume = EBSBackend.create_volume


def _create_volume(self, size, zone_name, *args, **kwargs):
    snapshot_id = kwargs.get("snapshot_id") if "snapshot_id" in kwargs else (args[0] if args else None)
    if size is None and snapshot_id is None:
        size = 8
    return _original_create_volume(self, size, zone_name, *args, **kwargs)


EBSBackend.create_volume = _create_volume

from moto.route53.models import FakeZone, route53_backends
from moto.utilities.utils import get_partition


def _create_zone(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = cloudformation_json.get("Properties") or {}
    name = properties.get("Name") or resource_name
    if not name.endswith("."):
        name += "."
    vpcs = properties.get("VPCs") or []
    backend = route53_backends[account_id][get_partition(region_name)]
    first = vpcs[0] if vpcs else {}
    wanted = {vpc.get("VPCId") for vpc in vpcs}
    for other in backend.zones.values():
        if other.private_zone and other.name == name and wanted & {v.get("vpc_id") for v in other.vpcs}:
            from moto.route53.exceptions import ConflictingDomainExists

            raise ConflictingDomainExists(name, None)
    zone = backend.create_hosted_zone(
        name,
        private_zone=bool(vpcs),
        vpcid=first.get("VPCId"),
        vpcregion=first.get("VPCRegion"),
        comment=(properties.get("HostedZoneConfig") or {}).get("Comment"),
    )
    for vpc in vpcs[1:]:
        zone.add_vpc(vpc.get("VPCId"), vpc.get("VPCRegion"))
    return zone


FakeZone.create_from_cloudformation_json = classmethod(_create_zone)

# AWS's published hosted zone id of classic load balancers in us-east-1 (Elastic Load Balancing
# endpoints table); DescribeLoadBalancers in moto reports none to compare with.
CLASSIC_ZONE_ID = "Z35SXDOTRQ7X7K"
_original_classic_attribute = ClassicLoadBalancer.get_cfn_attribute


def _classic_attribute(self, attribute_name):
    if attribute_name == "CanonicalHostedZoneNameID":
        return CLASSIC_ZONE_ID
    return _original_classic_attribute(self, attribute_name)


ClassicLoadBalancer.get_cfn_attribute = _classic_attribute

_original_describe_stack_resources = CloudFormationBackend.describe_stack_resources


def _describe_stack_resources(self, stack_name, logical_resource_id):
    stack, resources = _original_describe_stack_resources(self, stack_name, logical_resource_id)
    return stack, [resource for resource in resources if resource is not None]


CloudFormationBackend.describe_stack_resources = _describe_stack_resources



def patch_ingress_gaps():
    """Patch 10: what i2kit's Ingress load balancers need that moto's CloudFormation drops."""
    from moto.core.common_models import CloudFormationModel
    from moto.elbv2.models import FakeTargetGroup

    original_target_group = FakeTargetGroup.create_from_cloudformation_json.__func__

    def create_target_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        group = original_target_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        version = (cloudformation_json.get("Properties") or {}).get("ProtocolVersion")
        if version and group.protocol in ("HTTP", "HTTPS"):
            group.protocol_version = version
        # Patch 15: moto drops `Targets` (a StatefulSet's ordinals are registered that way).
        targets = (cloudformation_json.get("Properties") or {}).get("Targets") or []
        if targets:
            group.register([{"Id": t["Id"], "Port": int(t.get("Port") or group.port)} for t in targets])
        return group

    FakeTargetGroup.create_from_cloudformation_json = classmethod(create_target_group)

    patched_load_balancer = FakeLoadBalancer.create_from_cloudformation_json.__func__

    def create_load_balancer(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        balancer = patched_load_balancer(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        address_type = (cloudformation_json.get("Properties") or {}).get("IpAddressType")
        if address_type:
            balancer.ip_address_type = address_type
        return balancer

    FakeLoadBalancer.create_from_cloudformation_json = classmethod(create_load_balancer)

    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup

    original_security_group = SecurityGroup.create_from_cloudformation_json.__func__

    def create_security_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties") or {}
        # CloudFormation drops a list item that is `Fn::If` resolving to AWS::NoValue (a rule
        # a parameter adds only when given); moto leaves None in the list.
        rules = [rule for rule in properties.get("SecurityGroupIngress") or [] if rule is not None]
        ipv6 = [rule for rule in rules if "CidrIpv6" in rule]
        if "SecurityGroupIngress" in properties:
            cloudformation_json = {**cloudformation_json, "Properties": {**properties, "SecurityGroupIngress": [r for r in rules if "CidrIpv6" not in r]}}
        group = original_security_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        for rule in ipv6:
            ec2_backends[account_id][region_name].authorize_security_group_ingress(
                group_name_or_id=group.id,
                ip_protocol=rule["IpProtocol"],
                from_port=rule["FromPort"],
                to_port=rule["ToPort"],
                ip_ranges=[{"CidrIpv6": rule["CidrIpv6"], **({"Description": rule["Description"]} if "Description" in rule else {})}],
                source_groups=[],
                vpc_id=properties.get("VpcId"),
            )
        if "SecurityGroupEgress" in properties:
            keep_egress(group, properties, account_id, region_name)
        return group

    def keep_egress(group, properties, account_id, region_name):
        """Patch 12: inline egress replaces the default allow-all, as in CloudFormation."""
        backend = ec2_backends[account_id][region_name]
        group.egress_rules.clear()
        for rule in properties.get("SecurityGroupEgress") or []:
            if rule is None:
                continue
            description = {"Description": rule["Description"]} if "Description" in rule else {}
            ranges = [{key: rule[key], **description} for key in ("CidrIp", "CidrIpv6") if key in rule]
            destination = rule.get("DestinationSecurityGroupId")
            backend.authorize_security_group_egress(
                group_name_or_id=group.id,
                ip_protocol=str(rule["IpProtocol"]),
                from_port=rule.get("FromPort"),
                to_port=rule.get("ToPort"),
                ip_ranges=ranges,
                source_groups=[{"GroupId": destination}] if destination else [],
                vpc_id=properties.get("VpcId"),
            )

    SecurityGroup.create_from_cloudformation_json = classmethod(create_security_group)

    class FakeListenerCertificate(CloudFormationModel):
        # moto files every model under the service its module names.
        __module__ = "moto.elbv2.models"

        def __init__(self, listener_arn, certificate_arns):
            self.listener_arn = listener_arn
            self.certificate_arns = certificate_arns

        @property
        def physical_resource_id(self):
            return f"{self.listener_arn}|{','.join(self.certificate_arns)}"

        @staticmethod
        def cloudformation_name_type():
            return ""

        @staticmethod
        def cloudformation_type():
            return "AWS::ElasticLoadBalancingV2::ListenerCertificate"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            properties = cloudformation_json["Properties"]
            certificates = [{"CertificateArn": c["CertificateArn"]} for c in properties.get("Certificates") or []]
            elbv2_backends[account_id][region_name].add_listener_certificates(properties["ListenerArn"], certificates)
            return cls(properties["ListenerArn"], [c["CertificateArn"] for c in certificates])

    return FakeListenerCertificate


patch_ingress_gaps()


def register_scaling_policy_model():
    """Patch 11: AWS::AutoScaling::ScalingPolicy through CloudFormation."""
    from moto.autoscaling.models import FakeScalingPolicy, autoscaling_backends
    from moto.core.common_models import CloudFormationModel

    class ScalingPolicyModel(CloudFormationModel):
        # moto's model registry files each model under the service its module names.
        __module__ = "moto.autoscaling.models"

        @staticmethod
        def cloudformation_name_type():
            return "PolicyName"

        @staticmethod
        def cloudformation_type():
            return "AWS::AutoScaling::ScalingPolicy"

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr in ("Arn", "PolicyName")

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            properties = cloudformation_json.get("Properties") or {}
            backend = autoscaling_backends[account_id][region_name]
            return backend.put_scaling_policy(
                name=properties.get("PolicyName") or resource_name,
                policy_type=properties.get("PolicyType", "SimpleScaling"),
                metric_aggregation_type=properties.get("MetricAggregationType"),
                adjustment_type=properties.get("AdjustmentType"),
                as_name=properties.get("AutoScalingGroupName"),
                min_adjustment_magnitude=properties.get("MinAdjustmentMagnitude"),
                scaling_adjustment=properties.get("ScalingAdjustment"),
                cooldown=properties.get("Cooldown"),
                target_tracking_config=properties.get("TargetTrackingConfiguration") or {},
                step_adjustments=properties.get("StepAdjustments") or [],
                estimated_instance_warmup=properties.get("EstimatedInstanceWarmup"),
                predictive_scaling_configuration=properties.get("PredictiveScalingConfiguration") or {},
            )

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            cls.delete_from_cloudformation_json(original_resource.name, cloudformation_json, account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            autoscaling_backends[account_id][region_name].delete_policy(resource_name)

    # What CloudFormation needs of the object moto's backend returns.
    FakeScalingPolicy.physical_resource_id = property(lambda self: self.arn)
    FakeScalingPolicy.get_cfn_attribute = lambda self, attribute: self.arn if attribute == "Arn" else self.name
    FakeScalingPolicy.delete = lambda self, account_id, region_name: self.autoscaling_backend.delete_policy(self.name)
    return ScalingPolicyModel


register_scaling_policy_model()


def patch_instance_launch_template():
    """Patch 13: AWS::EC2::Instance from a launch template, with its own network interfaces."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.instances import Instance

    original = Instance.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties") or {}
        launch = properties.get("LaunchTemplate")
        if not launch or "ImageId" in properties:
            return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = ec2_backends[account_id][region_name]
        reference = {"LaunchTemplateId": launch["LaunchTemplateId"], "Version": str(launch.get("Version", "1"))}
        data = backend._get_template_from_args(reference).data
        nics = [
            {
                "DeviceIndex": int(nic.get("DeviceIndex", 0)),
                "SubnetId": nic.get("SubnetId"),
                "Groups": list(nic.get("GroupSet") or []),
                "AssociatePublicIpAddress": nic.get("AssociatePublicIpAddress") in (True, "true"),
                "DeleteOnTermination": nic.get("DeleteOnTermination") in (True, "true"),
            }
            for nic in properties.get("NetworkInterfaces") or []
        ]
        reservation = backend.run_instances(
            image_id=data["ImageId"],
            count=1,
            user_data=None,
            security_group_names=[],
            instance_type=data.get("InstanceType", "m1.small"),
            is_instance_type_default=False,
            nics=nics,
            launch_template=reference,
            metadata_options=data.get("MetadataOptions") or {},
            block_device_mappings={},
        )
        instance = reservation.instances[0]
        for tag in properties.get("Tags") or []:
            instance.add_tag(tag["Key"], tag["Value"])
        profile = (data.get("IamInstanceProfile") or {}).get("Arn")
        if profile:
            backend.associate_iam_instance_profile(instance_id=instance.id, iam_instance_profile_arn=profile)
        return instance

    Instance.create_from_cloudformation_json = classmethod(create)


patch_instance_launch_template()


def patch_volume_properties():
    """Patch 14: an AWS::EC2::Volume keeps its encryption, type and tags."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_block_store import Volume

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties") or {}
        backend = ec2_backends[account_id][region_name]
        volume = backend.create_volume(
            size=int(properties["Size"]) if properties.get("Size") is not None else None,
            zone_name=properties.get("AvailabilityZone"),
            snapshot_id=properties.get("SnapshotId"),
            encrypted=properties.get("Encrypted") in (True, "true"),
            kms_key_id=properties.get("KmsKeyId"),
            volume_type=properties.get("VolumeType"),
            iops=properties.get("Iops"),
            throughput=properties.get("Throughput"),
        )
        for tag in properties.get("Tags") or []:
            volume.add_tag(tag["Key"], tag["Value"])
        return volume

    Volume.create_from_cloudformation_json = classmethod(create)


patch_volume_properties()

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
