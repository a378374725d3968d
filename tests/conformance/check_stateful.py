"""StatefulSets of a deployed stack, against the manifest (called by assert_stack.py).

Expectations come from the manifest as the README's StatefulSets section states them, not from
the template: each ordinal `<set>-<i>` (from `ordinals.start`) has one instance of the stack
tagged `i2kit-pod-name: <set>-<i>`, launched from a launch template of the stack that lets IMDS
read instance tags; each `volumeClaimTemplates` entry one volume per ordinal, tagged with that
instance's id, in its zone, encrypted, of the size asked rounded up to GiB and of the type its
storage class names (gp3 by default); each headless Service selecting the set an A record per
ordinal (`<pod>.<svc>.<ns>.svc.cluster.local.` → its private IP) and one for the Service (every
ordinal's IP); and the ordinals admit the application's group on their container ports.
"""

import math
import re

import client_sources
import manifest_model

GIB = 1 << 30
BINARY = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50}
DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15}


def size_gib(quantity):
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(quantity))
    number, suffix = float(match.group(1)), match.group(2)
    factor = BINARY.get(suffix) or DECIMAL.get(suffix) or 1
    return math.ceil(number * factor / GIB)


def volume_type(documents, class_name):
    """The EBS type a claim of class_name gets (README, StatefulSets): the input's StorageClass
    of that name (its parameters.type; else gp3 for ebs.csi.aws.com, gp2 in-tree), the EBS type
    the name is, or with no name the input's default class, else gp3."""
    classes = [o for o in manifest_model.kubernetes_objects(documents) if o.get("kind") == "StorageClass"]
    def of(cls):
        parameters = {k.lower(): v for k, v in (cls.get("parameters") or {}).items()}
        return parameters.get("type") or ("gp2" if cls.get("provisioner") == "kubernetes.io/aws-ebs" else "gp3")
    if class_name is None:
        default = next((c for c in classes if ((c.get("metadata") or {}).get("annotations") or {}).get(
            "storageclass.kubernetes.io/is-default-class") == "true"), None)
        return of(default) if default else "gp3"
    named = next((c for c in classes if (c.get("metadata") or {}).get("name") == class_name), None)
    return of(named) if named else class_name


def stateful_sets(documents):
    """Each StatefulSet, and each Deployment that mounts a PersistentVolumeClaim (one ordinal,
    `<name>-0`): name, namespace, ordinal names, claims (name, GiB, type), labels, ports."""
    found = []
    for obj in manifest_model.kubernetes_objects(documents):
        if obj.get("kind") != "StatefulSet":
            continue
        metadata, spec = obj.get("metadata") or {}, obj.get("spec") or {}
        start = ((spec.get("ordinals") or {}).get("start")) or 0
        replicas = spec.get("replicas", 1)
        pod = (spec.get("template") or {}).get("spec") or {}
        claims = []
        for claim in spec.get("volumeClaimTemplates") or []:
            claim_spec = claim.get("spec") or {}
            storage = ((claim_spec.get("resources") or {}).get("requests") or {}).get("storage")
            claims.append((claim["metadata"]["name"], size_gib(storage), volume_type(documents, claim_spec.get("storageClassName"))))
        ports = sorted({(p["containerPort"], (p.get("protocol") or "TCP").lower())
                        for c in pod.get("containers") or [] for p in c.get("ports") or []})
        found.append({
            "name": metadata["name"],
            "namespace": metadata.get("namespace") or "default",
            "pods": [f"{metadata['name']}-{i}" for i in range(start, start + replicas)],
            "claims": claims,
            "labels": ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {},
            "ports": ports,
            # The pods' subdomain: the one Service under which each has a record of its own.
            "service_name": spec.get("serviceName"),
        })
    claims = {((o.get("metadata") or {}).get("namespace") or "default", (o.get("metadata") or {}).get("name")): o.get("spec") or {}
              for o in manifest_model.kubernetes_objects(documents) if o.get("kind") == "PersistentVolumeClaim"}
    for obj in manifest_model.kubernetes_objects(documents):
        if obj.get("kind") != "Deployment":
            continue
        metadata, spec = obj.get("metadata") or {}, obj.get("spec") or {}
        namespace = metadata.get("namespace") or "default"
        pod = (spec.get("template") or {}).get("spec") or {}
        used = [(v["name"], claims.get((namespace, v["persistentVolumeClaim"].get("claimName"))))
                for v in pod.get("volumes") or [] if (v or {}).get("persistentVolumeClaim")]
        if not used:
            continue
        ports = sorted({(p["containerPort"], (p.get("protocol") or "TCP").lower())
                        for c in pod.get("containers") or [] for p in c.get("ports") or []})
        found.append({
            "name": metadata["name"],
            "namespace": namespace,
            "pods": [f"{metadata['name']}-0"],
            # The volume is the pod volume's, sized and typed by the claim it names.
            "claims": [(volume, size_gib(((claim.get("resources") or {}).get("requests") or {}).get("storage")),
                        volume_type(documents, claim.get("storageClassName"))) for volume, claim in used if claim is not None],
            "labels": ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {},
            "ports": ports,
        })
    return found


def headless_services(documents, stateful_set):
    """The headless Services (clusterIP: None) that select the set, by name."""
    names = []
    for obj in manifest_model.kubernetes_objects(documents):
        spec = obj.get("spec") or {}
        metadata = obj.get("metadata") or {}
        if obj.get("kind") != "Service" or spec.get("clusterIP") != "None":
            continue
        selector = spec.get("selector") or {}
        if (metadata.get("namespace") or "default") == stateful_set["namespace"] and selector and all(
                stateful_set["labels"].get(k) == v for k, v in selector.items()):
            names.append(metadata["name"])
    return names


def names_ordinals(documents):
    return any(headless_services(documents, s) for s in stateful_sets(documents))


def ordinal_instances(stack):
    """The stack's instances by their i2kit-pod-name tag."""
    ids = sorted(stack.physical_ids("AWS::EC2::Instance"))
    if not ids:
        return {}
    reservations = stack.ec2.describe_instances(InstanceIds=ids)["Reservations"]
    found = {}
    for reservation in reservations:
        for instance in reservation["Instances"]:
            tags = {t["Key"]: t["Value"] for t in instance.get("Tags") or []}
            found.setdefault(tags.get("i2kit-pod-name"), []).append(instance)
    return found


def instance_groups(stack):
    """The security group ids of each of the stack's instances."""
    return [{g["GroupId"] for g in instance.get("SecurityGroups") or []}
            | {g["GroupId"] for nic in instance.get("NetworkInterfaces") or [] for g in nic.get("Groups") or []}
            for instances in ordinal_instances(stack).values() for instance in instances]


def ordinal_ids(stack, documents, set_names):
    """The instance ids of the ordinals of the StatefulSets named."""
    instances = ordinal_instances(stack)
    return [instance["InstanceId"] for s in stateful_sets(documents) if s["name"] in set_names
            for pod in s["pods"] for instance in instances.get(pod) or []]


def ordinal_owners(stack, documents):
    """Instance id → the StatefulSet whose ordinal it is."""
    instances = ordinal_instances(stack)
    return {instance["InstanceId"]: s["name"] for s in stateful_sets(documents)
            for pod in s["pods"] for instance in instances.get(pod) or []}


def records(stack, zone_id):
    found = {}
    paginator = stack.route53.get_paginator("list_resource_record_sets")
    for page in paginator.paginate(HostedZoneId=zone_id):
        for record in page["ResourceRecordSets"]:
            if record["Type"] == "A" and "ResourceRecords" in record:
                found[record["Name"]] = sorted(r["Value"] for r in record["ResourceRecords"])
    return found


def check(checks, stack, documents, zone_id, application):
    sets = stateful_sets(documents)
    if not sets:
        return
    instances = ordinal_instances(stack)
    templates = stack.physical_ids("AWS::EC2::LaunchTemplate")
    zone_records = records(stack, zone_id) if zone_id else {}
    # A headless Service's name lists every pod it selects, of every set (Kubernetes' DNS for
    # Services): the ordinals' addresses by set, for the records of Services over several.
    addresses_of = {s["name"]: [a["PrivateIpAddress"] for pod in s["pods"]
                                for a in (instances.get(pod) or [])[:1]] for s in sets}
    for stateful_set in sets:
        checks.prefix = f"{stack.name}/statefulset {stateful_set['name']}: "
        addresses = []
        for pod in stateful_set["pods"]:
            mine = instances.get(pod) or []
            if not checks.equal(len(mine), 1, f"{pod} has one instance"):
                continue
            instance = mine[0]
            addresses.append(instance["PrivateIpAddress"])
            launch = {t["Key"]: t["Value"] for t in instance.get("Tags") or []}.get("aws:ec2launchtemplate:id")
            if launch:
                checks.check(launch in templates, f"{pod} is launched from the stack's launch template", launch)
            zone = instance["Placement"]["AvailabilityZone"]
            volumes = stack.ec2.describe_volumes(Filters=[{"Name": "tag:i2kit-instance", "Values": [instance["InstanceId"]]}])["Volumes"]
            by_claim = {}
            for volume in volumes:
                tags = {t["Key"]: t["Value"] for t in volume.get("Tags") or []}
                by_claim.setdefault(tags.get("i2kit-claim"), []).append(volume)
            for claim, gib, kind in stateful_set["claims"]:
                found = by_claim.get(claim) or []
                if not checks.equal(len(found), 1, f"{pod} has one volume for claim {claim}"):
                    continue
                volume = found[0]
                checks.equal(volume["AvailabilityZone"], zone, f"{pod}'s {claim} volume is in its instance's zone")
                checks.check(volume.get("Encrypted"), f"{pod}'s {claim} volume is encrypted")
                checks.equal(volume["Size"], gib, f"{pod}'s {claim} volume has the size asked")
                checks.equal(volume["VolumeType"], kind, f"{pod}'s {claim} volume is of the class's type")
        check_attach_policy(checks, stack, stateful_set, instances)
        groups = instance_groups(stack)
        for service in headless_services(documents, stateful_set):
            domain = f"{service}.{stateful_set['namespace']}.svc.cluster.local."
            selected = [a for other in sets if service in headless_services(documents, other)
                        and other["namespace"] == stateful_set["namespace"] for a in addresses_of[other["name"]]]
            checks.equal(zone_records.get(domain), sorted(selected), f"{domain} lists every ordinal it selects")
            for pod, address in zip(stateful_set["pods"], addresses):
                # Kubernetes names a pod only under its subdomain (the set's serviceName).
                if service == stateful_set.get("service_name"):
                    checks.equal(zone_records.get(f"{pod}.{domain}"), [address], f"{pod}.{domain} is its instance")
                else:
                    checks.check(f"{pod}.{domain}" not in zone_records,
                                 f"{pod}.{domain} does not exist: {pod}'s subdomain is {stateful_set.get('service_name')}")
            if application and groups:
                check_admission(checks, stack, documents, stateful_set, groups, application)


def check_attach_policy(checks, stack, stateful_set, instances):
    """The role the ordinals act as may attach each ordinal's volumes to that ordinal only:
    one statement per ordinal naming exactly its volumes and its instance, conditioned on the
    request coming from that instance; and finding volumes (DescribeVolumes) takes no more."""
    if not stateful_set["claims"]:
        return
    iam = stack.client("iam")
    documents = []
    for role in iam.list_roles()["Roles"]:
        for name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
            if name.endswith(f"-{stateful_set['name']}-volumes") and name.startswith(stack.name):
                documents.append(iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"])
    if not checks.equal(len(documents), 1, "one role policy lets the ordinals attach their volumes"):
        return
    statements = documents[0]["Statement"]
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        checks.check(set(actions) <= {"ec2:AttachVolume", "ec2:DescribeVolumes"}, "the volume policy allows only AttachVolume and DescribeVolumes", str(actions))
    for pod in stateful_set["pods"]:
        mine = instances.get(pod) or []
        if not mine:
            continue
        instance = mine[0]["InstanceId"]
        volumes = sorted(v["VolumeId"] for v in stack.ec2.describe_volumes(
            Filters=[{"Name": "tag:i2kit-instance", "Values": [instance]}])["Volumes"])
        attach = [st for st in statements if st.get("Action") == "ec2:AttachVolume"
                  and any(str(r).endswith(f":instance/{instance}") for r in st.get("Resource") or [])]
        if not checks.equal(len(attach), 1, f"{pod} has one attach statement"):
            continue
        resources = attach[0]["Resource"]
        named_volumes = sorted(str(r).rsplit("/", 1)[-1] for r in resources if ":volume/" in str(r))
        checks.equal(named_volumes, volumes, f"{pod}'s attach statement names exactly its volumes")
        source = (attach[0].get("Condition") or {}).get("ArnEquals", {}).get("ec2:SourceInstanceARN", "")
        checks.check(str(source).endswith(f":instance/{instance}"), f"{pod}'s attach statement holds only for requests from {pod}'s instance", str(source))


def check_admission(checks, stack, documents, stateful_set, groups, application):
    """Who the ordinals admit on each container port: the application's VMs, or, where a
    NetworkPolicy isolates the set, exactly the callers it names (manifest_model.ingress_verdict)
    and not the application's group."""
    described = stack.ec2.describe_security_groups(GroupIds=sorted(set().union(*groups)))["SecurityGroups"]
    policies = manifest_model.network_policies(documents)
    deployments, _ = manifest_model.read_application(documents)
    callee = next((o for o in manifest_model.kubernetes_objects(documents)
                   if o.get("kind") in ("StatefulSet", "Deployment") and (o.get("metadata") or {}).get("name") == stateful_set["name"]), None)
    callee = manifest_model.read_deployment(callee) if callee else None
    asgs = stack.auto_scaling_groups()
    for port, protocol in stateful_set["ports"]:
        rules = [rule for group in described for rule in group.get("IpPermissions") or []
                 if rule.get("IpProtocol") == protocol and rule.get("FromPort") == port]
        sources = {pair.get("GroupId") for rule in rules for pair in rule.get("UserIdGroupPairs") or []}
        verdict = manifest_model.ingress_verdict(policies, deployments, callee, port, protocol == "udp") if callee else None
        if verdict is None:
            checks.check(sources & application, f"the ordinals admit the application's VMs on {protocol} {port}")
            continue
        checks.equal(bool(sources & application), verdict["application"],
                     f"the ordinals admit the application's group on {protocol} {port} exactly when the NetworkPolicies do")
        for name in sorted(verdict["deployments"]):
            asg = next((g for g in asgs if {t["Key"]: t["Value"] for t in g.get("Tags") or []}.get("i2kit:deployment") == name), None)
            carried = set(client_sources.launch_template_groups(stack.ec2, asg)) if asg else set()
            checks.check(sources & (carried - application), f"the ordinals admit {name}'s VMs by a group of theirs on {protocol} {port}, as the NetworkPolicies do",
                         f"sources {sorted(sources)}, {name} carries {sorted(carried)}")
        ranges = {rule_range["CidrIp"] for rule in rules for rule_range in rule.get("IpRanges") or []}
        checks.equal(ranges, {str(b) for b in verdict["blocks"] if b.version == 4}, f"the ordinals admit exactly the policies' IPv4 blocks on {protocol} {port}")
        if not verdict["deployments"] and not verdict["application"] and not verdict["blocks"]:
            checks.equal(rules, [], f"the ordinals admit nobody on {protocol} {port}, as the NetworkPolicies say")
