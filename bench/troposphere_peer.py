#!/usr/bin/env python3
"""The peer i2kit is timed against in bench/compare.sh: a small troposphere program that
reads the same YAML manifest and prints the same CloudFormation template i2kit compile
prints for it (compare.sh checks that the two are equal as JSON before timing them).

It covers what the benchmark's manifests use: `name`, `replicas`, `public`, `instanceType`,
`healthCheck.path` and containers' `ports` (80 or "80:8080", HTTP only). Per deployment:
parameters (VPC, subnets, hosted zone, AMI, instance type), a launch template with IMDSv2,
an Auto Scaling group with a rolling update policy, and for deployments with ports an
application load balancer, one listener and target group per port, the load balancer's and
the VMs' security groups and a Route 53 alias record.

It does less than i2kit compile: no LinuxKit files, no diagnostics, no schema check.

Usage: troposphere_peer.py MANIFEST.yaml > template.json
"""

import sys

import yaml
from troposphere import Equals, GetAtt, If, Join, Not, NoValue, Output, Parameter, Ref, Template
from troposphere import autoscaling, ec2, route53
from troposphere import elasticloadbalancingv2 as elbv2
from troposphere.policies import AutoScalingRollingUpdate, UpdatePolicy

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as Loader

DNS_NAME_PATTERN = "^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\\.)*[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$"
CIDR_PATTERN = "^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$"
BUCKET_PATTERN = "^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
LOGS = "LogLoadBalancerAccess"


CLUSTER_ZONE_CONDITION = "CreateClusterDnsZone"


def skip(*checks):
    """Resource metadata that tells checkov why a finding does not apply."""
    return {"checkov": {"skip": [{"id": check, "comment": comment} for check, comment in checks]}}


def logical_id(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def port_pairs(manifest):
    """(load balancer port, VM port) for every container port, in manifest order."""
    pairs = []
    for container in manifest["containers"].values():
        for port in container.get("ports", []):
            if isinstance(port, int):
                pairs.append((port, port))
            else:
                outside, _, inside = str(port).partition(":")
                pairs.append((int(outside), int(inside or outside)))
    return pairs


def add_deployment(template, manifest):
    name = manifest["name"]
    ident = logical_id(name)
    replicas = int(manifest.get("replicas", 1))
    public = bool(manifest.get("public", False))
    pairs = port_pairs(manifest)
    health_path = manifest.get("healthCheck", {}).get("path")
    # A named path must answer 2xx/3xx; the default `/` passes with any answer up to 4xx.
    success_codes = "200-399" if health_path else "200-499"

    template.add_parameter(Parameter(
        f"{ident}ImageId",
        Type="AWS::EC2::Image::Id",
        Description=f"The AMI built from {name}.linuxkit.yml (linuxkit build --format aws, then linuxkit push aws).",
    ))
    template.add_parameter(Parameter(
        f"{ident}InstanceType",
        Type="String",
        Default=manifest.get("instanceType", "t3.micro"),
        Description=f"The EC2 instance type of {name}'s VMs.",
    ))

    instance_sg = ec2.SecurityGroup(
        f"{ident}InstanceSecurityGroup",
        GroupDescription=f"i2kit {name} VMs",
        VpcId=Ref("VpcId"),
    )
    template.add_resource(instance_sg)
    target_groups = []
    if pairs:
        lb_sg_id = f"{ident}LoadBalancerSecurityGroup"
        instance_sg.SecurityGroupIngress = [
            ec2.SecurityGroupRule(
                Description=f"traffic from the load balancer to port {inside}",
                FromPort=inside,
                IpProtocol="tcp",
                SourceSecurityGroupId=Ref(lb_sg_id),
                ToPort=inside,
            )
            for _, inside in pairs
        ]
        client_cidr = "0.0.0.0/0" if public else Ref("InternalClientCidr")
        lb_sg_extra = {}
        if public:
            lb_sg_extra["Metadata"] = skip(("CKV_AWS_260", f"{name} is a public service: the manifest exposes port "
                                            + ", ".join(str(outside) for outside, _ in pairs) + " to the internet"))
        template.add_resource(ec2.SecurityGroup(
            lb_sg_id,
            **lb_sg_extra,
            GroupDescription=f"i2kit {name} load balancer",
            SecurityGroupIngress=[
                ec2.SecurityGroupRule(
                    CidrIp=client_cidr,
                    Description=f"HTTP clients on port {outside}",
                    FromPort=outside,
                    IpProtocol="tcp",
                    ToPort=outside,
                )
                for outside, _ in pairs
            ],
            VpcId=Ref("VpcId"),
        ))
        load_balancer = template.add_resource(elbv2.LoadBalancer(
            f"{ident}LoadBalancer",
            LoadBalancerAttributes=[
                elbv2.LoadBalancerAttributes(Key="routing.http.drop_invalid_header_fields.enabled", Value="true"),
                elbv2.LoadBalancerAttributes(Key="access_logs.s3.enabled", Value=If(LOGS, "true", "false")),
                If(LOGS, elbv2.LoadBalancerAttributes(Key="access_logs.s3.bucket", Value=Ref("LoadBalancerLogsBucket")),
                   NoValue),
                If(LOGS, elbv2.LoadBalancerAttributes(Key="access_logs.s3.prefix", Value=name), NoValue),
            ],
            Scheme="internet-facing" if public else "internal",
            SecurityGroups=[Ref(lb_sg_id)],
            Subnets=Ref("Subnets"),
            Type="application",
            Metadata=skip(("CKV_AWS_91", "access logs are written when the LoadBalancerLogsBucket parameter "
                                         "names a bucket; the scanner cannot evaluate Fn::If")),
        ))
        for outside, inside in pairs:
            target_group = template.add_resource(elbv2.TargetGroup(
                f"{ident}TargetGroup{outside}",
                HealthCheckEnabled=True,
                HealthCheckIntervalSeconds=10,
                HealthCheckPort=str(inside),
                HealthCheckProtocol="HTTP",
                HealthCheckTimeoutSeconds=5,
                HealthyThresholdCount=2,
                Port=inside,
                Protocol="HTTP",
                TargetType="instance",
                UnhealthyThresholdCount=3,
                VpcId=Ref("VpcId"),
                HealthCheckPath=health_path or "/",
                Matcher=elbv2.Matcher(HttpCode=success_codes),
            ))
            target_groups.append(target_group)
            template.add_resource(elbv2.Listener(
                f"{ident}Listener{outside}",
                DefaultActions=[elbv2.Action(TargetGroupArn=Ref(target_group), Type="forward")],
                LoadBalancerArn=Ref(load_balancer),
                Port=outside,
                Protocol="HTTP",
                Metadata=skip(*[(check, f"the manifest asks for plain HTTP on port {outside}; add an HTTPS port to serve TLS")
                                for check in ("CKV_AWS_2", "CKV_AWS_103")]),
            ))
        host = Join("", [f"{name}.", Ref("HostedZoneName"), "."])
        # Both names alias the same load balancer (i2kit's load_balancing.rs alias_target).
        alias = route53.AliasTarget(
            DNSName=GetAtt(load_balancer, "DNSName"),
            EvaluateTargetHealth=True,
            HostedZoneId=GetAtt(load_balancer, "CanonicalHostedZoneID"),
        )
        template.add_resource(route53.RecordSetType(
            f"{ident}DnsRecord",
            AliasTarget=alias,
            HostedZoneName=Join("", [Ref("HostedZoneName"), "."]),
            Name=host,
            Type="A",
        ))
        # The Kubernetes name inside the VPC, in the cluster zone (i2kit's cluster_dns.rs).
        template.add_resource(route53.RecordSetType(
            f"{ident}ClusterDnsRecord",
            AliasTarget=alias,
            HostedZoneId=If(CLUSTER_ZONE_CONDITION, Ref("ClusterDnsZone"), Ref("ClusterDnsZoneId")),
            Name=f"{name}.default.svc.cluster.local.",
            Type="A",
        ))
        template.add_output(Output(
            f"{ident}Endpoint", Description=f"The DNS name clients use to reach {name}.", Value=host,
        ))
        template.add_output(Output(
            f"{ident}LoadBalancerDnsName",
            Description=f"{name}'s load balancer.",
            Value=GetAtt(load_balancer, "DNSName"),
        ))

    launch_template = template.add_resource(ec2.LaunchTemplate(
        f"{ident}LaunchTemplate",
        LaunchTemplateData=ec2.LaunchTemplateData(
            BlockDeviceMappings=[
                ec2.LaunchTemplateBlockDeviceMapping(
                    DeviceName="/dev/sda1", Ebs=ec2.EBSBlockDevice(DeleteOnTermination=True, Encrypted=True),
                ),
            ],
            ImageId=Ref(f"{ident}ImageId"),
            InstanceType=Ref(f"{ident}InstanceType"),
            MetadataOptions=ec2.MetadataOptions(HttpEndpoint="enabled", HttpPutResponseHopLimit=1, HttpTokens="required"),
            NetworkInterfaces=[
                ec2.NetworkInterfaces(
                    AssociatePublicIpAddress=False,
                    DeleteOnTermination=True,
                    DeviceIndex=0,
                    Groups=[Ref(instance_sg)],
                ),
            ],
            TagSpecifications=[
                ec2.TagSpecifications(
                    ResourceType="instance",
                    Tags=[{"Key": "Name", "Value": name}, {"Key": "i2kit:deployment", "Value": name}],
                ),
            ],
        ),
    ))
    group = autoscaling.AutoScalingGroup(
        f"{ident}AutoScalingGroup",
        LaunchTemplate=autoscaling.LaunchTemplateSpecification(
            LaunchTemplateId=Ref(launch_template),
            Version=GetAtt(launch_template, "LatestVersionNumber"),
        ),
        MinSize=str(replicas),
        MaxSize=str(replicas + 1),
        DesiredCapacity=str(replicas),
        VPCZoneIdentifier=Ref("Subnets"),
        Tags=[autoscaling.Tag("i2kit:deployment", name, False)],
        UpdatePolicy=UpdatePolicy(AutoScalingRollingUpdate=AutoScalingRollingUpdate(
            MaxBatchSize=1, MinInstancesInService=replicas, PauseTime="PT60S",
        )),
    )
    if target_groups:
        group.TargetGroupARNs = [Ref(target_group) for target_group in target_groups]
        group.HealthCheckType = "ELB"
        group.HealthCheckGracePeriod = 60
    template.add_resource(group)
    template.add_output(Output(
        f"{ident}AutoScalingGroupName",
        Description=f"The Auto Scaling group running {name}'s VMs.",
        Value=Ref(group),
    ))


def build(manifests):
    template = Template(Description="i2kit: " + ", ".join(m["name"] for m in manifests))
    template.set_version("2010-09-09")
    template.add_parameter(Parameter(
        "VpcId", Type="AWS::EC2::VPC::Id", Description="The VPC the VMs and load balancers run in.",
    ))
    template.add_parameter(Parameter(
        "Subnets",
        Type="List<AWS::EC2::Subnet::Id>",
        Description="Subnets of the VPC, in at least two Availability Zones (an application load balancer needs two).",
    ))
    balanced = [m for m in manifests if port_pairs(m)]
    if balanced:
        template.add_parameter(Parameter(
            "HostedZoneName",
            Type="String",
            Description="The Route 53 hosted zone the deployments are named in, without the final dot, e.g. example.com.",
            AllowedPattern=DNS_NAME_PATTERN,
            ConstraintDescription="a domain name without a trailing dot",
        ))
        template.add_parameter(Parameter(
            "LoadBalancerLogsBucket",
            Type="String",
            Default="",
            Description="An S3 bucket for the load balancers' access logs (its policy must let Elastic Load "
                        "Balancing write); empty turns access logging off.",
            AllowedPattern=BUCKET_PATTERN,
            ConstraintDescription="an S3 bucket name, or empty",
        ))
        template.add_condition(LOGS, Not(Equals(Ref("LoadBalancerLogsBucket"), "")))
        template.add_parameter(Parameter(
            "ClusterDnsZoneId",
            Type="String",
            Default="",
            Description="An existing private hosted zone for cluster.local in the VPC; empty creates one.",
        ))
        template.add_condition(CLUSTER_ZONE_CONDITION, Equals(Ref("ClusterDnsZoneId"), ""))
        template.add_resource(route53.HostedZone(
            "ClusterDnsZone",
            Condition=CLUSTER_ZONE_CONDITION,
            HostedZoneConfig=route53.HostedZoneConfiguration(
                Comment="Kubernetes service names for i2kit VMs: <service>.<namespace>.svc.cluster.local",
            ),
            Name="cluster.local",
            VPCs=[route53.HostedZoneVPCs(VPCId=Ref("VpcId"), VPCRegion=Ref("AWS::Region"))],
        ))
        template.add_output(Output(
            "ClusterDnsZoneId",
            Value=If(CLUSTER_ZONE_CONDITION, Ref("ClusterDnsZone"), Ref("ClusterDnsZoneId")),
        ))
    if any(not m.get("public", False) for m in balanced):
        template.add_parameter(Parameter(
            "InternalClientCidr",
            Type="String",
            Default="0.0.0.0/0",
            Description="Who may reach internal load balancers. They are unreachable from the internet already; narrow this to your VPC's CIDR for defence in depth.",
            AllowedPattern=CIDR_PATTERN,
            ConstraintDescription="an IPv4 CIDR block such as 10.0.0.0/16",
        ))
    for manifest in manifests:
        add_deployment(template, manifest)
    return template


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        manifests = [doc for doc in yaml.load_all(handle, Loader=Loader) if doc is not None]
    sys.stdout.write(build(manifests).to_json(indent=2, sort_keys=False))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
