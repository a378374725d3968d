#!/usr/bin/env python3
"""Check a deployed i2kit stack against the manifest it was compiled from.

    assert_stack.py --endpoint URL --manifest FILE.yaml|DIR --stack NAME --zone example.com \
                    --certificate-arn ARN [--cluster-dns-zone-id ID] [--expect-status STATUS]
                    [--internal-client-cidr CIDR] [--internal-client-security-group SG]

Expectations come from the manifest (i2kit documents and Kubernetes Deployments/Services/Lists),
re-derived by manifest_model.py from i2kit's documented rules (README, the services design), not
read from the template. The application is services (load balancers) and deployments (ASGs),
many-to-many, so the checks come in two kinds:
  per SERVICE: its load balancer (kind, scheme, listeners, target groups, health checks, classic
  TLS policy), its security group (anyone when internet-facing; when internal, the one group
  every VM of the application carries and only what the deploy passed besides: client_sources),
  its public record <svc>.<zone>. and its cluster DNS record
  <svc>.<ns>.svc.cluster.local. in the private cluster.local zone, and that exactly its backend
  Deployments' ASGs register with it;
  per DEPLOYMENT: replicas, subnets, launch template, Recreate's update policy, health check type
  and grace period, registration with every target group of every service in front of it, and
  instance ingress only from those services' load balancer groups.
What is deployed comes from describe calls against the endpoint (moto); an UpdatePolicy shows
nowhere but in GetTemplate, so Recreate's is read there. Prints one line per check
(`ok`, `FAIL`, `skip` with the reason) and a closing `assert_stack totals passed=N failed=M
skipped=K`; exits 1 when any check failed.
"""

import argparse
import json
import re
import sys

import boto3
import botocore.exceptions

import check_ingress
import check_scaling
import check_secrets
import check_stateful
import client_sources
import manifest_model

UNRESOLVED = re.compile(r"Fn::|\{'Ref'|\"Ref\"|\{\"|\{'|\$\{|^None$|^$|AWS::")


class Checks:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.prefix = ""

    def check(self, condition, what, detail=""):
        if condition:
            self.passed += 1
            print(f"  ok    {self.prefix}{what}")
        else:
            self.failed += 1
            print(f"  FAIL  {self.prefix}{what}{': ' + detail if detail else ''}")
        return bool(condition)

    def equal(self, actual, expected, what):
        return self.check(actual == expected, what, f"expected {expected!r}, got {actual!r}")

    def skip(self, what, reason):
        self.skipped += 1
        print(f"  skip  {self.prefix}{what} ({reason})")


def not_implemented(error):
    """moto's answer for an API or field it lacks: NotImplemented codes or HTTP 500/501."""
    if isinstance(error, NotImplementedError):
        return True
    if isinstance(error, botocore.exceptions.ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = error.response.get("Error", {}).get("Message", "")
        return code in ("NotImplemented", "InvalidAction", "NotImplementedError") or status in (500, 501) or "not been implemented" in message
    return False


def guarded(checks, what, function, *args):
    """Run one group of checks; a call moto lacks skips that group only, anything else fails it."""
    try:
        return function(checks, *args)
    except Exception as error:  # noqa: BLE001 - reported as a failed or skipped check
        if not_implemented(error):
            checks.skip(what, f"moto does not implement it: {error}")
        else:
            checks.check(False, what, f"{type(error).__name__}: {error}")
        return None


# ---------------------------------------------------------------- the deployed stack


class Stack:
    def __init__(self, endpoint, name):
        session = boto3.session.Session()
        self.client = lambda service: session.client(service, endpoint_url=endpoint)
        self.cfn = self.client("cloudformation")
        self.asg = self.client("autoscaling")
        self.ec2 = self.client("ec2")
        self.elbv2 = self.client("elbv2")
        self.elb = self.client("elb")
        self.route53 = self.client("route53")
        self.name = name
        self.description = self.cfn.describe_stacks(StackName=name)["Stacks"][0]
        self.parameters = {p["ParameterKey"]: p["ParameterValue"] for p in self.description.get("Parameters", [])}
        resources = self.cfn.describe_stack_resources(StackName=name)["StackResources"]
        self.resources = {r["LogicalResourceId"]: r for r in resources}

    def physical_id(self, logical):
        resource = self.resources.get(logical)
        return resource["PhysicalResourceId"] if resource else None

    def logical_id_of(self, physical):
        return next((k for k, r in self.resources.items() if r["PhysicalResourceId"] == physical), None)

    def physical_ids(self, resource_type):
        return {r["PhysicalResourceId"] for r in self.resources.values() if r["ResourceType"] == resource_type}

    def auto_scaling_groups(self):
        names = sorted(self.physical_ids("AWS::AutoScaling::AutoScalingGroup"))
        groups = []
        for start in range(0, len(names), 50):
            groups += self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=names[start : start + 50])["AutoScalingGroups"]
        return groups

    def group_for(self, groups, deployment):
        """The stack's ASG tagged with the deployment's name, else the one named by convention."""
        for group in groups:
            tags = {tag["Key"]: tag["Value"] for tag in group.get("Tags", [])}
            if tags.get("i2kit:deployment") == deployment["name"]:
                return group
        resource = self.resources.get(deployment["id"] + "AutoScalingGroup")
        if resource:
            for group in groups:
                if group["AutoScalingGroupName"] == resource["PhysicalResourceId"]:
                    return group
        return None


def normalise_dns(name):
    name = (name or "").lower().rstrip(".")
    return name[len("dualstack.") :] if name.startswith("dualstack.") else name


def check_stack(checks, stack, deployments, expect_status):
    checks.prefix = f"{stack.name}: "
    status = stack.description["StackStatus"]
    wanted = [expect_status] if expect_status else ["CREATE_COMPLETE", "UPDATE_COMPLETE"]
    checks.check(status in wanted, f"stack status is {' or '.join(wanted)}", status)
    groups = stack.auto_scaling_groups()
    # StatefulSets and Deployments that mount a PersistentVolumeClaim run as instances (check_stateful).
    checks.equal(len(groups), len([d for d in deployments if not d.get("stateful")]), "one Auto Scaling group per manifest document")
    outputs = stack.description.get("Outputs") or []
    if not outputs:
        checks.check(False, "stack has Outputs", "DescribeStacks returned none")
    for output in outputs:
        value = output.get("OutputValue")
        checks.check(
            isinstance(value, str) and not UNRESOLVED.search(value),
            f"output {output['OutputKey']} is resolved",
            repr(value),
        )
    return groups, {o["OutputKey"]: o.get("OutputValue") for o in outputs}


def check_launch_template(checks, stack, group, expected):
    template = group.get("LaunchTemplate")
    if not checks.check(template, "ASG uses a launch template", f"got {sorted(k for k in group if 'Launch' in k)}"):
        return None
    stack_templates = stack.physical_ids("AWS::EC2::LaunchTemplate")
    checks.check(template["LaunchTemplateId"] in stack_templates, "ASG's launch template belongs to the stack", template["LaunchTemplateId"])
    described = stack.ec2.describe_launch_templates(LaunchTemplateIds=[template["LaunchTemplateId"]])["LaunchTemplates"][0]
    version = str(template.get("Version"))
    checks.equal(version, str(described["LatestVersionNumber"]), "ASG runs the launch template's latest version")
    versions = stack.ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"], Versions=[version])
    data = versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    checks.equal((data.get("MetadataOptions") or {}).get("HttpTokens"), "required", "launch template requires IMDSv2 (HttpTokens)")
    image_parameter = expected["id"] + "ImageId"
    if image_parameter in stack.parameters:
        checks.equal(data.get("ImageId"), stack.parameters[image_parameter], f"launch template boots the {image_parameter} AMI")
    else:
        checks.skip("launch template AMI", f"no parameter {image_parameter}")
    groups = []
    for interface in data.get("NetworkInterfaces") or []:
        groups += interface.get("Groups") or []
    groups += data.get("SecurityGroupIds") or []
    checks.check(groups, "launch template attaches a security group")
    return groups



# ---------------------------------------------------------------- per deployment


def check_update_policy(checks, stack, deployment, group):
    """Recreate (design fix): all old VMs go before new ones come, so no surge (MaxSize ==
    replicas) and a one-batch rolling update with MinInstancesInService 0. AWS shows an
    UpdatePolicy nowhere but in the stack's template, so that part reads GetTemplate."""
    wanted = manifest_model.rolling_update(deployment)
    if wanted is None:
        return
    min_in_service, batch, max_size = wanted
    checks.equal(group.get("MaxSize"), max_size, "Recreate: ASG MaxSize == replicas (no surge)")
    body = stack.cfn.get_template(StackName=stack.name)["TemplateBody"]
    template = body if isinstance(body, dict) else json.loads(body)
    resource = stack.logical_id_of(group["AutoScalingGroupName"])
    policy = ((template.get("Resources") or {}).get(resource) or {}).get("UpdatePolicy") or {}
    checks.check("AutoScalingReplacingUpdate" not in policy, "Recreate: no replacing update (it would run both groups)", str(policy))
    rolling = policy.get("AutoScalingRollingUpdate") or {}
    checks.equal(
        (int(rolling.get("MinInstancesInService", 0)), int(rolling.get("MaxBatchSize", 1))),
        (min_in_service, batch),
        "Recreate: rolling update MinInstancesInService 0, MaxBatchSize = replicas",
    )


def expects_elb_health(front):
    """ELB health checks replace VMs when a service fronts them and none of the checks in front
    is a guess (a TCP check on a UDP port would fail on healthy VMs and replace them forever)."""
    return bool(front) and not any(s["guessed_check"] for s in front)


def check_instance_security_groups(checks, stack, deployment, instance_groups, front, balancer_groups, routed=None):
    """A deployment's VMs accept traffic only from the load balancer groups of the services in
    front of it (and of the Ingress load balancers routing to it: `routed`, group -> ports),
    only on their target and health check ports."""
    if not instance_groups:
        return
    allowed_sources = {g for s in front for g in balancer_groups.get(s["name"], [])} | set(routed or {})
    expected_ports = {port for ports in (routed or {}).values() for port in ports}
    for service in front:
        for listener in service["listeners"]:
            ip_protocol = "udp" if listener["target_protocol"] == "UDP" else "tcp"
            # A port the NetworkPolicies let no caller use does not admit the load balancer's traffic.
            allowed = (service.get("policed") or {}).get(listener["port"])
            if allowed is None or allowed["deployments"] or allowed["application"] or allowed["blocks"]:
                expected_ports.add((ip_protocol, listener["target_port"]))
            # Health checks are TCP or HTTP(S): a UDP target or a separate health port needs TCP too.
            expected_ports.add(("tcp", listener["health"]["port"]))
    described = stack.ec2.describe_security_groups(GroupIds=instance_groups)["SecurityGroups"]
    opened = set()
    for group in described:
        for rule in group.get("IpPermissions", []):
            label = f"{group['GroupId']} {rule.get('IpProtocol')} {rule.get('FromPort')}-{rule.get('ToPort')}"
            checks.check(
                not rule.get("IpRanges") and not rule.get("Ipv6Ranges") and not rule.get("PrefixListIds"),
                f"instance ingress {label} has no CIDR or prefix-list source",
                str({k: rule.get(k) for k in ("IpRanges", "Ipv6Ranges", "PrefixListIds")}),
            )
            sources = {pair.get("GroupId") for pair in rule.get("UserIdGroupPairs", [])}
            checks.check(
                sources and allowed_sources and sources <= allowed_sources,
                f"instance ingress {label} comes only from the security groups of its services' load balancers",
                f"sources {sorted(sources)}, load balancer groups {sorted(allowed_sources)}",
            )
            if rule.get("FromPort") is not None and rule.get("IpProtocol") != "-1":
                for port in range(rule["FromPort"], min(rule["ToPort"], rule["FromPort"] + 70000) + 1):
                    opened.add((rule.get("IpProtocol"), port))
            else:
                opened.add((rule.get("IpProtocol"), "all"))
    checks.equal(sorted(opened, key=str), sorted(expected_ports, key=str), "instance ingress is exactly its services' target and health ports")


def check_deployment(checks, stack, deployment, group, front, found, routed):
    checks.equal(group.get("DesiredCapacity"), deployment["replicas"], "ASG DesiredCapacity == replicas")
    checks.check(
        group.get("MinSize", 0) <= deployment["replicas"] <= group.get("MaxSize", 0),
        "ASG MinSize <= replicas <= MaxSize",
        f"min {group.get('MinSize')}, max {group.get('MaxSize')}",
    )
    subnets = {s for s in (group.get("VPCZoneIdentifier") or "").split(",") if s}
    wanted_subnets = {s.strip(" '[]") for s in re.split(r"[,\s]+", stack.parameters.get("Subnets", "")) if s.strip(" '[]")}
    checks.equal(subnets, wanted_subnets, "ASG spans the Subnets parameter")
    guarded(checks, "update policy", check_update_policy, stack, deployment, group)
    instance_groups = guarded(checks, "launch template", check_launch_template, stack, group, deployment)
    if not front:
        checks.check(not group.get("TargetGroupARNs") and not group.get("LoadBalancerNames"), "no service in front: no load balancer attached")
        if instance_groups:
            described = stack.ec2.describe_security_groups(GroupIds=instance_groups)["SecurityGroups"]
            rules = [rule for g in described for rule in g.get("IpPermissions", [])]
            checks.equal(rules, [], "no service in front: instance security group has no ingress")
        return
    names = ", ".join(s["name"] for s in front)
    if expects_elb_health(front):
        checks.equal(group.get("HealthCheckType"), "ELB", "ASG replaces VMs the load balancer finds unhealthy")
        checks.equal(group.get("HealthCheckGracePeriod"), deployment["grace"], "ASG grace period = 60 s + longest probe initialDelaySeconds")
    else:
        checks.check(group.get("HealthCheckType", "EC2") == "EC2", "a guessed health check in front: ASG keeps EC2 health checks", repr(group.get("HealthCheckType")))
    # Registered behind every service in front of it, and nothing else (services found below).
    wanted_target_groups = {arn for s in front for arn in (found.get(s["name"]) or {}).get("target_groups", [])}
    wanted_target_groups |= routed["target_groups"].get(deployment["name"], set())
    wanted_classic = {(found.get(s["name"]) or {}).get("classic") for s in front} - {None}
    if all(s["name"] in found for s in front):
        checks.equal(sorted(group.get("TargetGroupARNs") or []), sorted(wanted_target_groups), f"ASG registers with every target group of {names}")
        checks.equal(sorted(group.get("LoadBalancerNames") or []), sorted(wanted_classic), f"ASG registers with every classic load balancer of {names}")
    else:
        checks.check(False, f"ASG registration with {names}", "a service's load balancer was not found")
    balancer_groups = {name: f["security_groups"] for name, f in found.items()}
    guarded(checks, "instance security group", check_instance_security_groups, stack, deployment, instance_groups, front, balancer_groups,
            routed["sources"].get(deployment["name"]))


# ---------------------------------------------------------------- per service


def tag_value(asg, key):
    return next((t["Value"] for t in asg.get("Tags", []) if t["Key"] == key), None)


def check_policed_listener(checks, rules, ip_protocol, port, allowed, carried, application):
    """A listener port whose backends a NetworkPolicy isolates admits exactly what the policies
    name: each group it admits is carried only by Deployments they admit (the application's
    group only when they admit every pod), each such Deployment carries one, and its ranges are
    exactly the ipBlocks less their excepts."""
    cidrs, ipv6, admitted = client_sources.sources_on(rules, ip_protocol, port)
    names = sorted(allowed["deployments"])
    for group in sorted(admitted):
        carriers = {d for d, held in carried.items() if group in held}
        fine = (allowed["application"] and group in application) or (carriers and carriers <= allowed["deployments"])
        checks.check(fine, f"port {port} admits group {group} only as the policies allow", f"carried by {sorted(carriers)}; the policies admit {names}; rules {rules}")
    for name in names:
        checks.check(carried.get(name, set()) & admitted, f"port {port} admits {name}, as the policies do", f"{name} carries {sorted(carried.get(name, set()))}")
    wanted = {str(b) for b in allowed["blocks"] if b.version == 4}, {str(b) for b in allowed["blocks"] if b.version == 6}
    checks.equal((cidrs, ipv6), wanted, f"port {port} admits exactly the policies' address blocks (ipBlock less except)")


def check_load_balancer_security_groups(checks, stack, groups, service, callers, carried=None):
    if not groups:
        checks.check(False, "load balancer has a security group", "none")
        return
    described = stack.ec2.describe_security_groups(GroupIds=list(groups))["SecurityGroups"]
    rules = [rule for group in described for rule in group.get("IpPermissions", [])]
    # Public load balancers admit anyone; internal ones the application's VMs by their common
    # group, and a range or another group only when the deploy passed one (client_sources).
    for listener in service["listeners"]:
        ip_protocol = "udp" if listener["protocol"] == "UDP" else "tcp"
        matching = [
            rule for rule in rules
            if rule.get("IpProtocol") in (ip_protocol, "-1") and (rule.get("FromPort") is None or rule["FromPort"] <= listener["port"] <= rule["ToPort"])
        ]
        policed = service.get("policed") or {}
        if listener["port"] in policed:
            if policed[listener["port"]] is not None:
                check_policed_listener(checks, rules, ip_protocol, listener["port"], policed[listener["port"]], carried or {}, callers.application)
            continue
        if not checks.check(matching, f"load balancer security group opens {ip_protocol} {listener['port']}"):
            continue
        if service["source_ranges"]:
            client_sources.check_ranged(checks.check, rules, ip_protocol, listener["port"], service["source_ranges"], service["public"], callers)
        elif service["public"]:
            cidrs = {r.get("CidrIp") for rule in matching for r in rule.get("IpRanges", [])}
            checks.check("0.0.0.0/0" in cidrs, f"load balancer accepts {listener['port']} from 0.0.0.0/0", str(sorted(cidrs)))
        else:
            client_sources.check_internal(checks.check, rules, ip_protocol, listener["port"], callers)
    ports = {(("udp" if l["protocol"] == "UDP" else "tcp"), l["port"]) for l in service["listeners"]}
    extra = [r for r in rules if (r.get("IpProtocol"), r.get("FromPort")) not in ports or r.get("FromPort") != r.get("ToPort")]
    checks.check(not extra, "load balancer security group admits only listener ports", str(extra))


def backends_registered(stack, groups, predicate):
    """Deployments (by ASG tag) whose ASG satisfies predicate."""
    found = set()
    for group in groups:
        tags = {tag["Key"]: tag["Value"] for tag in group.get("Tags", [])}
        if predicate(group):
            found.add(tags.get("i2kit:deployment", group["AutoScalingGroupName"]))
    return found


def check_application_or_network(checks, stack, service, groups, certificate_arn):
    arn = stack.physical_id(service["id"] + "LoadBalancer")
    if not checks.check(arn, f"load balancer {service['id']}LoadBalancer exists"):
        return None
    balancer = stack.elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    checks.equal(balancer.get("Type"), service["kind"], "load balancer type")
    checks.equal(balancer.get("Scheme"), "internet-facing" if service["public"] else "internal", "load balancer scheme")
    zones = {zone.get("ZoneName") for zone in balancer.get("AvailabilityZones", [])}
    checks.check(len(zones) >= 2, "load balancer spans at least two Availability Zones", str(sorted(zones)))
    listeners = stack.elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]
    checks.equal(sorted(l["Port"] for l in listeners), sorted(l["port"] for l in service["listeners"]), "one listener per port")
    used = []
    for want in service["listeners"]:
        port = want["port"]
        listener = next((l for l in listeners if l["Port"] == port), None)
        if listener is None:
            continue
        checks.equal(listener.get("Protocol"), want["protocol"], f"listener {port} protocol")
        if want["protocol"] in ("HTTPS", "TLS"):
            if "Certificates" not in listener:
                checks.skip(f"listener {port} certificate", "moto's DescribeListeners returns no Certificates")
            else:
                certificates = [c.get("CertificateArn") for c in listener.get("Certificates") or []]
                checks.equal(certificates, [want["certificate"] or certificate_arn], f"listener {port} certificate")
        target_arns = {a.get("TargetGroupArn") for a in listener.get("DefaultActions", []) if a.get("Type") == "forward" and a.get("TargetGroupArn")}
        for action in listener.get("DefaultActions", []):
            target_arns |= {e.get("TargetGroupArn") for e in (action.get("ForwardConfig") or {}).get("TargetGroups", [])}
        if not checks.check(len(target_arns) == 1, f"listener {port} forwards to one target group", str(target_arns)):
            continue
        tg_arn = target_arns.pop()
        used.append(tg_arn)
        tg = stack.elbv2.describe_target_groups(TargetGroupArns=[tg_arn])["TargetGroups"][0]
        health = want["health"]
        checks.equal((tg.get("Protocol"), tg.get("Port")), (want["target_protocol"], want["target_port"]), f"target group of {port} protocol and port")
        checks.equal(tg.get("TargetType", "instance"), "instance", f"target group of {port} targets instances")
        checks.equal(tg.get("HealthCheckProtocol"), health["protocol"], f"health check of {port} protocol")
        checks.equal(str(tg.get("HealthCheckPort")), str(health["port"]), f"health check of {port} port")
        if health["path"] is not None:
            checks.equal(tg.get("HealthCheckPath"), health["path"], f"health check of {port} path")
        else:
            checks.check(not tg.get("HealthCheckPath"), f"health check of {port} has no path", repr(tg.get("HealthCheckPath")))
        if health["matcher"] is not None:
            if "Matcher" in tg:
                checks.equal((tg.get("Matcher") or {}).get("HttpCode"), health["matcher"], f"health check of {port} success codes")
            else:
                checks.skip(f"health check of {port} success codes", "moto's DescribeTargetGroups returns no Matcher")
        checks.equal(
            (tg.get("HealthCheckIntervalSeconds"), tg.get("HealthCheckTimeoutSeconds"), tg.get("HealthyThresholdCount"), tg.get("UnhealthyThresholdCount")),
            (health["interval"], health["timeout"], health["healthy"], health["unhealthy"]),
            f"health check of {port} interval, timeout and thresholds",
        )
        # Every Deployment the Service selects, and no other, registers with this target group.
        registered = backends_registered(stack, groups, lambda g, a=tg_arn: a in (g.get("TargetGroupARNs") or []))
        stateful = service.get("stateful_backends") or []
        checks.equal(sorted(registered), sorted(b for b in service["backends"] if b not in stateful),
                     f"target group of {port} is registered by the ASGs of exactly its backends")
        if stateful:
            targets = [t["Target"]["Id"] for t in stack.elbv2.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]]
            checks.equal(sorted(targets), sorted(check_stateful.ordinal_ids(stack, stack.documents, stateful)),
                         f"target group of {port} has every ordinal of {', '.join(stateful)} as a target")
    return {"dns": balancer["DNSName"], "zone_id": balancer.get("CanonicalHostedZoneId"), "security_groups": balancer.get("SecurityGroups") or [],
            "target_groups": used, "classic": None}


TLS_POLICY = "ELBSecurityPolicy-TLS-1-2-2017-01"


def check_classic_tls_policy(checks, stack, balancer, listener):
    """Design fix: a classic HTTPS/SSL listener names an SSLNegotiationPolicyType policy that
    references ELBSecurityPolicy-TLS-1-2-2017-01 (else ELB's old default policy applies)."""
    port = listener["Listener"]["LoadBalancerPort"]
    names = listener.get("PolicyNames") or []
    if not checks.check(names, f"listener {port} has a TLS negotiation policy", "no PolicyNames"):
        return
    policies = stack.elb.describe_load_balancer_policies(LoadBalancerName=balancer["LoadBalancerName"], PolicyNames=names)["PolicyDescriptions"]
    references = {
        a.get("AttributeValue")
        for p in policies if p.get("PolicyTypeName") == "SSLNegotiationPolicyType"
        for a in p.get("PolicyAttributeDescriptions", []) if a.get("AttributeName") == "Reference-Security-Policy"
    }
    checks.equal(sorted(references), [TLS_POLICY], f"listener {port} negotiates with {TLS_POLICY}")


def check_classic(checks, stack, service, groups):
    name = stack.physical_id(service["id"] + "LoadBalancer")
    if not checks.check(name, f"classic load balancer {service['id']}LoadBalancer exists"):
        return None
    balancer = stack.elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"][0]
    checks.equal(balancer.get("Scheme"), "internet-facing" if service["public"] else "internal", "load balancer scheme")
    descriptions = balancer.get("ListenerDescriptions", [])
    listeners = [d["Listener"] for d in descriptions]
    checks.equal(sorted(l["LoadBalancerPort"] for l in listeners), sorted(l["port"] for l in service["listeners"]), "one listener per port")
    classic_name = {"TLS": "SSL"}
    for want in service["listeners"]:
        description = next((d for d in descriptions if d["Listener"]["LoadBalancerPort"] == want["port"]), None)
        if description is None:
            continue
        listener = description["Listener"]
        want_instance_protocol = classic_name.get(want["target_protocol"], want["target_protocol"])
        if listener.get("InstanceProtocol", "").upper() == listener["Protocol"].upper() != want_instance_protocol:
            # moto's classic listener reports its own protocol as the instance protocol.
            checks.skip(f"listener {want['port']} instance protocol", "moto echoes the listener protocol")
            want_instance_protocol = listener["Protocol"].upper()
        checks.equal(
            (listener["Protocol"].upper(), listener["InstancePort"], listener.get("InstanceProtocol", "").upper()),
            (classic_name.get(want["protocol"], want["protocol"]), want["target_port"], want_instance_protocol),
            f"listener {want['port']} protocol and instance port",
        )
        if want["protocol"] in ("HTTPS", "TLS"):
            guarded(checks, f"listener {want['port']} TLS policy", check_classic_tls_policy, stack, balancer, description)
    health = service["listeners"][0]["health"]
    target = f"{health['protocol']}:{health['port']}{health['path'] or ''}"
    checks.equal((balancer.get("HealthCheck") or {}).get("Target"), target, "health check target")
    zones = set(balancer.get("AvailabilityZones") or [])
    checks.check(len(zones) >= 2 or len(balancer.get("Subnets") or []) >= 2, "load balancer spans at least two Availability Zones", str(sorted(zones)))
    registered = backends_registered(stack, groups, lambda g: name in (g.get("LoadBalancerNames") or []))
    stateful = service.get("stateful_backends") or []
    checks.equal(sorted(registered), sorted(b for b in service["backends"] if b not in stateful),
                 "registered by the ASGs of exactly its backends")
    if stateful:
        instances = [i["InstanceId"] for i in balancer.get("Instances") or []]
        checks.equal(sorted(instances), sorted(check_stateful.ordinal_ids(stack, stack.documents, stateful)),
                     f"has every ordinal of {', '.join(stateful)} as an instance")
    return {"dns": balancer["DNSName"], "zone_id": balancer.get("CanonicalHostedZoneNameID", CLASSIC_ZONE_ID),
            "security_groups": balancer.get("SecurityGroups") or [], "target_groups": [], "classic": name}


# moto_server.py patch 8 resolves GetAtt CanonicalHostedZoneNameID to this (us-east-1's value);
# moto's DescribeLoadBalancers (classic) returns none to compare with.
CLASSIC_ZONE_ID = "Z35SXDOTRQ7X7K"


def check_alias(checks, stack, zone_id, record_name, found):
    records = stack.route53.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=record_name)["ResourceRecordSets"]
    matching = [r for r in records if r["Name"].lower() == record_name.lower() and r["Type"] == "A"]
    if not checks.check(matching, f"Route 53 A record {record_name} exists"):
        return
    alias = matching[0].get("AliasTarget")
    if not checks.check(alias, f"{record_name} is an alias", str(matching[0])):
        return
    checks.equal(normalise_dns(alias.get("DNSName")), normalise_dns(found["dns"]), f"{record_name} aliases the load balancer's DNS name")
    checks.equal(alias.get("HostedZoneId"), found["zone_id"], f"{record_name} alias names the load balancer's hosted zone")


def check_public_dns(checks, stack, service, zone, found):
    zones = stack.route53.list_hosted_zones_by_name(DNSName=zone + ".")["HostedZones"]
    zone_ids = [z["Id"] for z in zones if z["Name"] == zone + "."]
    if checks.check(zone_ids, f"hosted zone {zone}. exists"):
        check_alias(checks, stack, zone_ids[0], f"{service['name']}.{zone}.", found)


def check_cluster_zone(checks, stack, outputs, given_zone_id):
    """The private cluster.local zone the stack's records go to: the ClusterDnsZoneId output,
    associated with the stack's VPC; made by the stack unless --cluster-dns-zone-id names one."""
    zone_id = outputs.get("ClusterDnsZoneId")
    if not checks.check(zone_id, "output ClusterDnsZoneId names the cluster.local zone"):
        return None
    zone_id = zone_id.split("/")[-1]
    own = stack.physical_ids("AWS::Route53::HostedZone")
    if given_zone_id:
        checks.equal(zone_id, given_zone_id, "ClusterDnsZoneId output is the zone passed in")
        checks.equal(sorted(own), [], "the stack makes no hosted zone when ClusterDnsZoneId is given")
    else:
        checks.check({z.split("/")[-1] for z in own} == {zone_id}, "the stack made the cluster.local zone it reports", f"{own} vs {zone_id}")
    described = stack.route53.get_hosted_zone(Id=zone_id)
    checks.equal(described["HostedZone"]["Name"], "cluster.local.", "cluster DNS zone is named cluster.local.")
    checks.check((described["HostedZone"].get("Config") or {}).get("PrivateZone"), "cluster DNS zone is private")
    vpcs = [v.get("VPCId") for v in described.get("VPCs") or []]
    checks.check(stack.parameters.get("VpcId") in vpcs, "cluster DNS zone is associated with the stack's VPC", f"{vpcs}")
    return zone_id


def check_outputs_match(checks, outputs, dns_names, group_names, records):
    """Outputs that look like a DNS name, ASG name or endpoint must be one of this stack's."""
    for key, value in outputs.items():
        if not isinstance(value, str):
            continue
        if value.endswith(".elb.amazonaws.com") or ".elb." in value:
            checks.check(normalise_dns(value) in {normalise_dns(d) for d in dns_names}, f"output {key} is a load balancer of the stack", value)
        elif key.endswith("AutoScalingGroupName"):
            checks.check(value in group_names, f"output {key} is an Auto Scaling group of the stack", value)
        elif key.endswith("Endpoint"):
            checks.check(value.lower() in records, f"output {key} is a record the stack made", value)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--list-deployments", action="store_true", help="print the deployment names the manifest defines, and exit")
    parser.add_argument("--endpoint")
    parser.add_argument("--stack")
    parser.add_argument("--zone", help="the HostedZoneName passed to the stack, without the final dot")
    parser.add_argument("--certificate-arn", default=None)
    parser.add_argument("--cluster-dns-zone-id", default=None, help="the ClusterDnsZoneId passed to the stack, if any")
    parser.add_argument("--expect-status", default=None, help="e.g. UPDATE_COMPLETE; default: CREATE_ or UPDATE_COMPLETE")
    client_sources.add_arguments(parser)
    args = parser.parse_args()

    documents = manifest_model.load_documents(args.manifest)
    deployments, services = manifest_model.read_application(documents)
    # Listener ports whose backends a NetworkPolicy isolates: who may call them is the policies'
    # (manifest_model.ingress_verdict), not the load balancer's default.
    policies = manifest_model.network_policies(documents)
    # A StatefulSet behind a Service is policed as a Deployment is.
    subjects = deployments + manifest_model.stateful_workloads(documents)
    for service in services:
        service["policed"] = {}
        for listener in service["listeners"]:
            verdicts = [manifest_model.ingress_verdict(policies, subjects, d, listener["target_port"], listener["target_protocol"] == "UDP")
                        for d in subjects if d["name"] in service["backends"]]
            if any(v is not None for v in verdicts):
                service["policed"][listener["port"]] = verdicts[0]
    if args.list_deployments:
        print("\n".join(d["name"] for d in deployments))
        return 0
    if not (args.endpoint and args.stack and args.zone):
        parser.error("--endpoint, --stack and --zone are required")
    checks = Checks()
    print(f"assert_stack: {args.stack} from {args.manifest} (deployments {', '.join(d['name'] for d in deployments)};"
          f" services {', '.join(s['name'] + '->' + '+'.join(s['backends']) for s in services) or 'none'})")
    stack = Stack(args.endpoint, args.stack)
    stack.documents = documents
    groups, outputs = check_stack(checks, stack, deployments, args.expect_status)

    # Services first: each is one load balancer; deployments then check their registrations.
    cluster_zone = None
    external = manifest_model.external_names(documents)
    outside = manifest_model.endpoint_names(documents)
    checks.prefix = f"{args.stack}: "
    if services or external or outside or check_stateful.names_ordinals(documents):
        cluster_zone = guarded(checks, "cluster DNS zone", check_cluster_zone, stack, outputs, args.cluster_dns_zone_id)
    else:
        checks.check(not stack.physical_ids("AWS::Route53::HostedZone"), "no service: no cluster.local zone")
    for name, target in sorted(external.items()) if cluster_zone else []:
        records = stack.route53.list_resource_record_sets(HostedZoneId=cluster_zone, StartRecordName=name)["ResourceRecordSets"]
        found = [r for r in records if r["Name"].lower() == name and r["Type"] == "CNAME"]
        values = [normalise_dns(v["Value"]) for r in found for v in r.get("ResourceRecords") or []]
        checks.equal(values, [target], f"ExternalName {name} is a CNAME of {target}")
    for name, addresses in sorted(outside.items()) if cluster_zone else []:
        records = stack.route53.list_resource_record_sets(HostedZoneId=cluster_zone, StartRecordName=name)["ResourceRecordSets"]
        values = sorted(v["Value"] for r in records if r["Name"].lower() == name and r["Type"] == "A"
                        for v in r.get("ResourceRecords") or [])
        checks.equal(values, addresses, f"{name} lists the ready addresses of its Endpoints or EndpointSlices")
    # The group every VM carries, which internal load balancers admit (client_sources).
    checks.prefix = f"{args.stack}: "
    application = client_sources.application_groups(stack.ec2, groups)
    # A StatefulSet's ordinals are instances, not an Auto Scaling group: they carry it too.
    ordinal_groups = check_stateful.instance_groups(stack)
    if ordinal_groups:
        common = set.intersection(*ordinal_groups)
        if groups:
            common &= set().union(*(set(client_sources.launch_template_groups(stack.ec2, g)) for g in groups))
        described = stack.ec2.describe_security_groups(GroupIds=sorted(common))["SecurityGroups"] if common else []
        application = {g["GroupId"] for g in described if not g.get("IpPermissions")}
        if groups:
            application &= client_sources.application_groups(stack.ec2, groups)
    guarded(checks, "StatefulSets", check_stateful.check, stack, documents, cluster_zone, application)
    checks.prefix = f"{args.stack}: "
    # Which group is the application's matters where an internal load balancer must admit it.
    # Without one (a lone worker, whose own group admits nothing either) several groups every
    # VM carries may admit nothing, and nothing tells them apart, nor needs to.
    internal = any(not service["public"] for service in services) or any(
        not balancer.get("public", True) for balancer in manifest_model.read_ingresses(documents))
    checks.check(len(application) == 1 if internal else len(application) >= 1,
                 "every VM of the application carries one security group that admits nothing itself"
                 + ("" if internal else " (at least one: no internal load balancer admits it)"),
                 str(sorted(application)))
    callers = client_sources.InternalCallers(application, args.internal_client_cidr, args.internal_client_security_group)
    found, dns_names, records = {}, [], set()
    ingress_hosts = {host for balancer in manifest_model.read_ingresses(documents) for host in balancer["hosts"]}
    for service in services:
        checks.prefix = f"{args.stack}/service {service['name']}: "
        if service["kind"] == "classic":
            result = guarded(checks, "classic load balancer", check_classic, stack, service, groups)
        else:
            result = guarded(checks, "load balancer, listeners and target groups", check_application_or_network, stack, service, groups, args.certificate_arn)
        if not result:
            continue
        found[service["name"]] = result
        dns_names.append(result["dns"])
        records.add(f"{service['name']}.{args.zone}.".lower())
        carried = {tag_value(g, "i2kit:deployment"): set(client_sources.launch_template_groups(stack.ec2, g)) for g in groups}
        guarded(checks, "load balancer security group", check_load_balancer_security_groups, stack, result["security_groups"], service, callers,
                carried)
        # A rule host of the same name takes the record for its Ingress (check_ingress.py).
        if f"{service['name']}.{args.zone}" not in ingress_hosts:
            guarded(checks, "Route 53 alias", check_public_dns, stack, service, args.zone, result)
        if cluster_zone:
            record = f"{service['name']}.{service['namespace']}.svc.cluster.local."
            guarded(checks, "cluster DNS alias", check_alias, stack, cluster_zone, record, result)
    routed = guarded(checks, "ingress load balancers", check_ingress.check_ingresses, guarded, stack, documents, services, groups,
                     callers, args.zone, args.certificate_arn) or {"target_groups": {}, "sources": {}, "dns": []}
    dns_names += routed["dns"]
    for deployment in deployments:
        if deployment.get("stateful"):
            continue
        checks.prefix = f"{args.stack}/{deployment['name']}: "
        group = stack.group_for(groups, deployment)
        if not checks.check(group, "Auto Scaling group found (tag i2kit:deployment or logical id)"):
            continue
        front = manifest_model.services_in_front(services, deployment["name"])
        check_deployment(checks, stack, deployment, group, front, found, routed)
        guarded(checks, "autoscaling, disruption budget and role", check_scaling.check, stack, deployment, group)
    guarded(checks, "secrets at boot", check_secrets.check, stack,
            list(manifest_model.kubernetes_objects([d for d in documents if manifest_model.is_kubernetes(d)])))
    checks.prefix = f"{args.stack}: "
    check_outputs_match(checks, outputs, dns_names, {g["AutoScalingGroupName"] for g in groups}, records)
    print(f"assert_stack totals passed={checks.passed} failed={checks.failed} skipped={checks.skipped}")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
