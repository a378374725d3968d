#!/usr/bin/env python3
"""Can every declared call of the application get through, judged on the DEPLOYED state?

    reachability.py --endpoint URL --manifest FILE.yaml|DIR --stack NAME --out-dir COMPILE_DIR \
                    --calls tests/conformance/calls/STEM.yaml

The calls file lists every host:port a container of the application calls:

    - from: frontend            # the calling Deployment
      to: redis-leader:6379     # as the container writes it: svc, svc.ns, svc.ns.svc or the full name
    - from: 203.0.113.0/24      # or an address range outside the application and the VPC
      to: api.shop:80           # (then svc.ns or longer), with `denied: true` where it must be refused

For each call, one `ok`/`FAIL` line per step (nothing is read from the template; everything from
describe/list calls against the endpoint, plus the caller's compiled LinuxKit file, which is what
the VM will boot):
  a. the name resolves: the caller's LinuxKit file gives the resolver config (`etc/i2kit/resolv.conf`,
     bound to /etc/resolv.conf in every pod container); the name is expanded as glibc does (ndots,
     search list, absolute name) and each candidate is looked up in the PRIVATE hosted zones
     associated with the stack's VPC; the first A record must alias a load balancer, and be the
     record of the Service the manifest says the name means;
  b. that load balancer has a listener on the called port;
  c. the listener forwards to the Auto Scaling groups of exactly the Deployments the Service selects
     (selector matched against pod template labels in the manifest; ASGs by tag i2kit:deployment);
  d. security groups let it through (a call marked `denied: true` must be refused instead, and the
     manifest's NetworkPolicies, evaluated here by Kubernetes' rules, must agree; when a policy
     isolates the callee, step d is theirs alone: the load balancer's group admits one of the
     caller's groups, or a range holding the VPC's, exactly when they admit the caller):
     the load balancer's group admits the caller on the port: an
     internal one (the manifest's scheme) by the group every VM of the application carries, and
     no address range (0.0.0.0/0 least of all) unless the deploy passed InternalClientCidr; an
     internet-facing one by the caller's group or a range holding the VPC's; and every target's
     instance group admits the load balancer's group on the target port.
Then a cross-check that the declaration misses nothing: every `host:port` in a container's env
values, command or args whose host's first label names a service of the manifest must be declared.

Closes with `reachability totals calls=N reached=M failed=K` (K counts failed calls and undeclared
host:port uses); exits 1 when K > 0.
"""

import argparse
import ipaddress
import sys

import boto3
import yaml

import check_stateful
import client_sources
import manifest_model

RESOLV_PATH = "etc/i2kit/resolv.conf"
RESOLV_BIND_SOURCE = "/etc/i2kit/resolv.conf"
# The Amazon resolver answers for the VPC's private zones at this address in every VPC (and at
# the VPC CIDR base + 2, accepted too); any other nameserver would not see cluster.local.
AMAZON_RESOLVER = "169.254.169.253"


def normalise(name):
    name = (name or "").lower().rstrip(".")
    return name[len("dualstack.") :] if name.startswith("dualstack.") else name


def paginate(client, operation, key, **kwargs):
    """All items of a paginated describe/list call (moto pages some of them)."""
    if client.can_paginate(operation):
        items = []
        for page in client.get_paginator(operation).paginate(**kwargs):
            items += page.get(key) or []
        return items
    return client.__getattribute__(operation)(**kwargs).get(key) or []


# ---------------------------------------------------------------- resolver (glibc rules)


def read_resolver(linuxkit_path, containers):
    """(nameservers, search, ndots, problems) from the caller's LinuxKit file; problems lists what
    would keep a pod container off that config (no file entry, a container not binding it)."""
    problems = []
    try:
        with open(linuxkit_path, encoding="utf-8") as handle:
            build = yaml.safe_load(handle) or {}
    except OSError as error:
        return [], [], 1, [f"no LinuxKit file: {error}"]
    entry = next((f for f in build.get("files") or [] if str(f.get("path", "")).lstrip("/") == RESOLV_PATH), None)
    if entry is None:
        return [], [], 1, [f"no files: entry {RESOLV_PATH}"]
    nameservers, search, ndots = [], [], 1  # glibc's defaults: no search list, ndots 1
    for line in str(entry.get("contents", "")).splitlines():
        words = line.split()
        if not words or words[0].startswith(("#", ";")):
            continue
        if words[0] == "nameserver":
            nameservers += words[1:2]
        elif words[0] in ("search", "domain"):
            search = words[1:]  # the last search/domain line wins, as in glibc
        elif words[0] == "options":
            for option in words[1:]:
                if option.startswith("ndots:"):
                    ndots = min(15, int(option.split(":", 1)[1]))
    # Every pod container (service or onboot entry named after a manifest container) must bind it.
    entries = {e.get("name"): e for section in ("onboot", "services") for e in build.get(section) or []}
    for name in containers:
        binds = [str(b) for b in (entries.get(name) or {}).get("binds") or []]
        if name not in entries:
            problems.append(f"container {name} is not in the LinuxKit file")
        elif not any(b.split(":")[:2] == [RESOLV_BIND_SOURCE, "/etc/resolv.conf"] for b in binds):
            problems.append(f"container {name} does not bind {RESOLV_BIND_SOURCE} to /etc/resolv.conf (binds {binds})")
    return nameservers, search, ndots, problems


def candidates(name, search, ndots):
    """The fully qualified names glibc's res_search tries, in order."""
    if name.endswith("."):
        return [name]
    absolute = name + "."
    searched = [f"{name}.{domain.rstrip('.')}." for domain in search]
    return [absolute] + searched if name.count(".") >= ndots else searched + [absolute]


# ---------------------------------------------------------------- the deployed state


class Deployed:
    """Everything the checks read, fetched once per stack."""

    def __init__(self, endpoint, stack_name):
        session = boto3.session.Session()
        client = lambda service: session.client(service, endpoint_url=endpoint)  # noqa: E731
        self.ec2, self.elbv2, self.elb = client("ec2"), client("elbv2"), client("elb")
        self.route53, self.asg, cfn = client("route53"), client("autoscaling"), client("cloudformation")
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
        self.vpc_id = parameters.get("VpcId")
        self.vpc_cidrs = [
            ipaddress.ip_network(a["CidrBlock"])
            for v in self.ec2.describe_vpcs(VpcIds=[self.vpc_id])["Vpcs"]
            for a in v.get("CidrBlockAssociationSet") or [{"CidrBlock": v["CidrBlock"]}]
        ]
        resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
        self.resources = resources
        group_names = [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::AutoScaling::AutoScalingGroup"]
        groups = []
        for start in range(0, len(group_names), 50):
            groups += self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=group_names[start : start + 50])["AutoScalingGroups"]
        # deployment name -> its ASG, by the tag the design puts on every group.
        self.groups = {}
        for group in groups:
            tags = {t["Key"]: t["Value"] for t in group.get("Tags", [])}
            if "i2kit:deployment" in tags:
                self.groups[tags["i2kit:deployment"]] = group
        self.zones = self._private_zones()
        self.v2 = {normalise(b["DNSName"]): b for b in paginate(self.elbv2, "describe_load_balancers", "LoadBalancers")}
        self.classic = {normalise(b["DNSName"]): b for b in paginate(self.elb, "describe_load_balancers", "LoadBalancerDescriptions")}
        self._instance_groups = {}

    def physical_ids(self, resource_type):
        return {r["PhysicalResourceId"] for r in self.resources if r["ResourceType"] == resource_type}

    def _private_zones(self):
        """[(zone name, records)] of the private zones associated with the stack's VPC."""
        zones = []
        for zone in paginate(self.route53, "list_hosted_zones", "HostedZones"):
            if not (zone.get("Config") or {}).get("PrivateZone"):
                continue
            described = self.route53.get_hosted_zone(Id=zone["Id"])
            if not any(v.get("VPCId") == self.vpc_id for v in described.get("VPCs") or []):
                continue
            records = paginate(self.route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone["Id"])
            zones.append((zone["Name"].lower(), records))
        return zones

    def lookup(self, fqdn):
        """The A record Route 53 answers for fqdn from this VPC: the most specific private zone
        that contains the name decides (no fall-through to a less specific one), else None."""
        fqdn = fqdn.lower()
        holding = [z for z in self.zones if fqdn == z[0] or fqdn.endswith("." + z[0])]
        if not holding:
            return None
        longest = max(len(z[0]) for z in holding)
        for name, records in holding:
            if len(name) != longest:
                continue
            for record in records:
                if record["Name"].lower() == fqdn and record["Type"] == "A":
                    return record
        return None

    def lookup_cname(self, fqdn):
        """The CNAME record Route 53 answers for fqdn from this VPC, as lookup() finds A records."""
        fqdn = fqdn.lower()
        holding = [z for z in self.zones if fqdn == z[0] or fqdn.endswith("." + z[0])]
        if not holding:
            return None
        longest = max(len(z[0]) for z in holding)
        return next((r for name, records in holding if len(name) == longest
                     for r in records if r["Name"].lower() == fqdn and r["Type"] == "CNAME"), None)

    def instance_groups(self, deployment):
        """Security groups of a deployment's VMs, from its ASG's launch template version (moto
        launches members in the default group, so instances would not tell; FIELD-NOTES)."""
        if deployment not in self._instance_groups:
            if deployment in self.groups:
                found = client_sources.launch_template_groups(self.ec2, self.groups[deployment])
            else:
                # A StatefulSet's ordinals carry their groups on the instance (check_stateful).
                found = sorted({g["GroupId"] for pod, instances in check_stateful.ordinal_instances(self).items()
                                if pod and pod.rsplit("-", 1)[0] == deployment
                                for instance in instances for nic in instance.get("NetworkInterfaces") or []
                                for g in nic.get("Groups") or []})
            self._instance_groups[deployment] = found
        return self._instance_groups[deployment]

    def application_groups(self, deployments):
        """The group the VMs of every one of `deployments` carry that admits nothing itself."""
        return client_sources.application_groups(self.ec2, [self.groups[d] for d in deployments if d in self.groups])

    def rules(self, group_ids, key="IpPermissions"):
        """The ingress rules of group_ids (or, with key "IpPermissionsEgress", their egress
        rules: a VM's outbound rules are the union over every group it carries)."""
        if not group_ids:
            return []
        described = self.ec2.describe_security_groups(GroupIds=list(group_ids))["SecurityGroups"]
        return [rule for group in described for rule in group.get(key, [])]


def covers_port(rule, ip_protocol, port):
    """Does the rule's protocol and port range take ip_protocol/port ("-1": every protocol and
    port)?"""
    if rule.get("IpProtocol") == "-1":
        return True
    if rule.get("IpProtocol") != ip_protocol:
        return False
    return rule.get("FromPort") is None or rule["FromPort"] <= port <= rule["ToPort"]


def admits(rules, ip_protocol, port, source_groups=(), vpc_cidrs=()):
    """Does any ingress rule let ip_protocol/port in from one of source_groups, or from a CIDR
    holding one of vpc_cidrs (the caller's VMs have addresses of the VPC)?"""
    for rule in rules:
        if not covers_port(rule, ip_protocol, port):
            continue
        if {p.get("GroupId") for p in rule.get("UserIdGroupPairs", [])} & set(source_groups):
            return True
        for r in rule.get("IpRanges", []):
            network = ipaddress.ip_network(r["CidrIp"], strict=False)
            if any(cidr.subnet_of(network) for cidr in vpc_cidrs):
                return True
    return False


# ---------------------------------------------------------------- checks


class Report:
    def __init__(self):
        self.failures = 0

    def line(self, condition, what, detail=""):
        if condition:
            print(f"  ok    {what}")
        else:
            self.failures += 1
            print(f"  FAIL  {what}{': ' + detail if detail else ''}")
        return bool(condition)


def manifest_service(services, names):
    """The manifest's service a candidate list means (Kubernetes DNS: svc.ns.svc.cluster.local.)."""
    by_record = {f"{s['name']}.{s['namespace']}.svc.cluster.local.": s for s in services}
    return next((by_record[c.lower()] for c in names if c.lower() in by_record), None)


def could_admit(rules, ip_protocol, port, source_groups, vpc_cidrs):
    """Could any ingress rule let ip_protocol/port in from one of source_groups, or from an
    address range that overlaps the VPC (a VM of the caller could land there)?"""
    for rule in rules:
        if not covers_port(rule, ip_protocol, port):
            continue
        if {p.get("GroupId") for p in rule.get("UserIdGroupPairs", [])} & set(source_groups):
            return True
        for r in rule.get("IpRanges", []) + rule.get("Ipv6Ranges", []):
            network = ipaddress.ip_network(r.get("CidrIp") or r.get("CidrIpv6"), strict=False)
            if any(cidr.version == network.version and cidr.overlaps(network) for cidr in vpc_cidrs):
                return True
    return False


def check_policed_call(report, label, deployed, caller, callee_deployments, verdicts, call, balancer_rules, balancer_groups,
                       ip_protocol, port, target_ports):
    """Step d for a call to Deployments a NetworkPolicy isolates: the manifest's policies decide
    (manifest_model.ingress_verdict, Kubernetes' rules), and the deployed groups must let the call
    through exactly when they admit it: the load balancer's group admits one of the caller's groups
    (or a range holding the VPC's) on the listener port, and every target admits the load
    balancer on the target port."""
    decisions = {b: manifest_model.verdict_admits(v, caller, deployed.vpc_cidrs) for b, v in verdicts.items()}
    if not report.line(None not in decisions.values(), f"{label}: d. the policies decide the call wherever {caller['name']}'s VMs land in the VPC",
                       f"decisions {decisions}: an ipBlock splits the VPC's range"):
        return False
    allowed = all(decisions.values())
    expected = not call.get("denied", False)
    ok = report.line(allowed == expected, f"{label}: d. the manifest's NetworkPolicies {'admit' if allowed else 'refuse'} it, as the calls file says",
                     f"calls file says {'allowed' if expected else 'denied'}")
    caller_groups = deployed.instance_groups(caller["name"])
    targets_admit = all(
        admits(deployed.rules(deployed.instance_groups(backend)), ip_protocol, target_port, balancer_groups)
        for backend in callee_deployments for target_port in target_ports
    )
    if allowed:
        ok &= report.line(admits(balancer_rules, ip_protocol, port, caller_groups, deployed.vpc_cidrs),
                          f"{label}: d. the load balancer's security group admits {caller['name']} on {ip_protocol} {port}",
                          f"load balancer groups {balancer_groups}, caller groups {caller_groups}")
        ok &= report.line(targets_admit, f"{label}: d. every target's instance group admits the load balancer on {ip_protocol} {sorted(target_ports)}")
    else:
        through = could_admit(balancer_rules, ip_protocol, port, caller_groups, deployed.vpc_cidrs) and targets_admit
        ok &= report.line(not through, f"{label}: d. the deployed security groups do NOT let {caller['name']} through on {ip_protocol} {port}",
                          f"load balancer groups {balancer_groups} admit one of {caller_groups} or a range overlapping the VPC, and the targets admit the load balancer")
    return bool(ok)


def check_forwarding(report, deployed, label, name, record, expected, port):
    """Steps a (the answer aliases a load balancer), b and c; None when one the others need failed,
    else what step d reads."""
    ok = True
    alias = record.get("AliasTarget") or {}
    balancer_dns = normalise(alias.get("DNSName"))
    v2, classic = deployed.v2.get(balancer_dns), deployed.classic.get(balancer_dns)
    if not report.line(v2 or classic, f"{label}: a. {name} aliases a load balancer", f"record {record}"):
        return None

    # b. a listener on the called port
    if v2:
        listeners = paginate(deployed.elbv2, "describe_listeners", "Listeners", LoadBalancerArn=v2["LoadBalancerArn"])
        listener = next((l for l in listeners if l["Port"] == port), None)
        balancer_groups = v2.get("SecurityGroups") or []
    else:
        listener = next((d["Listener"] for d in classic.get("ListenerDescriptions", []) if d["Listener"]["LoadBalancerPort"] == port), None)
        balancer_groups = classic.get("SecurityGroups") or []
    if not report.line(listener, f"{label}: b. the load balancer listens on {port}"):
        return None
    ip_protocol = "udp" if listener["Protocol"].upper() == "UDP" else "tcp"

    # c. forwarding to exactly the selected deployments' ASGs
    if v2:
        target_groups = {a.get("TargetGroupArn") for a in listener.get("DefaultActions", []) if a.get("Type") == "forward" and a.get("TargetGroupArn")}
        for action in listener.get("DefaultActions", []):
            target_groups |= {t.get("TargetGroupArn") for t in (action.get("ForwardConfig") or {}).get("TargetGroups", [])}
        described = deployed.elbv2.describe_target_groups(TargetGroupArns=sorted(target_groups))["TargetGroups"] if target_groups else []
        target_ports = {tg["Port"] for tg in described}
        serving = {d for d, g in deployed.groups.items() if target_groups & set(g.get("TargetGroupARNs") or [])}
        # A StatefulSet's ordinals are registered one by one: it serves when all of them are.
        owners = check_stateful.ordinal_owners(deployed, deployed.documents)
        targets = {t["Target"]["Id"] for arn in target_groups
                   for t in deployed.elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]}
        for owner in set(owners.values()):
            ordinals = {i for i, o in owners.items() if o == owner}
            if ordinals and ordinals <= targets:
                serving.add(owner)
    else:
        target_ports = {listener["InstancePort"]}
        serving = {d for d, g in deployed.groups.items() if classic["LoadBalancerName"] in (g.get("LoadBalancerNames") or [])}
    wanted = set(expected["backends"]) if expected else set()
    ok &= report.line(serving and serving == wanted, f"{label}: c. port {port} forwards to the VMs of {sorted(wanted)} and no other",
                      f"ASGs, or every ordinal's instance, of {sorted(serving)}")
    return {"ok": bool(ok), "balancer_groups": balancer_groups, "ip_protocol": ip_protocol,
            "target_ports": target_ports, "serving": serving, "wanted": wanted}


def callee_verdicts(policies, deployments, expected, wanted, port):
    """{backend: whom its NetworkPolicies admit on the called listener's target port, None when
    nothing isolates it}."""
    manifest_listener = next((l for l in (expected or {}).get("listeners", []) if l["port"] == port), None)
    if manifest_listener is None:
        return {}
    udp = manifest_listener["target_protocol"] == "UDP"
    return {b: manifest_model.ingress_verdict(policies, deployments, d, manifest_listener["target_port"], udp)
            for b in wanted for d in deployments if d["name"] == b}


def outside_range(caller):
    """The address range a call comes from when its caller is no Deployment but addresses outside
    the application (`from: 203.0.113.0/24`), else None."""
    try:
        return ipaddress.ip_network(caller, strict=False)
    except ValueError:
        return None


def check_outside_call(report, deployed, deployments, services, call, outside, host, port, given, policies):
    """Steps a-d for a call from an address range outside the application (no VM of the stack, and
    outside the VPC). It has no resolver of ours: the host names a Service as svc.ns (or longer),
    and the check follows that Service's private record to its load balancer, where the Service's
    address (or public name) leads too. Step d: the manifest decides (manifest_model.address_admits
    over the NetworkPolicies that isolate the backends; where none does, only an internet-facing
    load balancer, the manifest's source ranges or the deploy's InternalClientCidr let such an
    address in), and the deployed groups must let the call through exactly when it does."""
    label = f"{outside} -> {host}:{port}"
    if not report.line(not any(outside.overlaps(c) for c in deployed.vpc_cidrs if c.version == outside.version),
                       f"{label}: the caller's range lies outside the VPC", f"VPC ranges {deployed.vpc_cidrs}"):
        return False
    expected = manifest_service(services, candidates(host, ["svc.cluster.local", "cluster.local"], 5))
    if not report.line(expected, f"{label}: a. {host} names a Service of the manifest (svc.ns or longer)"):
        return False
    name = f"{expected['name']}.{expected['namespace']}.svc.cluster.local."
    record = deployed.lookup(name)
    if not report.line(record, f"{label}: a. {name} resolves in a private zone of {deployed.vpc_id}"):
        return False
    forwarding = check_forwarding(report, deployed, label, name, record, expected, port)
    if forwarding is None:
        return False
    ok = forwarding["ok"]
    balancer_groups, ip_protocol, target_ports, serving, wanted = (
        forwarding[k] for k in ("balancer_groups", "ip_protocol", "target_ports", "serving", "wanted"))
    balancer_rules = deployed.rules(balancer_groups)
    verdicts = callee_verdicts(policies, deployments, expected, wanted, port)
    if any(v is not None for v in verdicts.values()):
        decisions = {b: manifest_model.address_admits(v, outside) for b, v in verdicts.items()}
        if not report.line(None not in decisions.values(), f"{label}: d. the policies decide the call for every address of {outside}",
                           f"decisions {decisions}: an ipBlock splits the range"):
            return False
        allowed, judge = all(decisions.values()), "the manifest's NetworkPolicies"
    else:
        ranges = expected["source_ranges"] or ([] if expected["public"] or not given[0] else [given[0]])
        allowed = (expected["public"] and not ranges) or any(
            outside.version == r.version and outside.subnet_of(r) for r in map(lambda r: ipaddress.ip_network(r, strict=False), ranges))
        judge = "the load balancer's scheme and ranges (no NetworkPolicy restricts who calls this port)"
    wanted_allowed = not call.get("denied", False)
    ok &= report.line(allowed == wanted_allowed, f"{label}: d. {judge} {'admit' if allowed else 'refuse'} it, as the calls file says",
                      f"calls file says {'allowed' if wanted_allowed else 'denied'}")
    targets_admit = all(
        admits(deployed.rules(deployed.instance_groups(backend)), ip_protocol, target_port, balancer_groups)
        for backend in sorted(serving | wanted) for target_port in sorted(target_ports)
    )
    if allowed:
        ok &= report.line(admits(balancer_rules, ip_protocol, port, (), [outside]),
                          f"{label}: d. the load balancer's security group admits {outside} on {ip_protocol} {port}", f"load balancer groups {balancer_groups}")
        ok &= report.line(targets_admit, f"{label}: d. every target's instance group admits the load balancer on {ip_protocol} {sorted(target_ports)}")
    else:
        through = could_admit(balancer_rules, ip_protocol, port, (), [outside]) and targets_admit
        ok &= report.line(not through, f"{label}: d. the deployed security groups do NOT let {outside} through on {ip_protocol} {port}",
                          f"load balancer groups {balancer_groups} admit a range overlapping {outside}, and the targets admit the load balancer")
    return bool(ok)


def check_external_name_call(report, deployed, label, caller, name, record, port, external):
    """A call whose name the resolver answers with a CNAME: it must be the manifest's
    ExternalName Service of that name, pointing where the manifest says; the call then leaves
    the application, so the caller's security groups must let it out to any address on the port
    (the external host's addresses are not the application's to know)."""
    want = (external or {}).get(name.lower())
    ok = report.line(want is not None, f"{label}: a. {name} is an ExternalName Service of the manifest", f"record {record}")
    values = [normalise(r.get("Value")) for r in record.get("ResourceRecords") or []]
    ok &= report.line(want is not None and values == [want], f"{label}: a. {name} is a CNAME of {want}", f"got {values}")
    outbound = deployed.rules(deployed.instance_groups(caller), "IpPermissionsEgress")
    anywhere = ipaddress.ip_network("0.0.0.0/0")
    ok &= report.line(admits(outbound, "tcp", port, (), [anywhere]),
                      f"{label}: e. {caller}'s security groups let it out to any address on tcp {port}", f"egress {outbound}")
    return bool(ok)


def check_endpoint_call(report, deployed, label, caller, name, record, port, addresses, policies):
    """A call to a Service without a selector: the record lists exactly the ready addresses of
    its Endpoints or EndpointSlices, and the caller's security groups let it out to each
    address its NetworkPolicies allow, and to none they do not (no load balancer on the way;
    the addresses are outside the application, so nothing of the stack admits them)."""
    values = sorted(r["Value"] for r in record.get("ResourceRecords") or [])
    ok = report.line(values == addresses, f"{label}: b. {name} lists the ready addresses {addresses}", f"got {values}")
    outbound = deployed.rules(deployed.instance_groups(caller["name"]), "IpPermissionsEgress")
    for address in addresses:
        allowed = manifest_model.egress_to_address(policies, caller, address, port) is not False
        through = admits(outbound, "tcp", port, (), [ipaddress.ip_network(f"{address}/32")])
        verb = "let" if allowed else "do NOT let"
        ok &= report.line(through == allowed, f"{label}: e. {caller['name']}'s security groups {verb} it out to {address} on tcp {port}",
                          f"egress {outbound}")
    return bool(ok)


def check_call(report, deployed, deployments, services, out_dir, call, given=("", ""), policies=(), external=None,
               outside_names=None):
    """Steps a-d for one call; True when every step passed."""
    caller, target = str(call.get("from", "")), str(call.get("to", ""))
    label = f"{caller} -> {target}"
    host, _, port_text = target.rpartition(":")
    if not report.line(host and port_text.isdigit(), f"{label}: declared as host:port", repr(call)):
        return False
    port = int(port_text)
    outside = outside_range(caller)
    if outside is not None:
        return check_outside_call(report, deployed, deployments, services, call, outside, host, port, given, policies)
    caller_deployment = next((d for d in deployments if d["name"] == caller), None)
    if not report.line(caller_deployment, f"{label}: the caller is a deployment of the manifest"):
        return False
    ok = True

    # a. resolution, with the caller's own resolver configuration
    containers = [c["name"] for c in caller_deployment["containers"]]
    nameservers, search, ndots, problems = read_resolver(f"{out_dir}/{caller}.linuxkit.yml", containers)
    base_plus_two = {str(c.network_address + 2) for c in deployed.vpc_cidrs}
    ok &= report.line(nameservers[:1] and nameservers[0] in {AMAZON_RESOLVER} | base_plus_two,
                      f"{label}: a. {caller}'s resolv.conf asks the Amazon resolver first", f"nameservers {nameservers}")
    ok &= report.line(not problems, f"{label}: a. every pod container of {caller} uses {RESOLV_PATH}", "; ".join(problems))
    names = candidates(host, search, ndots)
    cname = next(((name, deployed.lookup_cname(name)) for name in names if deployed.lookup(name) or deployed.lookup_cname(name)), None)
    if cname and cname[1]:
        return bool(ok) & check_external_name_call(report, deployed, label, caller, cname[0], cname[1], port, external)
    expected = manifest_service(services, candidates(host, [f"{caller_deployment['namespace']}.svc.cluster.local", "svc.cluster.local", "cluster.local"], 5))
    record = next(((name, deployed.lookup(name)) for name in names if deployed.lookup(name)), None)
    if not report.line(record, f"{label}: a. resolves in a private zone of {deployed.vpc_id}", f"tried {names} (search {search}, ndots {ndots})"):
        return False
    name, record = record
    if name.lower() in (outside_names or {}):
        return bool(ok) & check_endpoint_call(report, deployed, label, caller_deployment, name, record, port,
                                              outside_names[name.lower()], policies)
    if record.get("ResourceRecords") and not record.get("AliasTarget"):
        return check_ordinal_call(report, deployed, caller, label, name, record, port, call.get("denied", False))
    if expected is not None:
        want = f"{expected['name']}.{expected['namespace']}.svc.cluster.local."
        ok &= report.line(name.lower() == want, f"{label}: a. the first answer is Service {expected['name']}'s record", f"got {name}, want {want}")
    ok &= report.line(expected is not None, f"{label}: a. {host} names a Service of the manifest", "no service record matches; the expected backends are unknown")
    forwarding = check_forwarding(report, deployed, label, name, record, expected, port)
    if forwarding is None:
        return False
    ok &= forwarding["ok"]
    balancer_groups, ip_protocol, target_ports, serving, wanted = (
        forwarding[k] for k in ("balancer_groups", "ip_protocol", "target_ports", "serving", "wanted"))

    # d. security groups on the way: caller -> load balancer -> every target. An internal load
    # balancer (the manifest's scheme) admits the caller by the group every VM of the
    # application carries, and no address range unless the deploy passed one: a range
    # holding the VPC's would admit whatever is routed into the VPC too.
    caller_groups = deployed.instance_groups(caller)
    balancer_rules = deployed.rules(balancer_groups)
    verdicts = callee_verdicts(policies, deployments, expected, wanted, port)
    manifest_listener = next((l for l in (expected or {}).get("listeners", []) if l["port"] == port), None)
    # e. the caller's own groups let the call out (NetworkPolicy egress): the same rule shapes
    # as ingress, with the load balancer's groups (or a range holding the VPC's) as destination.
    if manifest_listener is not None:
        udp = manifest_listener["target_protocol"] == "UDP"
        callees = [d for d in deployments if d["name"] in wanted]
        egress = manifest_model.egress_verdict(policies, deployments, caller_deployment, callees,
                                               manifest_listener["target_port"], udp, deployed.vpc_cidrs)
        outbound = deployed.rules(caller_groups, "IpPermissionsEgress")
        if egress is False:
            ok &= report.line(call.get("denied", False), f"{label}: e. {caller}'s NetworkPolicies do not let it call {sorted(wanted)}, as the calls file says",
                              "calls file says allowed")
            ok &= report.line(not could_admit(outbound, ip_protocol, port, balancer_groups, deployed.vpc_cidrs),
                              f"{label}: e. {caller}'s security groups do NOT let it out to the load balancer on {ip_protocol} {port}",
                              f"caller groups {caller_groups} allow {outbound}")
            return bool(ok)
        if egress is True or egress is None:
            ok &= report.line(admits(outbound, ip_protocol, port, balancer_groups, deployed.vpc_cidrs),
                              f"{label}: e. {caller}'s security groups let it out to the load balancer on {ip_protocol} {port}",
                              f"caller groups {caller_groups} allow {outbound}")
        else:
            ok &= report.line(False, f"{label}: e. {caller}'s egress is decided by an ipBlock overlapping the VPC", "a fixture must not depend on that")
    if any(v is not None for v in verdicts.values()):
        return bool(ok) & check_policed_call(report, label, deployed, caller_deployment, sorted(serving | wanted), verdicts, call,
                                             balancer_rules, balancer_groups, ip_protocol, port, sorted(target_ports))
    ok &= report.line(not call.get("denied"), f"{label}: d. no NetworkPolicy isolates the callee, so the call cannot be denied", "the calls file says denied")
    if expected is not None and not expected["public"]:
        application = deployed.application_groups([d["name"] for d in deployments])
        ok &= report.line(
            admits(balancer_rules, ip_protocol, port, application & set(caller_groups)),
            f"{label}: d. the internal load balancer's security group admits {caller} by the application's group on {ip_protocol} {port}",
            f"load balancer groups {balancer_groups}, caller groups {caller_groups}, the application's group {sorted(application)}",
        )
        line = lambda condition, what, detail: report.line(condition, f"{label}: d. {what}", detail)  # noqa: E731
        callers = client_sources.InternalCallers(application, *given)
        if expected["source_ranges"]:
            # The manifest's ranges replace the deploy's InternalClient* parameters there.
            ok &= client_sources.check_ranged(line, balancer_rules, ip_protocol, port, expected["source_ranges"], False, callers)
        else:
            ok &= client_sources.check_internal(line, balancer_rules, ip_protocol, port, callers)
    else:
        ok &= report.line(
            admits(balancer_rules, ip_protocol, port, caller_groups, deployed.vpc_cidrs),
            f"{label}: d. the load balancer's security group admits {caller} on {ip_protocol} {port}",
            f"load balancer groups {balancer_groups}, caller groups {caller_groups}",
        )
    for backend in sorted(serving | wanted):
        groups = deployed.instance_groups(backend)
        for target_port in sorted(target_ports) or [None]:
            ok &= report.line(
                target_port is not None and admits(deployed.rules(groups), ip_protocol, target_port, balancer_groups),
                f"{label}: d. {backend}'s instance security group admits the load balancer on {ip_protocol} {target_port}",
                f"instance groups {groups}, load balancer groups {balancer_groups}",
            )
    return bool(ok)


def check_ordinal_call(report, deployed, caller, label, name, record, port, denied=False):
    """A call to a headless Service's name (every ordinal) or to one ordinal's
    (`<set>-<i>.<svc>.<ns>.svc.cluster.local`): the record lists exactly the private addresses
    of the ordinals the manifest says the name means, each ordinal's groups admit the caller's
    VMs on the port, and the caller's groups let the call out to them (no load balancer on the
    way)."""
    expected_pods = []
    for stateful_set in check_stateful.stateful_sets(deployed.documents):
        for service in check_stateful.headless_services(deployed.documents, stateful_set):
            domain = f"{service}.{stateful_set['namespace']}.svc.cluster.local."
            if name.lower() == domain:
                expected_pods += stateful_set["pods"]
            if service == stateful_set.get("service_name"):
                expected_pods += [pod for pod in stateful_set["pods"] if name.lower() == f"{pod}.{domain}"]
    ok = report.line(expected_pods, f"{label}: a. {name} names a headless Service of StatefulSets, or one of their ordinals")
    instances = check_stateful.ordinal_instances(deployed)
    ordinals = [instance for pod in expected_pods for instance in instances.get(pod) or []]
    addresses = sorted(r["Value"] for r in record["ResourceRecords"])
    ok &= report.line(addresses == sorted(i["PrivateIpAddress"] for i in ordinals) and len(ordinals) == len(expected_pods),
                      f"{label}: b. the record lists exactly the private addresses of {', '.join(expected_pods)}",
                      f"got {addresses}")
    caller_groups = deployed.instance_groups(caller)
    outbound = deployed.rules(caller_groups, "IpPermissionsEgress")
    for instance in ordinals:
        groups = [g["GroupId"] for nic in instance.get("NetworkInterfaces") or [] for g in nic.get("Groups") or []]
        pod = {t["Key"]: t["Value"] for t in instance.get("Tags") or []}.get("i2kit-pod-name")
        admitted = admits(deployed.rules(groups), "tcp", port, caller_groups)
        if denied:
            # The calls file says a NetworkPolicy refuses it (check_stateful checks the rules).
            ok &= report.line(not admitted, f"{label}: d. {pod}'s security groups do NOT admit {caller} on tcp {port}",
                              f"ordinal groups {groups}, caller groups {caller_groups}")
            continue
        ok &= report.line(admitted, f"{label}: d. {pod}'s security groups admit {caller} on tcp {port}",
                          f"ordinal groups {groups}, caller groups {caller_groups}")
        ok &= report.line(admits(outbound, "tcp", port, groups, deployed.vpc_cidrs),
                          f"{label}: e. {caller}'s security groups let it out to {pod} on tcp {port}",
                          f"caller groups {caller_groups} allow {outbound}")
    return bool(ok)


def undeclared(report, deployments, services, calls):
    """host:port uses in env, command and args that name a service but are not declared."""
    misses = 0
    service_names = {s["name"] for s in services}
    declared = {(str(c.get("from")), str(c.get("to")).lower()) for c in calls}
    for deployment in deployments:
        for container in deployment["containers"]:
            for text in container["env"] + container["argv"]:
                for host, port in manifest_model.host_ports(text):
                    if host.split(".")[0] not in service_names:
                        continue
                    use = f"{host}:{port}"
                    if not report.line((deployment["name"], use.lower()) in declared,
                                       f"{deployment['name']}/{container['name']} calls {use}: declared in the calls file",
                                       f"add `- from: {deployment['name']}` / `to: {use}`"):
                        misses += 1
    return misses


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--out-dir", required=True, help="i2kit compile's output directory (the LinuxKit files)")
    parser.add_argument("--calls", required=True)
    client_sources.add_arguments(parser)
    args = parser.parse_args()

    documents = manifest_model.load_documents(args.manifest)
    deployments, services = manifest_model.read_application(documents)
    policies = manifest_model.network_policies(documents)
    external = manifest_model.external_names(documents)
    # StatefulSets call and are called, and NetworkPolicies select them, as Deployments.
    deployments = deployments + manifest_model.stateful_workloads(documents)
    with open(args.calls, encoding="utf-8") as handle:
        calls = yaml.safe_load(handle) or []
    print(f"reachability: {args.stack}, {len(calls)} call(s) from {args.calls}")
    report = Report()
    deployed = Deployed(args.endpoint, args.stack)
    deployed.documents = documents
    reached = 0
    for call in calls:
        try:
            reached += check_call(report, deployed, deployments, services, args.out_dir, call,
                                  (args.internal_client_cidr, args.internal_client_security_group), policies, external,
                                  manifest_model.endpoint_names(documents))
        except Exception as error:  # noqa: BLE001 - one broken call must not hide the others
            report.line(False, f"{call}: checked", f"{type(error).__name__}: {error}")
    misses = undeclared(report, deployments, services, calls)
    failed = len(calls) - reached + misses
    print(f"reachability totals calls={len(calls)} reached={reached} failed={failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
