"""Who may call a load balancer, judged on the deployed state (used by assert_stack.py,
check_ingress.py and reachability.py).

The manifest decides the scheme (manifest_model); the scheme decides the callers:
  - internet-facing: anyone (0.0.0.0/0, and ::/0 when dual-stack);
  - internal: the application's own VMs, by the one security group all of them carry, plus
    exactly what the suite passed to the deploy on purpose (the InternalClientCidr range, the
    InternalClientSecurityGroupId group; never the parameters' defaults, which are the
    template's), and no address range otherwise: not 0.0.0.0/0, not the VPC's range, since an
    address routed into the VPC (peering, Transit Gateway, VPN) is no VM of the application.
With source ranges written in the manifest (loadBalancerSourceRanges, else the
load-balancer-source-ranges annotation; an Ingress's inbound-cidrs on its listen ports, read by
manifest_model), a listener admits exactly those ranges, IPv4 and IPv6, plus the application's
group when internal: no 0.0.0.0/0 and none of the deploy's InternalClient* parameters.
The application's group is found without reading the template: the groups every Deployment's
launch template attaches, less those that admit anything themselves (a Deployment's own group
admits its load balancers).
"""


def launch_template_groups(ec2, asg):
    """Security groups of an Auto Scaling group's launch template version (moto launches
    members in the default group, so the template is what the VMs would get; FIELD-NOTES)."""
    template = asg.get("LaunchTemplate") or {}
    if not template:
        return []
    versions = ec2.describe_launch_template_versions(
        LaunchTemplateId=template["LaunchTemplateId"], Versions=[str(template.get("Version", "$Latest"))]
    )["LaunchTemplateVersions"]
    data = versions[0]["LaunchTemplateData"] if versions else {}
    found = list(data.get("SecurityGroupIds") or [])
    for interface in data.get("NetworkInterfaces") or []:
        found += interface.get("Groups") or []
    return found


def application_groups(ec2, asgs):
    """The groups every one of `asgs` (the stack's Deployments) attaches that admit nothing."""
    common = None
    for asg in asgs:
        groups = set(launch_template_groups(ec2, asg))
        common = groups if common is None else common & groups
    if not common:
        return set()
    described = ec2.describe_security_groups(GroupIds=sorted(common))["SecurityGroups"]
    return {g["GroupId"] for g in described if not g.get("IpPermissions")}


class InternalCallers:
    """Who an internal load balancer must admit: the application's group (application_groups:
    exactly one is expected), and what the suite passed to the deploy on purpose; never the
    stack's own parameter values, whose defaults are the template's to get wrong."""

    def __init__(self, application, cidr="", group=""):
        self.application = set(application)
        self.cidr = (cidr or "").strip()
        self.group = (group or "").strip()

    def expected(self):
        """(IPv4 ranges, IPv6 ranges, groups) an internal listener admits, exactly."""
        return ({self.cidr} if self.cidr else set()), set(), self.application | ({self.group} if self.group else set())

    def given(self):
        return sorted(v for v in (self.cidr, self.group) if v)


def add_arguments(parser):
    """The deploy's own InternalClientCidr and InternalClientSecurityGroupId, when it passed any."""
    parser.add_argument("--internal-client-cidr", default="", help="the InternalClientCidr the deploy passed, if any")
    parser.add_argument("--internal-client-security-group", default="", help="the InternalClientSecurityGroupId the deploy passed, if any")


def sources_on(rules, ip_protocol, port):
    """(IPv4 ranges, IPv6 ranges, groups) the rules admit ip_protocol/port from."""
    cidrs, ipv6, groups = set(), set(), set()
    for rule in rules:
        if rule.get("IpProtocol") not in (ip_protocol, "-1"):
            continue
        if rule.get("IpProtocol") != "-1" and rule.get("FromPort") is not None and not rule["FromPort"] <= port <= rule["ToPort"]:
            continue
        cidrs |= {r.get("CidrIp") for r in rule.get("IpRanges") or []}
        ipv6 |= {r.get("CidrIpv6") for r in rule.get("Ipv6Ranges") or []}
        groups |= {p.get("GroupId") for p in rule.get("UserIdGroupPairs") or []}
        groups |= {p.get("PrefixListId") for p in rule.get("PrefixListIds") or []}
    return cidrs, ipv6, groups


def split_ranges(ranges):
    """(IPv4 ranges, IPv6 ranges) of canonical CIDR strings."""
    return {r for r in ranges if ":" not in r}, {r for r in ranges if ":" in r}


def check_ranged(check, rules, ip_protocol, port, ranges, public, callers):
    """One check: a listener port the manifest restricts admits exactly its ranges (and the
    application's group when internal), and nothing else."""
    admitted = sources_on(rules, ip_protocol, port)
    ipv4, ipv6 = split_ranges(ranges)
    expected = (ipv4, ipv6, set() if public else callers.application)
    scheme = "internet-facing" if public else "internal"
    return check(
        (public or len(callers.application) == 1) and admitted == expected,
        f"{scheme} load balancer admits {ip_protocol} {port} only from the manifest's source ranges {sorted(ranges)}" + ("" if public else " and the application's security group"),
        f"admits ranges {sorted(admitted[0])} {sorted(admitted[1])} and groups {sorted(admitted[2])}",
    )


def check_internal(check, rules, ip_protocol, port, callers):
    """One check: an internal listener port admits the application's group and exactly what the
    deploy passed, and no range else (0.0.0.0/0 above all). `check(condition, what, detail)`."""
    admitted = sources_on(rules, ip_protocol, port)
    also = f" and the given {', '.join(callers.given())}" if callers.given() else ""
    return check(
        len(callers.application) == 1 and admitted == callers.expected(),
        f"internal load balancer admits {ip_protocol} {port} only from the application's security group{also} (no 0.0.0.0/0, no other range)",
        f"admits ranges {sorted(admitted[0])} {sorted(admitted[1])} and groups {sorted(admitted[2])}; the application's group {sorted(callers.application)}",
    )
