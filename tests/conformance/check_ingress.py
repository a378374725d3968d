"""Ingress load balancers, judged on the deployed state (called from assert_stack.py).

For every load balancer the manifest's Ingresses ask for (manifest_model.read_ingresses: one per
Ingress or per group.name, re-derived from the AWS Load Balancer Controller's documented rules):
  - the load balancer: application, its scheme and address type, one listener per listen port
    with its protocol, HTTPS listeners' certificates (DescribeListenerCertificates);
  - routing: for probe requests (host, path) covering every rule (each path, a path below each
    prefix, a sibling a prefix must not match, a host no rule names), the deployed listener's
    rules are evaluated as an ALB does (priority order; host-header globs, case-insensitive;
    path-pattern globs; the default action last) and the outcome must be what Kubernetes'
    Ingress semantics give for that request (manifest_model.ingress_route): the target group of
    the expected Service, registered by exactly the Auto Scaling groups of the Deployments that
    Service selects, on the container port its targetPort names; or the ssl-redirect; or a 404;
  - each target group reached: protocol, protocol version (gRPC), health check;
  - security groups along the path: the load balancer admits its listener ports from the
    scheme's callers (0.0.0.0/0, and ::/0 when dual-stack, if internet-facing; if internal, the
    application's group and what the deploy passed besides: client_sources) and nothing else; each backend's launch template security groups admit the
    load balancer's group on the target and health check ports;
  - DNS: each rule host gets an alias record (A, and AAAA when dual-stack) to the load balancer
    exactly when the stack's hosted zone is one of its parent domains; otherwise none;
  - authentication: every probe's deployed actions start with the authenticate-oidc/-cognito
    action its backend asks for (the Service's auth-* annotations over the Ingress's, key by key,
    the controller's defaults otherwise), with the identity provider, scope, cookie, timeout and
    unauthenticated action written, the OIDC client id and secret the deploy passed as
    parameters (the secret a NoEcho parameter in the template), on an HTTPS listener; routes
    without auth-type, redirects and 404s carry none. moto stores authenticate actions without
    checking them (no HTTPS-only rule, no required fields), so the listener protocol and fields
    are checked here, and what ALB does with them (the sign-in redirect, the 401) is not;
  - WAF and Shield: moto has no CloudFormation model for AWS::WAFv2::WebACLAssociation or
    AWS::Shield::Protection and skips them, so they are checked in the stack's template only
    (GetTemplate): one association of the load balancer with the wafv2-acl-arn written, one
    protection when shield-advanced-protection is true; and reported as skipped on the deployed
    state.
Returns what assert_stack.py must add to its per-deployment checks: the target groups each
Deployment's group registers with and the sources its instance groups admit, and the load
balancers' DNS names (for the outputs check).
"""

import json
import re

import check_stateful
import client_sources
import manifest_model

CLAMPS = {
    "healthcheck-interval-seconds": ("interval", manifest_model.INTERVAL_RANGE),
    "healthcheck-timeout-seconds": ("timeout", manifest_model.TIMEOUT_RANGE),
    "healthy-threshold-count": ("healthy", manifest_model.THRESHOLD_RANGE),
    "unhealthy-threshold-count": ("unhealthy", manifest_model.THRESHOLD_RANGE),
}


def glob(pattern, text, ignore_case=False):
    """ALB condition globs: `*` any characters (slashes and dots too), `?` exactly one."""
    expression = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(expression, text, re.IGNORECASE if ignore_case else 0) is not None


def condition_matches(condition, host, path):
    field = condition.get("Field")
    config = condition.get("HostHeaderConfig") or condition.get("PathPatternConfig") or {}
    values = config.get("Values") or condition.get("Values") or []
    if field == "host-header":
        return any(glob(value, host, ignore_case=True) for value in values)
    if field == "path-pattern":
        return any(glob(value, path) for value in values)
    return False  # a condition this check cannot evaluate never counts as matched


TERMINAL_ACTIONS = ("forward", "redirect", "fixed-response")
# What the conformance deploy passes for an OIDC client (parameters.py), to find in the rules.
OIDC_CLIENT_ID = "conformance-oidc-client-id"
OIDC_CLIENT_SECRET = "conformance-oidc-client-secret"
# The controller's defaults (pkg/ingress/auth_config_builder.go).
AUTH_DEFAULTS = {"auth-scope": "openid", "auth-session-cookie": "AWSELBAuthSessionCookie",
                 "auth-session-timeout": "604800", "auth-on-unauthenticated-request": "authenticate"}


def ordered(actions):
    """Actions in the order ALB performs them: by Order, else by position (moto drops the Order
    of a listener's default forward)."""
    return [a for _, a in sorted(enumerate(actions or []), key=lambda pair: (int(pair[1].get("Order", pair[0] + 1)), pair[0]))]


def outcome(actions):
    """An ALB action list as ("forward", target group ARN) | ("redirect", port, protocol) |
    ("fixed", status): its terminal action (an authenticate action comes before it)."""
    action = next((a for a in ordered(actions) if a.get("Type") in TERMINAL_ACTIONS), {})
    kind = action.get("Type")
    if kind == "forward":
        arn = action.get("TargetGroupArn") or next(iter((action.get("ForwardConfig") or {}).get("TargetGroups") or [{}])).get("TargetGroupArn")
        return ("forward", arn)
    if kind == "redirect":
        config = action.get("RedirectConfig") or {}
        return ("redirect", int(config.get("Port", 0)), config.get("Protocol"))
    if kind == "fixed-response":
        return ("fixed", int((action.get("FixedResponseConfig") or {}).get("StatusCode", 0)))
    return (kind,)


def route_actions(rules, host, path):
    """The actions an ALB takes for (host, path): the first rule by priority whose conditions
    all match, else the default rule."""
    by_priority = sorted((r for r in rules if not r.get("IsDefault")), key=lambda r: int(r["Priority"]))
    for rule in by_priority:
        if all(condition_matches(c, host, path) for c in rule.get("Conditions") or []):
            return rule.get("Actions") or []
    default = next((r for r in rules if r.get("IsDefault")), {})
    return default.get("Actions") or []


def alb_route(rules, host, path):
    """The outcome an ALB gives (host, path)."""
    return outcome(route_actions(rules, host, path))


def expected_authentication(documents, route):
    """The auth-* settings of a Service backend, as the controller reads them: the Ingress's
    annotations merged with the backend Service's, the Service's winning key by key
    (enhanced_backend_builder.go); None without auth-type or with auth-type none."""
    _, namespace, name, port, member = route
    _, _, service = manifest_model.service_backend(documents, namespace, name, port)
    prefix = manifest_model.INGRESS_ANNOTATION
    settings = {k[len(prefix):]: str(v) for k, v in member["annotations"].items() if k.startswith(prefix + "auth-")}
    settings.update({k[len(prefix):]: str(v) for k, v in (((service or {}).get("metadata") or {}).get("annotations") or {}).items()
                     if k.startswith(prefix + "auth-")})
    kind = settings.get("auth-type", "none")
    if kind == "none":
        return None
    wanted = {key: settings.get(key, default) for key, default in AUTH_DEFAULTS.items()}
    wanted["type"] = kind
    wanted["idp"] = json.loads(settings.get(f"auth-idp-{kind}", "{}"))
    return wanted


def check_authentication(checks, actions, wanted, protocol, what):
    """The deployed actions of one route against the authentication its backend asks for."""
    steps = ordered(actions)
    authenticating = [a for a in steps if str(a.get("Type", "")).startswith("authenticate-")]
    if wanted is None:
        checks.check(not authenticating, f"{what} carries no authentication", str(authenticating))
        return
    first = steps[0] if steps else {}
    if not checks.equal(first.get("Type"), f"authenticate-{wanted['type']}", f"{what} authenticates ({wanted['type']}) before anything else"):
        return
    checks.equal(protocol, "HTTPS", f"{what} is authenticated on an HTTPS listener (ALB authenticates nowhere else)")
    checks.check(len(steps) == 2 and steps[1].get("Type") == "forward", f"{what} forwards after authenticating", str(steps))
    idp = wanted["idp"]
    extra = idp.get("authenticationRequestExtraParams")
    if wanted["type"] == "oidc":
        config = first.get("AuthenticateOidcConfig") or {}
        fields = {"Issuer": idp.get("issuer"), "AuthorizationEndpoint": idp.get("authorizationEndpoint"),
                  "TokenEndpoint": idp.get("tokenEndpoint"), "UserInfoEndpoint": idp.get("userInfoEndpoint"),
                  "ClientId": OIDC_CLIENT_ID, "ClientSecret": OIDC_CLIENT_SECRET}
    else:
        config = first.get("AuthenticateCognitoConfig") or {}
        fields = {"UserPoolArn": idp.get("userPoolARN"), "UserPoolClientId": idp.get("userPoolClientID"),
                  "UserPoolDomain": idp.get("userPoolDomain")}
    fields.update({"Scope": wanted["auth-scope"], "SessionCookieName": wanted["auth-session-cookie"],
                   "SessionTimeout": wanted["auth-session-timeout"], "OnUnauthenticatedRequest": wanted["auth-on-unauthenticated-request"]})
    deployed = {key: str(config.get(key)) if key == "SessionTimeout" else config.get(key) for key in fields}
    checks.equal(deployed, fields, f"{what} authentication settings")
    checks.equal(config.get("AuthenticationRequestExtraParams") or None, extra or None, f"{what} authentication request extra parameters")


def check_oidc_secrets(checks, template):
    """Every OIDC client secret in the template is a Ref to a NoEcho parameter, never a literal."""
    parameters = template.get("Parameters") or {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        properties = resource.get("Properties") or {}
        for action in (properties.get("Actions") or []) + (properties.get("DefaultActions") or []):
            config = action.get("AuthenticateOidcConfig")
            if config is None:
                continue
            secret = config.get("ClientSecret")
            reference = secret.get("Ref") if isinstance(secret, dict) else None
            checks.check(reference and (parameters.get(reference) or {}).get("NoEcho") in (True, "true"),
                         f"{logical_id}'s OIDC client secret is a NoEcho parameter, not a literal", str(secret))
            checks.check("UseExistingClientSecret" not in config, f"{logical_id} sets ClientSecret, not UseExistingClientSecret")


def check_firewall(checks, template, balancer):
    """wafv2-acl-arn and shield-advanced-protection, in the template only: moto has no
    CloudFormation model for either resource type and skips them."""
    prefix = manifest_model.INGRESS_ANNOTATION
    setting = lambda suffix: next((m["annotations"][prefix + suffix] for m in balancer["members"] if m["annotations"].get(prefix + suffix, "").strip()), None)  # noqa: E731
    acl = setting("wafv2-acl-arn")
    acl = None if acl in (None, "none") else acl.strip()
    shield = (setting("shield-advanced-protection") or "false") in ("1", "t", "T", "TRUE", "true", "True")
    reference = {"Ref": balancer["id"] + "LoadBalancer"}
    resources = (template.get("Resources") or {}).values()
    associations = [r["Properties"].get("WebACLArn") for r in resources
                    if r.get("Type") == "AWS::WAFv2::WebACLAssociation" and (r.get("Properties") or {}).get("ResourceArn") == reference]
    checks.equal(associations, [acl] if acl else [], "template associates the load balancer with the wafv2-acl-arn written, and no other web ACL")
    protections = [r for r in resources if r.get("Type") == "AWS::Shield::Protection" and (r.get("Properties") or {}).get("ResourceArn") == reference]
    checks.equal(len(protections), 1 if shield else 0, "template protects the load balancer with Shield Advanced exactly when shield-advanced-protection is true")
    if acl or shield:
        checks.skip("web ACL association and Shield protection on the deployed state",
                    "moto has no CloudFormation model for AWS::WAFv2::WebACLAssociation or AWS::Shield::Protection (it skips them); checked in the template")


def all_rules(stack, listener_arn):
    rules, marker = [], None
    while True:
        page = stack.elbv2.describe_rules(ListenerArn=listener_arn, **({"Marker": marker} if marker else {}))
        rules += page.get("Rules") or []
        marker = page.get("NextMarker")
        if not marker:
            return rules


def admits(rules, source, port):
    return any(
        rule.get("IpProtocol") in ("tcp", "-1")
        and (rule.get("FromPort") is None or rule["FromPort"] <= port <= rule["ToPort"])
        and any(pair.get("GroupId") == source for pair in rule.get("UserIdGroupPairs") or [])
        for rule in rules
    )


def expected_target(documents, services, route):
    """What the target group of a Service backend should be: its deployments, container port,
    protocol, protocol version and health check (the Service's alb annotations over the
    Ingress's; the health check otherwise the Service's own)."""
    _, namespace, name, port, member = route
    deployments, container_port, service = manifest_model.service_backend(documents, namespace, name, port)
    service_port = next((p["port"] for p in ((service or {}).get("spec") or {}).get("ports") or [] if p.get("port") == port or p.get("name") == port), None)
    prefix = manifest_model.INGRESS_ANNOTATION
    settings = {k[len(prefix):]: str(v) for k, v in member["annotations"].items() if k.startswith(prefix)}
    settings.update({k[len(prefix):]: str(v) for k, v in (((service or {}).get("metadata") or {}).get("annotations") or {}).items() if k.startswith(prefix)})
    # The Service's own plan: a Deployment's synthesised load balancer may share its name, but
    # an Ingress routes to Services only (Kubernetes has no Service for the Deployment).
    plan = next((s for s in services if s["name"] == name and s["namespace"] == namespace and not s["synthesised"]), None)
    own = next((l["health"] for l in (plan or {}).get("listeners", []) if l["port"] == service_port), None) or {}
    # ingress-nginx's backend-protocol, for the Ingresses it serves, under the alb annotations.
    nginx = member["annotations"].get(manifest_model.NGINX_ANNOTATION + "backend-protocol", "").strip().upper() if member.get("controller") == "nginx" else ""
    nginx_protocol, nginx_version = {"HTTPS": ("HTTPS", "HTTP1"), "GRPC": ("HTTP", "GRPC"), "GRPCS": ("HTTPS", "GRPC")}.get(nginx, ("HTTP", "HTTP1"))
    version = settings.get("backend-protocol-version", nginx_version)
    protocol = settings.get("backend-protocol", nginx_protocol)
    if "healthcheck-path" in settings:
        path = settings["healthcheck-path"]
    elif version == "GRPC":
        path = manifest_model.GRPC_HEALTH_PATH
    else:
        path = own.get("path") or "/"
    port_setting = settings.get("healthcheck-port", "traffic-port")
    health = {
        "protocol": settings.get("healthcheck-protocol", protocol),
        "port": int(port_setting) if port_setting.isdigit() else own.get("port", container_port),
        "path": path,
    }
    for annotation, (field, bounds) in CLAMPS.items():
        health[field] = manifest_model.clamp(settings[annotation], bounds) if annotation in settings else own.get(field)
    return {"deployments": sorted(deployments), "port": container_port, "protocol": protocol, "version": version, "health": health}


def check_ingresses(checks, guarded, stack, documents, services, groups, callers, zone, certificate_arn):
    balancers = manifest_model.read_ingresses(documents)
    found = {"target_groups": {}, "sources": {}, "dns": []}
    # A NetworkPolicy isolating a target's port admits no Ingress load balancer (it is no caller
    # a policy names): its VMs admit the load balancer's health checks only.
    found["policy"] = (manifest_model.network_policies(documents), manifest_model.read_application(documents)[0])
    claimed = set()
    for balancer in balancers:
        checks.prefix = f"{stack.name}/ingress {balancer['name']}: "
        guarded(checks, "ingress load balancer", check_balancer, stack, balancer, documents, services, groups, callers, zone, certificate_arn, claimed, found)
    return found


def check_balancer(checks, stack, balancer, documents, services, groups, callers, zone, certificate_arn, claimed, found):
    arn = stack.physical_id(balancer["id"] + "LoadBalancer")
    if not checks.check(arn, f"load balancer {balancer['id']}LoadBalancer exists"):
        return
    described = stack.elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    found["dns"].append(described["DNSName"])
    checks.equal(described.get("Type"), "application", "an application load balancer")
    checks.equal(described.get("Scheme"), "internet-facing" if balancer["public"] else "internal", "scheme")
    checks.equal(described.get("IpAddressType", "ipv4"), "dualstack" if balancer["dual_stack"] else "ipv4", "IP address type")
    balancer_groups = described.get("SecurityGroups") or []
    guarded_security_group(checks, stack, balancer, balancer_groups, callers)
    listeners = stack.elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]
    checks.equal({l["Port"]: l["Protocol"] for l in listeners}, balancer["listeners"], "one listener per listen port, with its protocol")
    body = stack.cfn.get_template(StackName=stack.name)["TemplateBody"]
    template = body if isinstance(body, dict) else json.loads(body)
    check_firewall(checks, template, balancer)
    check_oidc_secrets(checks, template)
    by_group = {}
    for group in groups:
        tags = {tag["Key"]: tag["Value"] for tag in group.get("Tags", [])}
        for target_group in group.get("TargetGroupARNs") or []:
            by_group.setdefault(target_group, set()).add(tags.get("i2kit:deployment", group["AutoScalingGroupName"]))
    # A StatefulSet's ordinals are registered as targets, by no Auto Scaling group: by their set.
    owners = check_stateful.ordinal_owners(stack, documents)
    if owners:
        for target_group in stack.physical_ids("AWS::ElasticLoadBalancingV2::TargetGroup"):
            for health in stack.elbv2.describe_target_health(TargetGroupArn=target_group)["TargetHealthDescriptions"]:
                owner = owners.get(health["Target"]["Id"])
                if owner:
                    by_group.setdefault(target_group, set()).add(owner)
    checked_targets = set()
    for listener in sorted(listeners, key=lambda l: l["Port"]):
        port = listener["Port"]
        if port not in balancer["listeners"]:
            continue
        if listener["Protocol"] == "HTTPS":
            certificates = stack.elbv2.describe_listener_certificates(ListenerArn=listener["ListenerArn"]).get("Certificates") or []
            wanted = []
            for certificate in balancer["certificates"].get(port, []):
                value = certificate or certificate_arn
                if value not in wanted:
                    wanted.append(value)
            checks.equal(sorted({c["CertificateArn"] for c in certificates}), sorted(wanted), f"listener {port} certificates")
            default = [c["CertificateArn"] for c in certificates if c.get("IsDefault")]
            checks.equal(default[:1], wanted[:1], f"listener {port} default certificate")
        rules = all_rules(stack, listener["ListenerArn"])
        for host, path in manifest_model.ingress_probes(balancer, port):
            expected = manifest_model.ingress_route(balancer, port, host, path)
            actions = route_actions(rules, host, path)
            deployed = outcome(actions)
            what = f"port {port} {host}{path}"
            wanted = expected_authentication(documents, expected) if expected[0] == "service" else None
            check_authentication(checks, actions, wanted, listener["Protocol"], what)
            if expected[0] == "redirect":
                checks.equal(deployed, ("redirect", expected[1], "HTTPS"), f"{what} is redirected to HTTPS {expected[1]}")
            elif expected[0] == "fixed":
                checks.equal(deployed, ("fixed", 404), f"{what} gets 404")
            else:
                if not checks.check(deployed[0] == "forward", f"{what} is forwarded to Service {expected[2]}", str(deployed)):
                    continue
                target = expected_target(documents, services, expected)
                registered = sorted(by_group.get(deployed[1], set()))
                reached = checks.equal(registered, target["deployments"], f"{what} reaches the VMs of exactly the Deployments Service {expected[2]} selects")
                # The target group's own settings are judged once, and only against its backend.
                if reached and deployed[1] not in checked_targets:
                    checked_targets.add(deployed[1])
                    check_target_group(checks, stack, deployed[1], target, balancer_groups, groups, found)
    # Target groups no probe reaches (a rule shadowed by an earlier one) must still serve a
    # backend the Ingresses name: their Auto Scaling groups register with them all the same.
    backends = []
    for member in balancer["members"]:
        written = [member["spec"]["defaultBackend"]] if member["spec"].get("defaultBackend") else []
        for rule in member["spec"].get("rules") or []:
            written += [entry["backend"] for entry in (rule.get("http") or {}).get("paths") or []]
        for backend in written:
            port = backend["service"]["port"].get("number") or backend["service"]["port"].get("name")
            backends.append(expected_target(documents, services, ("service", member["namespace"], backend["service"]["name"], port, member)))
    used = set()
    for listener in listeners:
        for rule in all_rules(stack, listener["ListenerArn"]):
            action = outcome(rule.get("Actions"))
            if action[0] == "forward":
                used.add(action[1])
    for arn in sorted(used - checked_targets):
        registered = sorted(by_group.get(arn, set()))
        port = stack.elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0].get("Port")
        match = next((b for b in backends if b["deployments"] == registered and b["port"] == port), None)
        if checks.check(match, f"target group on port {port} (no probe reaches it) serves a backend the Ingresses name", f"registered by {registered}"):
            check_target_group(checks, stack, arn, match, balancer_groups, groups, found)
    check_dns(checks, stack, balancer, described["DNSName"], zone, claimed)


def guarded_security_group(checks, stack, balancer, balancer_groups, callers):
    if not checks.check(balancer_groups, "load balancer has a security group"):
        return
    rules = [r for g in stack.ec2.describe_security_groups(GroupIds=balancer_groups)["SecurityGroups"] for r in g.get("IpPermissions", [])]
    for port in balancer["listeners"]:
        if port in balancer["source_ranges"]:
            client_sources.check_ranged(checks.check, rules, "tcp", port, balancer["source_ranges"][port], balancer["public"], callers)
            continue
        if not balancer["public"]:
            client_sources.check_internal(checks.check, rules, "tcp", port, callers)
            continue
        source = "0.0.0.0/0"
        matching = [r for r in rules if r.get("IpProtocol") == "tcp" and r.get("FromPort") == port == r.get("ToPort")]
        cidrs = {c.get("CidrIp") for r in matching for c in r.get("IpRanges", [])}
        checks.equal(cidrs, {source}, f"load balancer admits port {port} from {source} only")
        ipv6 = {c.get("CidrIpv6") for r in matching for c in r.get("Ipv6Ranges", [])}
        checks.equal(ipv6, {"::/0"} if balancer["public"] and balancer["dual_stack"] else set(), f"load balancer admits port {port} over IPv6 only when internet-facing and dual-stack")
    extra = [r for r in rules if r.get("FromPort") not in balancer["listeners"] or r.get("FromPort") != r.get("ToPort")]
    checks.check(not extra, "load balancer admits only its listener ports", str(extra))


def check_target_group(checks, stack, arn, target, balancer_groups, groups, found):
    described = stack.elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    name = f"target group of {'+'.join(target['deployments'])}"
    checks.equal((described.get("Protocol"), described.get("Port")), (target["protocol"], target["port"]), f"{name}: protocol and container port")
    checks.equal(described.get("TargetType", "instance"), "instance", f"{name}: targets instances")
    checks.equal(described.get("ProtocolVersion", "HTTP1"), target["version"], f"{name}: protocol version")
    health = target["health"]
    checks.equal(
        (described.get("HealthCheckProtocol"), str(described.get("HealthCheckPort")), described.get("HealthCheckPath")),
        (health["protocol"], str(health["port"]), health["path"]),
        f"{name}: health check protocol, port and path",
    )
    checks.equal(
        (described.get("HealthCheckIntervalSeconds"), described.get("HealthCheckTimeoutSeconds"), described.get("HealthyThresholdCount"), described.get("UnhealthyThresholdCount")),
        (health["interval"], health["timeout"], health["healthy"], health["unhealthy"]),
        f"{name}: health check interval, timeout and thresholds",
    )
    ports = {("tcp", target["port"]), ("tcp", int(health["port"]))}
    for group in groups:
        tags = {tag["Key"]: tag["Value"] for tag in group.get("Tags", [])}
        deployment = tags.get("i2kit:deployment")
        if deployment not in target["deployments"]:
            continue
        found["target_groups"].setdefault(deployment, set()).add(arn)
        sources = found["sources"].setdefault(deployment, {})
        instance_groups = client_sources.launch_template_groups(stack.ec2, group)
        rules = [r for g in stack.ec2.describe_security_groups(GroupIds=instance_groups)["SecurityGroups"] for r in g.get("IpPermissions", [])] if instance_groups else []
        policies, deployments = found.get("policy") or ((), [])
        callee = next((d for d in deployments if d["name"] == deployment), None)
        refused = callee is not None and manifest_model.ingress_verdict(policies, deployments, callee, target["port"]) is not None
        wanted = {("tcp", int(health["port"]))} | (set() if refused else {("tcp", target["port"])})
        for source in balancer_groups:
            sources.setdefault(source, set()).update(wanted)
            for _, port in sorted(ports):
                if ("tcp", port) in wanted:
                    checks.check(admits(rules, source, port), f"{deployment}'s instances admit the load balancer on port {port}", str(rules))
                else:
                    checks.check(not admits(rules, source, port), f"{deployment}'s instances refuse the load balancer's traffic on port {port}, which a NetworkPolicy isolates", str(rules))


def check_dns(checks, stack, balancer, dns_name, zone, claimed):
    zones = stack.route53.list_hosted_zones_by_name(DNSName=zone + ".")["HostedZones"]
    zone_id = next((z["Id"] for z in zones if z["Name"] == zone + "."), None)
    if not checks.check(zone_id, f"hosted zone {zone}. exists"):
        return
    kinds = ["A", "AAAA"] if balancer["dual_stack"] else ["A"]
    for host in balancer["hosts"]:
        if host in claimed:
            continue
        claimed.add(host)
        name = host.replace("*", "\\052") + "."
        records = stack.route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
        matching = [r for r in records if r["Name"].lower() in (host + ".", name)]
        if zone not in manifest_model.zone_candidates(host):
            checks.equal(matching, [], f"{host} is outside {zone}: no record")
            continue
        for kind in kinds:
            record = next((r for r in matching if r["Type"] == kind), None)
            if checks.check(record and record.get("AliasTarget"), f"{host} has an alias {kind} record", str(matching)):
                target = record["AliasTarget"].get("DNSName", "").lower().rstrip(".")
                checks.equal(target.removeprefix("dualstack."), dns_name.lower(), f"{host} {kind} aliases the load balancer")
