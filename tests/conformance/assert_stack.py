#!/usr/bin/env python3
"""Check a deployed i2kit stack against the manifest it was compiled from.

    assert_stack.py --endpoint URL --manifest FILE.yaml --stack NAME --zone example.com \
                    --certificate-arn ARN [--image-id PARAM=AMI ...]

Expectations come from the manifest (i2kit documents and Kubernetes Deployments/Services/Lists),
re-derived here from i2kit's documented rules (README), not read from the template: replicas,
ports, protocols, the load balancer kind and scheme, health checks. What is
deployed comes from describe calls against the endpoint (moto). Prints one line per check
(`ok`, `FAIL`, `skip` with the reason) and a closing `assert_stack totals passed=N failed=M
skipped=K`; exits 1 when any check failed.
"""

import argparse
import re
import sys

import boto3
import botocore.exceptions
import yaml

HTTP_FAMILY = {"HTTP", "HTTPS"}
PROTOCOL_NAMES = {"http": "HTTP", "https": "HTTPS", "tcp": "TCP", "tls": "TLS", "ssl": "TLS", "udp": "UDP"}
DEFAULT_HEALTH = {"path": "/", "intervalSeconds": 10, "timeoutSeconds": 5, "healthyThreshold": 2, "unhealthyThreshold": 3}
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


# ---------------------------------------------------------------- expectations from the manifest


def logical_id(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("-") if part)


def parse_port(spec, container):
    """One `ports:` entry → listener port, container port, explicit protocols, certificate."""
    if isinstance(spec, int):
        return {"container": container, "port": spec, "target_port": spec, "protocol": None, "target_protocol": None, "certificate": None}
    if isinstance(spec, dict):
        return {
            "container": container,
            "port": int(spec["port"]),
            "target_port": int(spec.get("targetPort", spec["port"])),
            "protocol": PROTOCOL_NAMES[spec["protocol"].lower()] if spec.get("protocol") else None,
            "target_protocol": PROTOCOL_NAMES[spec["targetProtocol"].lower()] if spec.get("targetProtocol") else None,
            "certificate": spec.get("certificate"),
        }
    parts = str(spec).split(":", 4)
    if len(parts) == 1:
        return parse_port(int(parts[0]), container)
    if len(parts) == 2:
        return {"container": container, "port": int(parts[0]), "target_port": int(parts[1]), "protocol": None, "target_protocol": None, "certificate": None}
    return {
        "container": container,
        "port": int(parts[1]),
        "target_port": int(parts[3]),
        "protocol": PROTOCOL_NAMES[parts[0].lower()],
        "target_protocol": PROTOCOL_NAMES[parts[2].lower()],
        "certificate": parts[4] if len(parts) == 5 else None,
    }


def infer_protocol(port):
    return {80: "HTTP", 443: "HTTPS"}.get(port, "TCP")


def adapt(protocol, kind):
    table = {("network", "HTTP"): "TCP", ("network", "HTTPS"): "TLS", ("application", "TCP"): "HTTP", ("application", "TLS"): "HTTPS"}
    return table.get((kind, protocol), protocol)


def default_target_protocol(listener):
    return {"HTTP": "HTTP", "HTTPS": "HTTP", "TCP": "TCP", "TLS": "TCP", "UDP": "UDP"}[listener]


INTERVAL_RANGE, TIMEOUT_RANGE, THRESHOLD_RANGE = (5, 300), (2, 120), (2, 10)
DEFAULT_REQUEST = {"protocol": None, "port": None, "path": None, "interval": None, "timeout": None, "healthy": None, "unhealthy": None}


def clamp(value, bounds):
    return max(bounds[0], min(bounds[1], int(value)))


def plan(name, replicas, public, kind_override, requests, health_request):
    """The load balancer and health checks i2kit derives from port requests (README rules)."""
    natural = [request["protocol"] or infer_protocol(request["port"]) for request in requests]
    kind = kind_override or ("application" if all(p in HTTP_FAMILY for p in natural) else "network")
    listeners = []
    for request, natural_protocol in zip(requests, natural):
        protocol = natural_protocol if request["protocol"] else adapt(natural_protocol, kind)
        target_protocol = request["target_protocol"] or default_target_protocol(protocol)
        if target_protocol in HTTP_FAMILY:
            check_protocol = target_protocol
        elif health_request["protocol"] in HTTP_FAMILY:
            check_protocol = health_request["protocol"]
        else:
            check_protocol = "TCP"
        http_check = check_protocol in HTTP_FAMILY
        listeners.append(
            {
                "port": request["port"],
                "protocol": protocol,
                "target_port": request["target_port"],
                "target_protocol": target_protocol,
                "certificate": request["certificate"],
                "health": {
                    "protocol": check_protocol,
                    "port": health_request["port"] or request["target_port"],
                    "path": (health_request["path"] or "/") if http_check else None,
                    # Any answer means up on the default `/`; a path someone chose must succeed.
                    "matcher": ("200-399" if health_request["path"] else "200-499") if http_check else None,
                    "interval": health_request["interval"] or 10,
                    "timeout": health_request["timeout"] or 5,
                    "healthy": health_request["healthy"] or 2,
                    "unhealthy": health_request["unhealthy"] or 3,
                },
            }
        )
    return {
        "name": name,
        "id": logical_id(name),
        "replicas": int(replicas),
        "public": bool(public),
        "kind": kind if listeners else None,
        "listeners": listeners,
    }


def expected_short(document):
    """An i2kit manifest document."""
    spec = document.get("healthCheck") or {}
    health = {
        **DEFAULT_REQUEST,
        "port": spec.get("port"),
        "path": spec.get("path"),
        "interval": spec.get("intervalSeconds"),
        "timeout": spec.get("timeoutSeconds"),
        "healthy": spec.get("healthyThreshold"),
        "unhealthy": spec.get("unhealthyThreshold"),
    }
    requests = []
    for container_name, container in (document.get("containers") or {}).items():
        for port in container.get("ports") or []:
            requests.append(parse_port(port, container_name))
    return plan(document["name"], document.get("replicas", 1), document.get("public", False), document.get("loadBalancer"), requests, health)


ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-"


def kubernetes_objects(documents):
    for document in documents:
        if document.get("kind") == "List":
            yield from (item for item in document.get("items") or [] if isinstance(item, dict))
        else:
            yield document


def readiness_request(pod, declared):
    """The first container's usable readiness probe (httpGet or tcpSocket) as a health request."""
    for container in pod.get("containers") or []:
        probe = container.get("readinessProbe") or {}
        action = probe.get("httpGet") or probe.get("tcpSocket")
        if action is None:
            continue
        request = dict(DEFAULT_REQUEST)
        if "httpGet" in probe:
            request["path"] = probe["httpGet"].get("path") or "/"
            request["protocol"] = "HTTPS" if probe["httpGet"].get("scheme") == "HTTPS" else "HTTP"
        else:
            request["protocol"] = "TCP"
        port = action.get("port")
        if isinstance(port, str) and not port.isdigit():
            port = next((p["number"] for p in declared if p["container"] == container["name"] and p["name"] == port), None)
        request["port"] = int(port) if port is not None else None
        interval = clamp(probe.get("periodSeconds", 10), INTERVAL_RANGE)
        request["interval"] = interval
        request["timeout"] = max(TIMEOUT_RANGE[0], min(clamp(probe.get("timeoutSeconds", 1), TIMEOUT_RANGE), interval - 1))
        request["healthy"] = clamp(probe.get("successThreshold", 1), THRESHOLD_RANGE)
        request["unhealthy"] = clamp(probe.get("failureThreshold", 3), THRESHOLD_RANGE)
        return request
    return dict(DEFAULT_REQUEST)


def read_service(service):
    spec = service.get("spec") or {}
    annotations = (service.get("metadata") or {}).get("annotations") or {}
    read = {
        "public": spec.get("type", "ClusterIP") == "LoadBalancer",
        "kind": None,
        "selector": spec.get("selector") or {},
        "ports": spec.get("ports") or [],
        "certificate": None,
        "ssl_ports": None,
        "backend": None,
        "health": dict(DEFAULT_REQUEST),
    }
    for key, value in annotations.items():
        value = str(value)
        if not key.startswith(ANNOTATION):
            continue
        setting = key[len(ANNOTATION) :]
        if setting == "type":
            read["kind"] = {"nlb": "network", "external": "network", "classic": "classic", "elb": "classic"}.get(value)
        elif setting == "scheme":
            read["public"] = value == "internet-facing"
        elif setting == "internal":
            read["public"] = value not in ("true", "0.0.0.0/0")
        elif setting == "ssl-cert":
            read["certificate"] = value
        elif setting == "ssl-ports":
            read["ssl_ports"] = None if value.strip() == "*" else [part.strip() for part in value.split(",") if part.strip()]
        elif setting == "backend-protocol":
            read["backend"] = {"http": "HTTP", "https": "HTTPS", "ssl": "TLS", "tcp": "TCP"}.get(value)
        elif setting == "healthcheck-path":
            read["health"]["path"] = value
        elif setting == "healthcheck-protocol":
            read["health"]["protocol"] = value.upper()
        elif setting == "healthcheck-port" and value != "traffic-port":
            read["health"]["port"] = int(value)
        elif setting in ("healthcheck-interval", "healthcheck-timeout", "healthcheck-healthy-threshold", "healthcheck-unhealthy-threshold"):
            field, bounds = {
                "healthcheck-interval": ("interval", INTERVAL_RANGE),
                "healthcheck-timeout": ("timeout", TIMEOUT_RANGE),
                "healthcheck-healthy-threshold": ("healthy", THRESHOLD_RANGE),
                "healthcheck-unhealthy-threshold": ("unhealthy", THRESHOLD_RANGE),
            }[setting]
            read["health"][field] = clamp(value, bounds)
    return read


def expected_kubernetes(documents):
    """Deployments, and the Services that select them, from Kubernetes documents (README table)."""
    objects = list(kubernetes_objects(documents))
    services = [
        read_service(o) for o in objects
        if o.get("kind") == "Service" and (o.get("spec") or {}).get("type", "ClusterIP") != "ExternalName"
    ]
    expected = []
    for deployment in (o for o in objects if o.get("kind") == "Deployment"):
        spec = deployment.get("spec") or {}
        template = spec.get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        pod = template.get("spec") or {}
        containers = pod.get("containers") or []
        declared = [
            {"container": c["name"], "name": p.get("name"), "number": int(p["containerPort"]), "udp": p.get("protocol") == "UDP"}
            for c in containers
            for p in c.get("ports") or []
        ]
        selecting = [s for s in services if s["selector"] and all(labels.get(k) == v for k, v in s["selector"].items())]
        health = readiness_request(pod, declared)
        requests = []
        if not selecting:
            public, kind = False, None
            for port in declared:
                udp = "UDP" if port["udp"] else None
                requests.append({"container": port["container"], "port": port["number"], "target_port": port["number"], "protocol": udp, "target_protocol": udp, "certificate": None})
        else:
            public = selecting[0]["public"]
            kind = next((s["kind"] for s in selecting if s["kind"]), None)
            for service in selecting:
                for port in service["ports"]:
                    number = int(port["port"])
                    target = port.get("targetPort", number)
                    if isinstance(target, str) and not target.isdigit():
                        target = next(p["number"] for p in declared if p["name"] == target)
                    tls = service["certificate"] is not None and (
                        service["ssl_ports"] is None or str(number) in service["ssl_ports"] or port.get("name") in service["ssl_ports"]
                    )
                    backend = service["backend"]
                    if port.get("protocol") == "UDP":
                        protocols = ("UDP", "UDP")
                    elif tls:
                        protocols = {"TLS": ("TLS", "TLS"), "TCP": ("TLS", "TCP"), "HTTPS": ("HTTPS", "HTTPS")}.get(backend, ("HTTPS", "HTTP"))
                    elif backend in ("HTTP", "TCP"):
                        protocols = (backend, backend)
                    else:
                        app = {"http": "HTTP", "https": "HTTPS"}.get(str(port.get("appProtocol", "")).lower())
                        protocols = (app, backend)
                    requests.append({
                        "container": None, "port": number, "target_port": int(target),
                        "protocol": protocols[0], "target_protocol": protocols[1],
                        "certificate": service["certificate"] if tls else None,
                    })
            annotations = selecting[0]["health"]
            health = {key: annotations[key] if annotations[key] is not None else health[key] for key in health}
        expected.append(plan(deployment["metadata"]["name"], spec.get("replicas", 1), public, kind, requests, health))
    return expected


def expected_deployments(documents):
    """Every deployment the file describes: i2kit manifests, then Kubernetes Deployments."""
    short = [expected_short(d) for d in documents if not ("apiVersion" in d and "kind" in d)]
    kubernetes = [d for d in documents if "apiVersion" in d and "kind" in d]
    return short + (expected_kubernetes(kubernetes) if kubernetes else [])


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
    checks.equal(len(groups), len(deployments), "one Auto Scaling group per manifest document")
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


def check_instance_security_groups(checks, stack, instance_groups, load_balancer_groups, expected):
    """Instances accept traffic only from the load balancer's groups, only on container ports."""
    if not instance_groups:
        return
    described = stack.ec2.describe_security_groups(GroupIds=instance_groups)["SecurityGroups"]
    expected_ports = set()
    for listener in expected["listeners"]:
        ip_protocol = "udp" if listener["target_protocol"] == "UDP" else "tcp"
        expected_ports.add((ip_protocol, listener["target_port"]))
        # Health checks are TCP or HTTP(S): a UDP target or a separate health port needs TCP too.
        expected_ports.add(("tcp", listener["health"]["port"]))
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
                sources and load_balancer_groups and sources <= set(load_balancer_groups),
                f"instance ingress {label} comes only from the load balancer's security group",
                f"sources {sorted(sources)}, load balancer groups {sorted(load_balancer_groups or [])}",
            )
            if rule.get("FromPort") is not None:
                for port in range(rule["FromPort"], rule["ToPort"] + 1):
                    opened.add((rule.get("IpProtocol"), port))
                    if len(opened) > 70000:
                        break
            else:
                opened.add((rule.get("IpProtocol"), "all"))
    checks.equal(sorted(opened, key=str), sorted(expected_ports, key=str), "instance ingress is exactly the container ports")


def check_load_balancer_security_groups(checks, stack, groups, expected):
    if not groups:
        checks.check(False, "load balancer has a security group", "none")
        return
    described = stack.ec2.describe_security_groups(GroupIds=list(groups))["SecurityGroups"]
    rules = [rule for group in described for rule in group.get("IpPermissions", [])]
    for listener in expected["listeners"]:
        ip_protocol = "udp" if listener["protocol"] == "UDP" else "tcp"
        matching = [
            rule for rule in rules
            if rule.get("IpProtocol") in (ip_protocol, "-1") and (rule.get("FromPort") is None or rule["FromPort"] <= listener["port"] <= rule["ToPort"])
        ]
        if checks.check(matching, f"load balancer security group opens {ip_protocol} {listener['port']}"):
            if expected["public"]:
                cidrs = {r.get("CidrIp") for rule in matching for r in rule.get("IpRanges", [])}
                checks.check("0.0.0.0/0" in cidrs, f"public load balancer accepts {listener['port']} from anywhere", str(sorted(cidrs)))


def check_application_or_network(checks, stack, group, expected, certificate_arn):
    target_group_arns = group.get("TargetGroupARNs") or []
    checks.equal(len(target_group_arns), len(expected["listeners"]), "ASG registers one target group per port")
    if not target_group_arns:
        return None
    target_groups = stack.elbv2.describe_target_groups(TargetGroupArns=target_group_arns)["TargetGroups"]
    balancer_arns = {arn for tg in target_groups for arn in tg.get("LoadBalancerArns", [])}
    if not checks.equal(len(balancer_arns), 1, "the target groups hang off one load balancer"):
        return None
    balancer = stack.elbv2.describe_load_balancers(LoadBalancerArns=list(balancer_arns))["LoadBalancers"][0]
    checks.check(balancer["LoadBalancerArn"] in stack.physical_ids("AWS::ElasticLoadBalancingV2::LoadBalancer"), "load balancer belongs to the stack")
    checks.equal(balancer.get("Type"), expected["kind"], "load balancer type")
    checks.equal(balancer.get("Scheme"), "internet-facing" if expected["public"] else "internal", "load balancer scheme")
    zones = {zone.get("ZoneName") for zone in balancer.get("AvailabilityZones", [])}
    checks.check(len(zones) >= 2, "load balancer spans at least two Availability Zones", str(sorted(zones)))
    listeners = stack.elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    checks.equal(sorted(l["Port"] for l in listeners), sorted(l["port"] for l in expected["listeners"]), "one listener per port")
    by_arn = {tg["TargetGroupArn"]: tg for tg in target_groups}
    for want in expected["listeners"]:
        port = want["port"]
        listener = next((l for l in listeners if l["Port"] == port), None)
        if listener is None:
            continue
        checks.equal(listener.get("Protocol"), want["protocol"], f"listener {port} protocol")
        if want["protocol"] in ("HTTPS", "TLS"):
            certificates = [c.get("CertificateArn") for c in listener.get("Certificates") or []]
            if "Certificates" not in listener:
                checks.skip(f"listener {port} certificate", "moto's DescribeListeners returns no Certificates")
            else:
                checks.equal(certificates, [want["certificate"] or certificate_arn], f"listener {port} certificate")
        forwards = [a for a in listener.get("DefaultActions", []) if a.get("Type") == "forward"]
        target_arns = {a.get("TargetGroupArn") for a in forwards if a.get("TargetGroupArn")}
        for action in forwards:
            for entry in (action.get("ForwardConfig") or {}).get("TargetGroups", []):
                target_arns.add(entry.get("TargetGroupArn"))
        if not checks.check(len(target_arns) == 1 and target_arns <= set(by_arn), f"listener {port} forwards to one of the ASG's target groups", str(target_arns)):
            continue
        tg = by_arn[target_arns.pop()]
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
    return balancer["DNSName"], balancer.get("CanonicalHostedZoneId"), balancer.get("SecurityGroups") or []


def check_classic(checks, stack, group, expected):
    names = group.get("LoadBalancerNames") or []
    if not checks.equal(len(names), 1, "ASG registers with one classic load balancer"):
        return None
    balancer = stack.elb.describe_load_balancers(LoadBalancerNames=names)["LoadBalancerDescriptions"][0]
    checks.check(balancer["LoadBalancerName"] in stack.physical_ids("AWS::ElasticLoadBalancing::LoadBalancer"), "load balancer belongs to the stack")
    checks.equal(balancer.get("Scheme"), "internet-facing" if expected["public"] else "internal", "load balancer scheme")
    listeners = [d["Listener"] for d in balancer.get("ListenerDescriptions", [])]
    checks.equal(sorted(l["LoadBalancerPort"] for l in listeners), sorted(l["port"] for l in expected["listeners"]), "one listener per port")
    classic_name = {"TLS": "SSL"}
    for want in expected["listeners"]:
        listener = next((l for l in listeners if l["LoadBalancerPort"] == want["port"]), None)
        if listener is None:
            continue
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
    health = expected["listeners"][0]["health"]
    target = f"{health['protocol']}:{health['port']}{health['path'] or ''}"
    checks.equal((balancer.get("HealthCheck") or {}).get("Target"), target, "health check target")
    zones = set(balancer.get("AvailabilityZones") or [])
    checks.check(len(zones) >= 2 or len(balancer.get("Subnets") or []) >= 2, "load balancer spans at least two Availability Zones", str(sorted(zones)))
    zone_id = balancer.get("CanonicalHostedZoneNameID", "moto: not returned")
    return balancer["DNSName"], zone_id, balancer.get("SecurityGroups") or []


def check_dns(checks, stack, expected, zone, dns_name, zone_id):
    record_name = f"{expected['name']}.{zone}."
    zones = stack.route53.list_hosted_zones_by_name(DNSName=zone + ".")["HostedZones"]
    zone_ids = [z["Id"] for z in zones if z["Name"] == zone + "."]
    if not checks.check(zone_ids, f"hosted zone {zone}. exists"):
        return
    records = stack.route53.list_resource_record_sets(HostedZoneId=zone_ids[0], StartRecordName=record_name)["ResourceRecordSets"]
    matching = [r for r in records if r["Name"].lower() == record_name.lower() and r["Type"] == "A"]
    if not checks.check(matching, f"Route 53 A record {record_name} exists"):
        return
    alias = matching[0].get("AliasTarget")
    if not checks.check(alias, f"{record_name} is an alias", str(matching[0])):
        return
    checks.equal(normalise_dns(alias.get("DNSName")), normalise_dns(dns_name), f"{record_name} aliases the load balancer's DNS name")
    if zone_id == "moto: not returned":
        checks.skip(f"{record_name} alias hosted zone", "moto's DescribeLoadBalancers (classic) returns no CanonicalHostedZoneNameID")
    else:
        checks.equal(alias.get("HostedZoneId"), zone_id, f"{record_name} alias names the load balancer's hosted zone")


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
    parser.add_argument("--expect-status", default=None, help="e.g. UPDATE_COMPLETE; default: CREATE_ or UPDATE_COMPLETE")
    args = parser.parse_args()

    with open(args.manifest, encoding="utf-8") as handle:
        documents = [d for d in yaml.safe_load_all(handle) if isinstance(d, dict)]
    deployments = expected_deployments(documents)
    if args.list_deployments:
        print("\n".join(d["name"] for d in deployments))
        return 0
    if not (args.endpoint and args.stack and args.zone):
        parser.error("--endpoint, --stack and --zone are required")
    checks = Checks()
    print(f"assert_stack: {args.stack} from {args.manifest} ({', '.join(d['name'] for d in deployments)})")
    stack = Stack(args.endpoint, args.stack)
    groups, outputs = check_stack(checks, stack, deployments, args.expect_status)
    dns_names, records = [], set()
    for expected in deployments:
        checks.prefix = f"{args.stack}/{expected['name']}: "
        group = stack.group_for(groups, expected)
        if not checks.check(group, "Auto Scaling group found (tag i2kit:deployment or logical id)"):
            continue
        checks.equal(group.get("DesiredCapacity"), expected["replicas"], "ASG DesiredCapacity == replicas")
        checks.check(
            group.get("MinSize", 0) <= expected["replicas"] <= group.get("MaxSize", 0),
            "ASG MinSize <= replicas <= MaxSize",
            f"min {group.get('MinSize')}, max {group.get('MaxSize')}",
        )
        subnets = {s for s in (group.get("VPCZoneIdentifier") or "").split(",") if s}
        wanted_subnets = {s.strip(" '[]") for s in re.split(r"[,\s]+", stack.parameters.get("Subnets", "")) if s.strip(" '[]")}
        checks.equal(subnets, wanted_subnets, "ASG spans the Subnets parameter")
        instance_groups = guarded(checks, "launch template", check_launch_template, stack, group, expected)
        if not expected["listeners"]:
            checks.check(not group.get("TargetGroupARNs") and not group.get("LoadBalancerNames"), "no ports: no load balancer attached")
            if instance_groups:
                described = stack.ec2.describe_security_groups(GroupIds=instance_groups)["SecurityGroups"]
                rules = [rule for g in described for rule in g.get("IpPermissions", [])]
                checks.equal(rules, [], "no ports: instance security group has no ingress")
            continue
        checks.equal(group.get("HealthCheckType"), "ELB", "ASG replaces VMs the load balancer finds unhealthy")
        if expected["kind"] == "classic":
            found = guarded(checks, "classic load balancer", check_classic, stack, group, expected)
        else:
            found = guarded(checks, "load balancer, listeners and target groups", check_application_or_network, stack, group, expected, args.certificate_arn)
        if not found:
            continue
        dns_name, zone_id, balancer_groups = found
        dns_names.append(dns_name)
        records.add(f"{expected['name']}.{args.zone}.".lower())
        guarded(checks, "load balancer security group", check_load_balancer_security_groups, stack, balancer_groups, expected)
        guarded(checks, "instance security group", check_instance_security_groups, stack, instance_groups, balancer_groups, expected)
        guarded(checks, "Route 53 alias", check_dns, stack, expected, args.zone, dns_name, zone_id)
    checks.prefix = f"{args.stack}: "
    check_outputs_match(checks, outputs, dns_names, {g["AutoScalingGroupName"] for g in groups}, records)
    print(f"assert_stack totals passed={checks.passed} failed={checks.failed} skipped={checks.skipped}")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
