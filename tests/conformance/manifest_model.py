"""What an i2kit manifest asks for, re-derived from i2kit's documented rules (README and the
services design), never from a compiled template: the suite's checks compare the deployed state
against this, so a compiler bug cannot also hide in the expectation.

    read_application(documents) -> (deployments, services)

An application is deployments (VM groups) and services (load balancers), many-to-many: a
Kubernetes Service fronts EVERY Deployment whose pod template labels its selector matches; a
Deployment no Service selects but with containerPorts gets a synthesised internal service of its
own name; a short i2kit document with ports is a deployment plus a service of the same name in
namespace `default`. assert_stack.py and reachability.py both read the manifest through here.
"""

import ipaddress
import re

HTTP_FAMILY = {"HTTP", "HTTPS"}
PROTOCOL_NAMES = {"http": "HTTP", "https": "HTTPS", "tcp": "TCP", "tls": "TLS", "ssl": "TLS", "udp": "UDP"}
DEFAULT_REQUEST = {"protocol": None, "port": None, "path": None, "interval": None, "timeout": None, "healthy": None, "unhealthy": None}
INTERVAL_RANGE, TIMEOUT_RANGE, THRESHOLD_RANGE = (5, 300), (2, 120), (2, 10)
ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-"
BASE_GRACE_SECONDS = 60


def logical_id(name):
    """The design's logical_id(name): split on '-', capitalise each part, join."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("-") if part)


def clamp(value, bounds):
    return max(bounds[0], min(bounds[1], int(value)))


def is_kubernetes(document):
    return "apiVersion" in document and "kind" in document


# ---------------------------------------------------------------- listeners of one service


def parse_port(spec, container):
    """One short-manifest `ports:` entry -> listener port, container port, protocols, certificate."""
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


def plan(name, namespace, backends, public, kind_override, requests, health_request, synthesised=False, source_ranges=()):
    """The load balancer, listeners and health checks i2kit derives from one service's ports."""
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
        "namespace": namespace,
        "id": logical_id(name),
        "backends": list(backends),
        "public": bool(public),
        "kind": kind if listeners else None,
        "listeners": listeners,
        # A UDP target checked over TCP on its own port, with nothing saying a TCP server answers
        # there, is a guess (README: Auto Scaling group): it must not decide VM replacement.
        "guessed_check": any(listener["target_protocol"] == "UDP" for listener in listeners)
        and health_request["protocol"] not in HTTP_FAMILY
        and health_request["port"] is None,
        "synthesised": synthesised,
        # The only ranges its security group admits on every listener port (empty: none written).
        "source_ranges": sorted(source_ranges),
    }


# ---------------------------------------------------------------- short i2kit documents


def short_containers(document):
    """Containers as (name, env values, argv words) for the host:port cross-check."""
    found = []
    for name, container in (document.get("containers") or {}).items():
        env = container.get("env") or {}
        values = list(env.values()) if isinstance(env, dict) else [str(e).partition("=")[2] for e in env]
        words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
        found.append({"name": name, "env": [str(v) for v in values if v is not None], "argv": words})
    return found


def short_document(document):
    """An i2kit document: one deployment, and a service of its name when it has ports."""
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
    name = document["name"]
    replicas = int(document.get("replicas", 1))
    deployment = {
        "name": name,
        "id": logical_id(name),
        "namespace": "default",
        "replicas": replicas,
        "recreate": False,
        "grace": BASE_GRACE_SECONDS,
        "containers": short_containers(document),
    }
    services = []
    if requests:
        services.append(plan(name, "default", [name], document.get("public", False), document.get("loadBalancer"), requests, health))
    return deployment, services


# ---------------------------------------------------------------- Kubernetes documents


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
    """A Service's settings, annotations applied (AWS cloud provider annotations, design note)."""
    spec = service.get("spec") or {}
    metadata = service.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    read = {
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace") or "default",
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
            read["kind"] = {"nlb": "network", "external": "network", "nlb-ip": "network", "classic": "classic", "elb": "classic"}.get(value)
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
    read["public"] = service_is_public(spec, annotations)
    read["source_ranges"] = service_source_ranges(spec, annotations)
    return read


def canonical_ranges(entries):
    """CIDR strings as Kubernetes keys them (ParseIPNets: trimmed, the network of the address,
    duplicates collapsed), by Python's own parser."""
    return {str(ipaddress.ip_network(str(entry).strip(), strict=False)) for entry in entries}


def service_source_ranges(spec, annotations):
    """GetLoadBalancerSourceRanges: the field when it lists any, else the annotation (trimmed;
    blank restricts nothing; split on commas)."""
    if spec.get("loadBalancerSourceRanges"):
        return canonical_ranges(spec["loadBalancerSourceRanges"])
    value = str(annotations.get("service.beta.kubernetes.io/load-balancer-source-ranges", "")).strip()
    return canonical_ranges(value.split(",")) if value else set()


def ingress_source_ranges(members):
    """{port: ranges} of an Ingress group: on each port, the inbound-cidrs of the first member
    listening there that writes any (members that write none take them; the controller's
    mergeListenPortConfigs); ports without any are absent."""
    found = {}
    for member in members:
        value = member["annotations"].get(INGRESS_ANNOTATION + "inbound-cidrs", "").strip()
        if not value:
            continue
        for port in member["ports"]:
            found.setdefault(port, canonical_ranges(value.split(",")))
    return found


def service_is_public(spec, annotations):
    """Whether a Service's load balancer is internet-facing, as the controller that would
    reconcile it decides, whatever order its annotations come in.

    The AWS Load Balancer Controller reconciles type `external` or `nlb-ip`, and the load
    balancer class `service.k8s.aws/nlb`: the scheme annotation first, then the legacy
    `aws-load-balancer-internal` ("false" is internet-facing, anything else internal), else
    internal, its default since v2.2.0 (buildLoadBalancerScheme in
    pkg/service/model_build_load_balancer.go). Otherwise the in-tree provider: a LoadBalancer
    Service is internet-facing; `aws-load-balancer-internal` other than "false" forces internal,
    and the README's rule that the more closed reading wins lets `scheme: internal` force it too,
    and `scheme: internet-facing` open it only where nothing asks for internal."""
    def annotation(setting):
        value = annotations.get(ANNOTATION + setting)
        return None if value is None else str(value)

    scheme, internal = annotation("scheme"), annotation("internal")
    controller = annotation("type") in ("external", "nlb-ip") or spec.get("loadBalancerClass") == "service.k8s.aws/nlb"
    if controller:
        if scheme is not None:
            return scheme == "internet-facing"
        if internal is not None:
            return internal == "false"
        return False
    if (internal is not None and internal != "false") or scheme == "internal":
        return False
    if scheme == "internet-facing":
        return True
    return spec.get("type", "ClusterIP") == "LoadBalancer"


def read_deployment(deployment):
    """A Deployment's pod: labels, declared container ports, probes, strategy, containers."""
    metadata = deployment.get("metadata") or {}
    spec = deployment.get("spec") or {}
    template = spec.get("template") or {}
    pod = template.get("spec") or {}
    containers = pod.get("containers") or []
    declared = [
        {"container": c["name"], "name": p.get("name"), "number": int(p["containerPort"]), "udp": p.get("protocol") == "UDP"}
        for c in containers
        for p in c.get("ports") or []
    ]
    delays = [
        int((c.get(probe) or {}).get("initialDelaySeconds", 0))
        for c in containers
        for probe in ("livenessProbe", "readinessProbe")
        if c.get(probe)
    ]
    replicas = int(spec.get("replicas", 1))
    name = metadata["name"]
    # A pod that mounts a PersistentVolumeClaim runs on an instance of its own with the claim's
    # volume, as a StatefulSet's ordinal (README, StatefulSets): no Auto Scaling group.
    claimed = any((v or {}).get("persistentVolumeClaim") for v in pod.get("volumes") or [])
    return {
        "stateful": deployment.get("kind") == "StatefulSet" or claimed,
        "name": name,
        "id": logical_id(name),
        "namespace": metadata.get("namespace") or "default",
        "replicas": replicas,
        "recreate": (spec.get("strategy") or {}).get("type") == "Recreate",
        # Design: 60 s + the longest liveness or readiness initialDelaySeconds.
        "grace": BASE_GRACE_SECONDS + max(delays or [0]),
        "labels": (template.get("metadata") or {}).get("labels") or {},
        "pod": pod,
        "declared": declared,
        "containers": [
            {
                "name": c["name"],
                "env": [str(e["value"]) for e in c.get("env") or [] if isinstance(e, dict) and e.get("value") is not None],
                "argv": [str(w) for w in (c.get("command") or []) + (c.get("args") or [])],
            }
            for c in (pod.get("initContainers") or []) + containers
        ],
    }


def service_requests(service, backends):
    """Listener requests of one Service; a named targetPort resolves in its first backend."""
    requests = []
    for port in service["ports"]:
        number = int(port["port"])
        target = port.get("targetPort", number)
        if isinstance(target, str) and not target.isdigit():
            target = next((p["number"] for b in backends for p in b["declared"] if p["name"] == target), None)
        tls = service["certificate"] is not None and (
            service["ssl_ports"] is None or str(number) in service["ssl_ports"] or port.get("name") in service["ssl_ports"]
        )
        backend = service["backend"]
        if port.get("protocol") == "UDP":
            protocols = ("UDP", "UDP")
        elif tls and service["kind"] == "network":
            # Design fix: an NLB with ssl-cert gets TLS listeners (TCP target; ssl -> TLS target).
            protocols = ("TLS", "TLS" if backend == "TLS" else "TCP")
        elif tls:
            protocols = {"TLS": ("TLS", "TLS"), "TCP": ("TLS", "TCP"), "HTTPS": ("HTTPS", "HTTPS")}.get(backend, ("HTTPS", "HTTP"))
        elif backend in ("HTTP", "TCP"):
            protocols = (backend, backend)
        else:
            app = {"http": "HTTP", "https": "HTTPS"}.get(str(port.get("appProtocol", "")).lower())
            protocols = (app, backend)
        requests.append({
            "container": None, "port": number, "target_port": int(target) if target is not None else None,
            "protocol": protocols[0], "target_protocol": protocols[1],
            "certificate": service["certificate"] if tls else None,
        })
    return requests


def kubernetes_application(documents):
    objects = list(kubernetes_objects(documents))
    deployments = [read_deployment(o) for o in objects if o.get("kind") == "Deployment"]
    # StatefulSets are backends of the Services in front of them (their ordinals are the
    # targets: check_stateful), not deployments with an Auto Scaling group.
    sets = [read_deployment(o) for o in objects if o.get("kind") == "StatefulSet"]
    services = []
    selected = set()
    for raw in objects:
        if raw.get("kind") != "Service" or (raw.get("spec") or {}).get("type", "ClusterIP") == "ExternalName":
            continue
        service = read_service(raw)
        # selector ⊆ pod template labels, in the Service's namespace.
        backends = [
            d for d in deployments + sets
            if service["selector"] and d["namespace"] == service["namespace"]
            and all(d["labels"].get(k) == v for k, v in service["selector"].items())
        ]
        if not backends:
            continue
        # A headless Service over StatefulSets names their ordinals instead (check_stateful).
        if all(d.get("stateful") for d in backends) and (raw.get("spec") or {}).get("clusterIP") == "None":
            continue
        selected.update(d["name"] for d in backends)
        health = readiness_request(backends[0]["pod"], backends[0]["declared"])
        annotations = service["health"]
        health = {key: annotations[key] if annotations[key] is not None else health[key] for key in health}
        services.append(plan(service["name"], service["namespace"], [d["name"] for d in backends], service["public"], service["kind"],
                             service_requests(service, backends), health, source_ranges=service["source_ranges"]))
        services[-1]["stateful_backends"] = [d["name"] for d in backends if d.get("stateful")]
    for deployment in deployments:
        if deployment["name"] in selected or not deployment["declared"]:
            continue
        requests = []
        for port in deployment["declared"]:
            udp = "UDP" if port["udp"] else None
            requests.append({"container": port["container"], "port": port["number"], "target_port": port["number"], "protocol": udp, "target_protocol": udp, "certificate": None})
        health = readiness_request(deployment["pod"], deployment["declared"])
        services.append(plan(deployment["name"], deployment["namespace"], [deployment["name"]], False, None, requests, health, synthesised=True))
        services[-1]["stateful_backends"] = [deployment["name"]] if deployment.get("stateful") else []
    return deployments, services


def stateful_workloads(documents):
    """The StatefulSets, read as read_deployment reads a Deployment: NetworkPolicies select
    their pods and they call and are called like any workload, though no Auto Scaling group
    runs them (check_stateful)."""
    kubernetes = [d for d in documents if is_kubernetes(d)]
    return [read_deployment(o) for o in kubernetes_objects(kubernetes) if o.get("kind") == "StatefulSet"]


def external_names(documents):
    """{"<name>.<namespace>.svc.cluster.local.": externalName without its trailing dot} of the
    manifest's ExternalName Services: the cluster DNS answers their names with that CNAME."""
    found = {}
    for raw in kubernetes_objects([d for d in documents if is_kubernetes(d)]):
        spec = raw.get("spec") or {}
        if raw.get("kind") != "Service" or spec.get("type") != "ExternalName":
            continue
        metadata = raw.get("metadata") or {}
        name = f"{metadata.get('name')}.{metadata.get('namespace') or 'default'}.svc.cluster.local."
        found[name] = str(spec.get("externalName") or "").lower().rstrip(".")
    return found


def endpoint_names(documents):
    """{"<name>.<namespace>.svc.cluster.local.": sorted ready IPv4 addresses} for the manifest's
    Services without a selector that an Endpoints object of their name or EndpointSlices
    labelled with it give addresses (kubernetes.io "Services without selectors"); under a
    headless Service, an address with a hostname also gets "<hostname>.<name>.<namespace>...".
    Ready means listed under `addresses` (not `notReadyAddresses`) or without
    `conditions.ready: false`; kube-proxy and the DNS read a slice endpoint's first address."""
    objects = list(kubernetes_objects([d for d in documents if is_kubernetes(d)]))
    selectorless = {}
    for raw in objects:
        spec = raw.get("spec") or {}
        metadata = raw.get("metadata") or {}
        if raw.get("kind") != "Service" or spec.get("selector") or spec.get("type") in ("ExternalName", "LoadBalancer"):
            continue
        key = (metadata.get("namespace") or "default", metadata.get("name"))
        selectorless[key] = spec.get("clusterIP") == "None"
    found = {}

    def add(namespace, service, ip, hostname):
        if (namespace, service) not in selectorless:
            return
        domain = f"{service}.{namespace}.svc.cluster.local."
        found.setdefault(domain, set()).add(ip)
        if hostname and selectorless[(namespace, service)]:
            found.setdefault(f"{hostname}.{domain}", set()).add(ip)

    for raw in objects:
        metadata = raw.get("metadata") or {}
        namespace = metadata.get("namespace") or "default"
        labels = metadata.get("labels") or {}
        if raw.get("kind") == "Endpoints":
            if labels.get("endpointslice.kubernetes.io/skip-mirror") == "true":
                continue
            for subset in raw.get("subsets") or []:
                for address in subset.get("addresses") or []:
                    add(namespace, metadata.get("name"), address.get("ip"), address.get("hostname"))
        elif raw.get("kind") == "EndpointSlice" and raw.get("addressType") == "IPv4":
            for endpoint in raw.get("endpoints") or []:
                if (endpoint.get("conditions") or {}).get("ready") is False or not endpoint.get("addresses"):
                    continue
                add(namespace, labels.get("kubernetes.io/service-name"), endpoint["addresses"][0], endpoint.get("hostname"))
    return {name: sorted(ips) for name, ips in found.items()}


def read_application(documents):
    """(deployments, services): i2kit documents first, then Kubernetes objects, in file order."""
    deployments, services = [], []
    for document in documents:
        if not is_kubernetes(document):
            deployment, own = short_document(document)
            deployments.append(deployment)
            services += own
    kubernetes = [d for d in documents if is_kubernetes(d)]
    if kubernetes:
        more_deployments, more_services = kubernetes_application(kubernetes)
        deployments += more_deployments
        services += more_services
    add_scaling(documents, deployments)
    return deployments, services


def services_in_front(services, deployment_name):
    return [s for s in services if deployment_name in s["backends"]]


def rolling_update(deployment):
    """(MinInstancesInService, MaxBatchSize, MaxSize) for Recreate; None for rolling updates
    (their surge maths is checked through MaxSize >= replicas only)."""
    if deployment.get("recreate"):
        replicas = deployment["replicas"]
        return 0, max(1, replicas), replicas
    return None


HOST_PORT = re.compile(r"(?<![A-Za-z0-9.-])([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*):([0-9]{1,5})(?![0-9])")


def host_ports(text):
    """Every `host:port` in a string (URLs included: http://reviews:9080/x gives reviews:9080)."""
    return [(m.group(1), int(m.group(5))) for m in HOST_PORT.finditer(text)]




# ---------------------------------------------------------------- inputs of several files


MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")
HELM_HOOK = "helm.sh/hook"


def joined_surrogates(value):
    """`value` with each surrogate pair PyYAML left as two code points joined into the one
    character it encodes, as JSON (which YAML 1.2 reads as a subset) and i2kit read
    `"\\ud83d\\ude00"`."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16")
    if isinstance(value, dict):
        return {joined_surrogates(key): joined_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [joined_surrogates(item) for item in value]
    return value


def load_documents(path):
    """The documents of an input as the README says i2kit reads it: a file's documents, or a
    directory's *.yaml, *.yml and *.json files (hidden ones skipped) in name order, without the
    files that hold no manifest (no document with `kind`, other than kustomize's own, or with
    `containers`); lists (`List`, or a kind ending in `List` with `items`) flattened; objects
    annotated `helm.sh/hook` dropped, since helm runs them around a release."""
    import os
    import yaml

    def read(file):
        with open(file, encoding="utf-8") as handle:
            return [joined_surrogates(d) for d in yaml.safe_load_all(handle) if isinstance(d, dict)]

    def is_manifest(document):
        kustomize = str(document.get("apiVersion", "")).startswith("kustomize.config.k8s.io/")
        return ("kind" in document and not kustomize) or "containers" in document

    if os.path.isdir(path):
        documents = []
        for name in sorted(os.listdir(path)):
            file = os.path.join(path, name)
            if name.startswith(".") or not name.endswith(MANIFEST_EXTENSIONS) or not os.path.isfile(file):
                continue
            found = read(file)
            if any(is_manifest(d) for d in found):
                documents += found
    else:
        documents = read(path)

    def flatten(document):
        kind = str(document.get("kind", ""))
        if kind == "List" or (kind.endswith("List") and isinstance(document.get("items"), list)):
            for item in document.get("items") or []:
                if isinstance(item, dict):
                    yield from flatten(item)
        else:
            yield document

    def is_hook(document):
        return HELM_HOOK in ((document.get("metadata") or {}).get("annotations") or {})

    return [d for document in documents for d in flatten(document) if not is_hook(d)]


# ---------------------------------------------------------------- Ingresses
# Re-derived from the AWS Load Balancer Controller's documented behaviour
# (docs/guide/ingress/annotations.md) and Kubernetes' Ingress semantics (kubernetes.io,
# "Ingress": path types and host wildcards), never from i2kit's output.

INGRESS_ANNOTATION = "alb.ingress.kubernetes.io/"
GRPC_HEALTH_PATH = "/AWS.ALB/healthcheck"


def ingress_logical_id(name):
    """i2kit names an Ingress load balancer's resources <Name>Ingress…, a group name's dots
    read as dashes."""
    return logical_id(name.replace(".", "-")) + "Ingress"


def ingress_listen_ports(annotations, spec):
    """{port: protocol}: listen-ports, else HTTPS 443 with a certificate (certificate-arn, or,
    in i2kit, spec.tls), else HTTP 80."""
    raw = annotations.get(INGRESS_ANNOTATION + "listen-ports")
    if raw:
        import json

        return {int(port): protocol for entry in json.loads(raw) for protocol, port in entry.items()}
    if annotations.get(INGRESS_ANNOTATION + "certificate-arn") or spec.get("tls"):
        return {443: "HTTPS"}
    return {80: "HTTP"}


ALB_CONTROLLER = "ingress.k8s.aws/alb"
NGINX_CONTROLLER = "k8s.io/ingress-nginx"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
NGINX_ANNOTATION = "nginx.ingress.kubernetes.io/"


def ingress_controller(raw, annotations, classes):
    """Whose semantics an Ingress follows (README, Ingress: classes), decided from the manifest:
    "alb" (the AWS Load Balancer Controller's), "nginx" or "kubernetes" (the Kubernetes Ingress
    spec's, as ingress-nginx, GKE and Traefik serve it). The class is spec.ingressClassName, else
    the kubernetes.io/ingress.class annotation; an IngressClass of that name decides by its
    spec.controller, else the name (`alb`, `nginx`) does. Without a class: the default
    IngressClass (is-default-class "true"), else "alb" when the Ingress carries
    alb.ingress.kubernetes.io/ annotations, else "kubernetes"."""
    def by_controller(controller):
        return {ALB_CONTROLLER: "alb", NGINX_CONTROLLER: "nginx"}.get(controller, "kubernetes")

    def by_name(name):
        known = classes.get(name)
        if known and known.get("controller"):
            return by_controller(known["controller"])
        return {"alb": "alb", "nginx": "nginx"}.get(name, "kubernetes")

    name = (raw.get("spec") or {}).get("ingressClassName") or annotations.get(CLASS_ANNOTATION)
    if name:
        return by_name(name)
    defaults = [n for n, c in classes.items() if c.get("default")]
    if defaults:
        return by_name(defaults[0])
    if any(key.startswith(INGRESS_ANNOTATION) for key in annotations):
        return "alb"
    return "kubernetes"


def ingress_classes(documents):
    """IngressClass objects by name: controller, and whether they are the default."""
    classes = {}
    for raw in kubernetes_objects([d for d in documents if is_kubernetes(d)]):
        if raw.get("kind") != "IngressClass":
            continue
        metadata = raw.get("metadata") or {}
        classes[metadata.get("name")] = {
            "controller": (raw.get("spec") or {}).get("controller"),
            "default": str((metadata.get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION)) == "true",
        }
    return classes


def nginx_bool(value):
    return str(value) in ("1", "t", "T", "true", "TRUE", "True")


def nginx_listening(annotations, spec):
    """ingress-nginx's ports for an Ingress it serves, unless alb listen-ports or ssl-redirect
    say otherwise: with TLS, HTTP is redirected to HTTPS (its default; `ssl-redirect: "false"`
    serves both), `force-ssl-redirect: "true"` redirects even without TLS. Returns ({port:
    protocol}, redirect port or None), or None to keep the default ports."""
    if INGRESS_ANNOTATION + "listen-ports" in annotations or INGRESS_ANNOTATION + "ssl-redirect" in annotations:
        return None
    tls = bool(spec.get("tls"))
    written = annotations.get(NGINX_ANNOTATION + "ssl-redirect")
    redirect_off = written is not None and not nginx_bool(written)
    forced = nginx_bool(annotations.get(NGINX_ANNOTATION + "force-ssl-redirect", "false"))
    if forced or (tls and not redirect_off):
        return {80: "HTTP", 443: "HTTPS"}, 443
    if tls and written is not None:
        return {80: "HTTP", 443: "HTTPS"}, None
    return None


def read_ingresses(documents):
    """The application load balancers the manifest's Ingresses ask for, in input order: one per
    Ingress, or one per alb.ingress.kubernetes.io/group.name (members ordered by group.order,
    then namespace/name). Each: name, id, public, dual_stack, ssl_redirect, listeners
    {port: protocol}, certificates {port: [ARN, or None for the certificate parameter]},
    members [{name, namespace, annotations, spec, ports}] and hosts (rule hosts in order)."""
    objects = [o for o in kubernetes_objects([d for d in documents if is_kubernetes(d)]) if o.get("kind") == "Ingress"]
    classes = ingress_classes(documents)
    groups, order = {}, []
    for raw in objects:
        metadata = raw.get("metadata") or {}
        annotations = {k: str(v) for k, v in (metadata.get("annotations") or {}).items()}
        spec = raw.get("spec") or {}
        group = annotations.get(INGRESS_ANNOTATION + "group.name")
        namespace = metadata.get("namespace") or "default"
        key = ("group", group) if group else ("ingress", namespace, metadata["name"])
        if key not in groups:
            groups[key] = []
            order.append(key)
        controller = ingress_controller(raw, annotations, classes)
        ports, redirect = ingress_listen_ports(annotations, spec), None
        if controller == "nginx" and nginx_listening(annotations, spec):
            ports, redirect = nginx_listening(annotations, spec)
        groups[key].append({
            "name": metadata["name"],
            "namespace": namespace,
            "annotations": annotations,
            "spec": spec,
            "ports": ports,
            "order": int(annotations.get(INGRESS_ANNOTATION + "group.order", "0")),
            "controller": controller,
            "nginx_redirect": redirect,
        })
    balancers = []
    for key in order:
        members = sorted(groups[key], key=lambda m: (m["order"], f"{m['namespace']}/{m['name']}"))
        name = key[1] if key[0] == "group" else key[2]
        setting = lambda suffix: next((m["annotations"][INGRESS_ANNOTATION + suffix] for m in members if INGRESS_ANNOTATION + suffix in m["annotations"]), None)  # noqa: E731
        listeners, certificates = {}, {}
        for member in members:
            for port, protocol in member["ports"].items():
                listeners[port] = protocol
                if protocol == "HTTPS":
                    arns = [a.strip() for a in member["annotations"].get(INGRESS_ANNOTATION + "certificate-arn", "").split(",") if a.strip()]
                    for certificate in arns or [None]:
                        if certificate not in certificates.setdefault(port, []):
                            certificates[port].append(certificate)
        hosts = []
        for member in members:
            for rule in member["spec"].get("rules") or []:
                if rule.get("host") and rule["host"] not in hosts:
                    hosts.append(rule["host"])
        redirect = setting("ssl-redirect") or next((m["nginx_redirect"] for m in members if m["nginx_redirect"]), None)
        controller = members[0]["controller"]
        scheme = setting("scheme")
        balancers.append({
            "name": name,
            "id": ingress_logical_id(name),
            # Kubernetes' semantics: internet-facing, as ingress-nginx, GKE and Traefik expose
            # Ingresses; the AWS controller's: internal unless `scheme` says otherwise.
            "public": scheme == "internet-facing" if scheme else controller != "alb",
            "controller": controller,
            "dual_stack": setting("ip-address-type") == "dualstack",
            "ssl_redirect": int(redirect) if redirect else None,
            "listeners": listeners,
            "certificates": certificates,
            "source_ranges": ingress_source_ranges(members),
            "members": members,
            "hosts": hosts,
        })
    return balancers


def host_matches(rule_host, host):
    """Kubernetes: an exact host, or `*.` matching exactly one leading label; no host, any."""
    if not rule_host:
        return True
    if rule_host.startswith("*."):
        first, _, rest = host.partition(".")
        return bool(first) and rest == rule_host[2:]
    return host == rule_host


def path_matches(path_type, pattern, path):
    """Kubernetes path types: Exact is equality; Prefix matches element-wise (`/foo` matches
    /foo, /foo/ and /foo/bar, not /foobar; `/` matches all); ImplementationSpecific is the
    controller's: an ALB glob (`*` any characters, `?` one); no path matches all."""
    if not pattern:
        return True
    if path_type == "Exact":
        return path == pattern
    if path_type == "Prefix":
        trimmed = pattern.rstrip("/")
        return not trimmed or path == trimmed or path.startswith(trimmed + "/")
    return re.fullmatch("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), path) is not None


def kubernetes_path(controller, entry):
    """(pathType, path) as the Ingress's controller reads it: ingress-nginx takes a regex-less
    ImplementationSpecific path as a prefix (i2kit: Kubernetes' element-wise Prefix, an empty
    path as `/`); GKE and the others as an ALB glob (a trailing `/*` a prefix, no wildcard an
    exact match)."""
    path_type, path = entry.get("pathType"), entry.get("path", "")
    if controller == "nginx" and path_type not in ("Exact", "Prefix") and "*" not in path and "?" not in path:
        return "Prefix", path or "/"
    return path_type, path


def kubernetes_match_length(path_type, path):
    """(exact, length) deciding precedence among matching paths: Exact (and wildcard-free
    ImplementationSpecific paths, which match one path) first; then the longest, a glob by what
    precedes its first wildcard, a Prefix without its trailing '/'."""
    if path_type == "Exact":
        return True, len(path)
    if path_type == "Prefix":
        return False, len(path.rstrip("/"))
    wildcard = min([i for i in (path.find("*"), path.find("?")) if i >= 0], default=None)
    if wildcard is None:
        return bool(path), len(path)
    return False, wildcard


def host_rank(rule_host, host):
    """How specifically a rule's host takes `host`: 0 exact, 1 wildcard, 2 no host; None when
    it does not."""
    if not host_matches(rule_host, host):
        return None
    if not rule_host:
        return 2
    return 1 if rule_host.startswith("*.") else 0


def kubernetes_route(member, host, path):
    """The Kubernetes Ingress spec's answer for one Ingress: the rules of the most specific
    host that takes the request (exact, then wildcard, then none); among their paths, the
    matching one that is Exact, else the longest; ("default",) when that host has no matching
    path, or no rule's host takes the request."""
    rules = member["spec"].get("rules") or []
    ranks = [host_rank(rule.get("host"), host) for rule in rules]
    taken = [rank for rank in ranks if rank is not None]
    if not taken:
        return ("default",)
    best = min(taken)
    matching = []
    for rule, rank in zip(rules, ranks):
        if rank != best:
            continue
        for entry in (rule.get("http") or {}).get("paths") or []:
            path_type, written = kubernetes_path(member["controller"], entry)
            if path_matches(path_type, written, path):
                exact, length = kubernetes_match_length(path_type, written)
                matching.append(((not exact, -length), len(matching), entry))
    if not matching:
        return ("default",)
    return ("path", min(matching, key=lambda found: found[:2])[2])


def sorted_paths(paths):
    """The controller's order within one rule: Exact, Prefix longest first, then the rest as
    written (sortIngressPaths)."""
    exact = [p for p in paths if p.get("pathType") == "Exact"]
    prefix = sorted((p for p in paths if p.get("pathType") == "Prefix"), key=lambda p: -len(p.get("path", "")))
    rest = [p for p in paths if p.get("pathType") not in ("Exact", "Prefix")]
    return exact + prefix + rest


def ingress_route(balancer, port, host, path):
    """What a request to `port` gets: ("redirect", https port) on an HTTP listener when
    ssl-redirect is set; else the backend of the first matching path of the members listening
    there (group order, rules in order, paths sorted) as ("service", namespace, name, port
    number or name, member); else the first such member's defaultBackend; else ("fixed", 404)."""
    if balancer["ssl_redirect"] and balancer["listeners"].get(port) == "HTTP":
        return ("redirect", balancer["ssl_redirect"])
    members = [m for m in balancer["members"] if port in m["ports"]]
    backend_of = lambda member, backend: ("service", member["namespace"], backend["service"]["name"],  # noqa: E731
                                          backend["service"]["port"].get("number") or backend["service"]["port"].get("name"), member)
    for member in members:
        if member["controller"] != "alb":
            found = kubernetes_route(member, host, path)
            if found[0] == "path":
                return backend_of(member, found[1]["backend"])
            if any(host_rank(rule.get("host"), host) is not None for rule in member["spec"].get("rules") or []):
                # The request's host has rules in this Ingress: Kubernetes sends what none of
                # them takes to the defaultBackend, never to another host's rules.
                default = member["spec"].get("defaultBackend")
                return backend_of(member, default) if default else ("fixed", 404)
            continue
        for rule in member["spec"].get("rules") or []:
            if not host_matches(rule.get("host"), host):
                continue
            for entry in sorted_paths((rule.get("http") or {}).get("paths") or []):
                if path_matches(entry.get("pathType"), entry.get("path", ""), path):
                    return backend_of(member, entry["backend"])
    for member in members:
        if member["spec"].get("defaultBackend"):
            return backend_of(member, member["spec"]["defaultBackend"])
    return ("fixed", 404)


def ingress_probes(balancer, port):
    """(host, path) requests that exercise every rule of the members on `port`: each path as
    written (globs filled in), a path below each prefix, a sibling a prefix must not match, and
    the same paths for a host no rule names."""
    probes = []
    for member in balancer["members"]:
        if port not in member["ports"]:
            continue
        for rule in member["spec"].get("rules") or []:
            host = (rule.get("host") or "any.i2kit-probe.test").replace("*", "probe", 1)
            for entry in (rule.get("http") or {}).get("paths") or []:
                written = entry.get("path") or "/"
                concrete = written.replace("*", "x").replace("?", "y")
                paths = [concrete]
                if entry.get("pathType") == "Prefix":
                    trimmed = written.rstrip("/")
                    paths += [trimmed + "/probe", (trimmed or "/") + "probe", trimmed or "/"]
                elif entry.get("pathType") == "Exact":
                    paths.append(written + "/below")
                for path in paths:
                    probes += [(host, path), ("unknown.i2kit-probe.test", path)]
    probes.append(("unknown.i2kit-probe.test", "/i2kit-probe"))
    seen, unique = set(), []
    for probe in probes:
        if probe not in seen:
            seen.add(probe)
            unique.append(probe)
    return unique


def zone_candidates(host):
    """The hosted zones a record for `host` can live in: the host and its parent domains of
    two labels or more (a wildcard's start at its parent)."""
    labels = (host[2:] if host.startswith("*.") else host).split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def service_backend(documents, namespace, name, port):
    """(deployment names, container port, Service document) a Service port reaches: the
    Deployments whose pod labels its selector matches in its namespace, and its targetPort
    (a number, or a container port name looked up in those Deployments)."""
    objects = list(kubernetes_objects([d for d in documents if is_kubernetes(d)]))
    service = next((o for o in objects if o.get("kind") == "Service" and (o.get("metadata") or {}).get("name") == name
                    and ((o.get("metadata") or {}).get("namespace") or "default") == namespace), None)
    if service is None:
        return short_service_backend(documents, namespace, name, port)
    spec = service.get("spec") or {}
    selector = spec.get("selector") or {}
    deployments = [read_deployment(o) for o in objects if o.get("kind") in ("Deployment", "StatefulSet")]
    selected = [d for d in deployments if selector and d["namespace"] == namespace
                and all(d["labels"].get(k) == v for k, v in selector.items())]
    entry = next((p for p in spec.get("ports") or [] if p.get("port") == port or p.get("name") == port), None)
    if entry is None:
        return [d["name"] for d in selected], None, service
    target = entry.get("targetPort", entry["port"])
    if isinstance(target, str) and not target.isdigit():
        target = next((p["number"] for d in selected for p in d["declared"] if p["name"] == target), None)
    return [d["name"] for d in selected], int(target) if target is not None else None, service


def short_service_backend(documents, namespace, name, port):
    """service_backend for a short i2kit document with ports: the service of its own name in
    namespace default, in front of its own deployment only, each listener port reaching the
    container port its `ports:` entry pairs it with (README, "The manifest"). Returned with a
    Service-shaped document of those ports, so callers read both forms alike."""
    document = next((d for d in documents if not is_kubernetes(d) and isinstance(d, dict)
                     and d.get("name") == name), None)
    if document is None or namespace != "default":
        return [], None, None
    pairs = [parse_port(entry, container_name)
             for container_name, container in (document.get("containers") or {}).items()
             for entry in container.get("ports") or []]
    if not pairs:
        return [], None, None
    service = {"metadata": {"name": name, "namespace": "default"},
               "spec": {"ports": [{"port": p["port"], "targetPort": p["target_port"]} for p in pairs]}}
    entry = next((p for p in pairs if p["port"] == port), None)
    return [name], entry["target_port"] if entry else None, service


# ---------------------------------------------------------------- autoscalers, budgets, roles
# The README's rules (Kubernetes manifests: ServiceAccount, HorizontalPodAutoscaler,
# PodDisruptionBudget; Rolling updates), written here from those rules, not from the compiler.

def amount_of(value, default):
    """A maxSurge/maxUnavailable/minAvailable as ('count', n) or ('percent', p)."""
    if value is None:
        return default
    if isinstance(value, str) and value.endswith("%"):
        return ("percent", int(value[:-1]))
    return ("count", int(value))


def scaled(amount, count, round_up):
    kind, value = amount
    if kind == "count":
        return value
    return -(-count * value // 100) if round_up else count * value // 100


def cpu_millis(quantity):
    """A CPU quantity ('250m', '1.5', 2) in millicores."""
    text = str(quantity)
    if text.endswith("m"):
        return int(text[:-1])
    whole, _, fraction = text.partition(".")
    return int(whole or 0) * 1000 + int((fraction + "000")[:3] or 0)


def budget_of(spec, version):
    """(field, amount) of a PodDisruptionBudget's spec, or None when it budgets nothing."""
    if spec.get("minAvailable") is not None:
        return ("minAvailable", amount_of(spec["minAvailable"], None))
    if spec.get("maxUnavailable") is not None:
        return ("maxUnavailable", amount_of(spec["maxUnavailable"], None))
    # policy/v1beta1 defaulted minAvailable to 1; policy/v1 budgets nothing.
    return ("minAvailable", ("count", 1)) if version == "policy/v1beta1" else None


def budget_selects(budget, deployment):
    spec = budget.get("spec") or {}
    if "selector" not in spec or spec["selector"] is None:
        return False
    labels = (spec["selector"] or {}).get("matchLabels") or {}
    if not labels and budget.get("apiVersion") != "policy/v1":
        return False
    namespace = (budget.get("metadata") or {}).get("namespace") or "default"
    return namespace == deployment["namespace"] and all(deployment.get("labels", {}).get(k) == v for k, v in labels.items())


def hpa_cpu(hpa):
    """The CPU utilisation percentage an autoscaler targets, or None."""
    spec = hpa.get("spec") or {}
    if hpa.get("apiVersion") == "autoscaling/v1":
        return int(spec.get("targetCPUUtilizationPercentage", 80))
    metrics = spec.get("metrics") or []
    if not metrics:
        return 80
    for metric in metrics:
        resource = metric.get("resource") or {}
        target = resource.get("target") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu" and target.get("type") == "Utilization":
            return int(target["averageUtilization"])
    return None


def group_plan(deployment, autoscaler, budget):
    """(MinSize, MaxSize, MinInstancesInService, MaxBatchSize, (MinHealthy, MaxHealthy) or None)."""
    replicas, recreate = deployment["replicas_written"], deployment["recreate"]
    surge_written, unavailable_written = deployment["strategy"]
    floor, ceiling = (autoscaler["min"], autoscaler["max"]) if autoscaler else (replicas, replicas)
    # Surge at the ceiling (rounded up), unavailability at the floor (rounded down, at most
    # the floor); if both are 0, one VM may be unavailable.
    surge = scaled(surge_written, ceiling, True)
    unavailable = min(scaled(unavailable_written, floor, False), floor)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    if recreate:
        min_in, max_size, batch = 0, max(ceiling, 1), max(ceiling, 1)
    else:
        min_in = max(floor - unavailable, 0)
        max_size = max(ceiling + surge, min_in + 1, 1)
        min_in = min(min_in, max_size - 1)
        batch = max(surge + unavailable, 1)
    maintenance = None
    if budget:
        field, amount = budget
        count = scaled(amount, floor, True)
        kept = min(count, floor) if field == "minAvailable" else max(floor - count, 0)
        if kept > min_in:
            min_in = kept
            max_size = max(max_size, kept + 1)
            batch = max((max_size - kept) if recreate else (max_size - ceiling) + max(floor - kept, 0), 1)
        if amount[0] == "percent":
            min_healthy = amount[1] if field == "minAvailable" else 100 - amount[1]
        else:
            min_healthy = 0 if floor == 0 else min(-(-kept * 100 // floor), 100)
        surge_percent = 100 if ceiling == 0 else -(-(max_size - ceiling) * 100 // ceiling)
        max_healthy = min(100 + surge_percent, 200)
        if min_healthy == 100:
            max_healthy = max(max_healthy, 101)
        maintenance = (min_healthy, min(max_healthy, min_healthy + 100))
    return floor, max_size, min_in, batch, maintenance


def add_scaling(documents, deployments):
    """Adds `scaling` to every deployment: the group plan, the autoscaler (bounds, CPU percent
    and of what), and the role ARN; an autoscaled group starts at its minimum, so `replicas`
    (what DesiredCapacity must be) becomes that."""
    short = {d["name"]: d for d in documents if not is_kubernetes(d)}
    objects = list(kubernetes_objects([d for d in documents if is_kubernetes(d)]))
    for deployment in deployments:
        namespace = deployment["namespace"]
        source = short.get(deployment["name"]) if "pod" not in deployment else None
        autoscaler, budget, role, requests = None, None, None, 0
        if source is not None:
            update = source.get("update") or {}
            deployment["strategy"] = (amount_of(update.get("maxSurge"), ("percent", 25)), amount_of(update.get("maxUnavailable"), ("percent", 25)))
            if source.get("autoscaling"):
                spec = source["autoscaling"]
                autoscaler = {"min": int(spec.get("min", 1)), "max": int(spec["max"]), "cpu": int(spec.get("cpu", 80)), "of": "instance"}
            role = source.get("role")
        else:
            raw = next(o for o in objects if o.get("kind") == "Deployment" and o["metadata"]["name"] == deployment["name"])
            rolling = ((raw.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
            deployment["strategy"] = (amount_of(rolling.get("maxSurge"), ("percent", 25)), amount_of(rolling.get("maxUnavailable"), ("percent", 25)))
            pod = deployment["pod"]
            requests = sum(cpu_millis(((c.get("resources") or {}).get("requests") or {}).get("cpu", 0)) for c in pod.get("containers") or [])
            for hpa in (o for o in objects if o.get("kind") == "HorizontalPodAutoscaler"):
                target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
                if target.get("kind") == "Deployment" and target.get("name") == deployment["name"] and ((hpa.get("metadata") or {}).get("namespace") or "default") == namespace:
                    spec = hpa["spec"]
                    autoscaler = {"min": int(spec.get("minReplicas", 1)), "max": int(spec["maxReplicas"]), "cpu": hpa_cpu(hpa), "of": "requests"}
            for pdb in (o for o in objects if o.get("kind") == "PodDisruptionBudget"):
                found = budget_of(pdb.get("spec") or {}, pdb.get("apiVersion")) if budget_selects(pdb, deployment) else None
                # Under two budgets the stricter is kept.
                if found and (budget is None or plan_floor(found, deployment, autoscaler) > plan_floor(budget, deployment, autoscaler)):
                    budget = found
            account = pod.get("serviceAccountName") or pod.get("serviceAccount") or "default"
            for sa in (o for o in objects if o.get("kind") == "ServiceAccount"):
                metadata = sa.get("metadata") or {}
                if metadata.get("name") == account and (metadata.get("namespace") or "default") == namespace:
                    role = (metadata.get("annotations") or {}).get("eks.amazonaws.com/role-arn")
                    deployment["profile"] = f"{namespace}/{account}"
        deployment["replicas_written"] = deployment["replicas"]
        min_size, max_size, min_in, batch, maintenance = group_plan(deployment, autoscaler, budget)
        deployment["scaling"] = {
            "min_size": min_size, "max_size": max_size, "min_in_service": min_in, "max_batch_size": batch,
            "maintenance": maintenance, "autoscaler": autoscaler, "requests_millis": requests, "role": role,
        }
        if autoscaler:
            deployment["replicas"] = autoscaler["min"]
        if deployment["recreate"] and (autoscaler or min_in > 0):
            # Recreate's one-batch update at `replicas` (rolling_update) no longer describes the
            # group: bounds or a budget change it. check_scaling.py checks what it is instead.
            deployment["recreate"] = False


def plan_floor(budget, deployment, autoscaler):
    """The VMs a budget keeps, to compare two budgets over one Deployment."""
    floor = autoscaler["min"] if autoscaler else deployment["replicas"]
    field, amount = budget
    count = scaled(amount, floor, True)
    return min(count, floor) if field == "minAvailable" else max(floor - count, 0)


# ---------------------------------------------------------------- NetworkPolicy (networking.k8s.io/v1)
# Kubernetes' semantics (k8s.io/api/networking/v1 types.go comments, the concepts page): a pod
# selected by any policy whose types include Ingress (absent policyTypes: always) accepts only
# what some rule of such a policy admits; a rule admits when its ports AND its `from` match;
# absent or empty `ports`/`from` match all; peers are ORed; namespaceSelector AND podSelector in
# one peer; an ipBlock is its cidr less its excepts. Namespaces are known by name only (the
# kubernetes.io/metadata.name label); i2kit refuses any other namespace label, so fixtures use none.

NAMESPACE_NAME = "kubernetes.io/metadata.name"


def selector_matches(selector, labels):
    """A label selector: matchLabels and matchExpressions, ANDed; {} selects everything."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        found = labels.get(key)
        if operator == "In" and found not in values:
            return False
        if operator == "NotIn" and found in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def network_policies(documents):
    return [o for o in kubernetes_objects([d for d in documents if is_kubernetes(d)]) if o.get("kind") == "NetworkPolicy"]


def _affects_ingress(policy):
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    return "Ingress" in types if types else True


def _port_matches(entries, port, udp, callee):
    if not entries:
        return True
    protocol = "UDP" if udp else "TCP"
    for entry in entries:
        if entry.get("protocol", "TCP") != protocol:
            continue
        wanted = entry.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            # Named: the destination pod's container port of that name and protocol.
            if any(d["name"] == wanted and d["number"] == port and d["udp"] == udp for d in callee["declared"]):
                return True
        elif int(wanted) <= port <= int(entry.get("endPort", wanted)):
            return True
    return False


def egress_to_address(policies, caller, address, port, udp=False):
    """May `caller` open a connection to `address` (outside every pod) on `port`? None when no
    policy restricts its egress; else whether a rule of one policy selecting it takes the port
    (a named port names a pod's port, so never an outside address's) and either names no peer
    or an ipBlock holding the address outside its `except`s."""
    ip = ipaddress.ip_address(address)
    selecting = _egress_policies(policies, caller)
    if not selecting:
        return None
    nobody = {"declared": []}
    for policy in selecting:
        for rule in (policy.get("spec") or {}).get("egress") or []:
            rule = rule or {}
            if not _port_matches(rule.get("ports"), port, udp, nobody):
                continue
            peers = rule.get("to") or []
            if not peers:
                return True
            for peer in peers:
                block = peer.get("ipBlock")
                if not block:
                    continue
                inside = ip in ipaddress.ip_network(block["cidr"], strict=False)
                excepted = any(ip in ipaddress.ip_network(e, strict=False) for e in block.get("except") or [])
                if inside and not excepted:
                    return True
    return False


def ingress_verdict(policies, deployments, callee, port, udp=False):
    """None when nothing isolates callee on port (every caller may come), else who may:
    {"deployments": names, "application": every pod of every namespace, "blocks": [ip_network]}
    (blocks are the ipBlocks less their excepts)."""
    import ipaddress

    namespace = callee["namespace"]
    selecting = [p for p in policies if _affects_ingress(p)
                 and ((p.get("metadata") or {}).get("namespace") or "default") == namespace
                 and selector_matches((p.get("spec") or {}).get("podSelector"), callee["labels"])]
    if not selecting:
        return None
    allowed = {"deployments": set(), "application": False, "blocks": []}
    for policy in selecting:
        own = (policy.get("metadata") or {}).get("namespace") or "default"
        for rule in (policy.get("spec") or {}).get("ingress") or []:
            rule = rule or {}
            if not _port_matches(rule.get("ports"), port, udp, callee):
                continue
            peers = rule.get("from") or []
            if not peers:
                return None
            for peer in peers:
                if "ipBlock" in peer:
                    blocks = [ipaddress.ip_network(peer["ipBlock"]["cidr"], strict=False)]
                    for excepted in peer["ipBlock"].get("except") or []:
                        excepted = ipaddress.ip_network(excepted, strict=False)
                        blocks = [rest for b in blocks for rest in (b.address_exclude(excepted) if excepted.subnet_of(b) else [b])]
                    allowed["blocks"] += blocks
                    continue
                namespaces, pods = peer.get("namespaceSelector"), peer.get("podSelector")
                if namespaces == {} and not pods:
                    allowed["application"] = True
                    continue
                for d in deployments:
                    in_scope = (d["namespace"] == own) if namespaces is None else selector_matches(namespaces, {NAMESPACE_NAME: d["namespace"]})
                    if in_scope and selector_matches(pods, d["labels"]):
                        allowed["deployments"].add(d["name"])
    return allowed


def address_admits(allowed, network):
    """Does the verdict admit every address of `network`, a caller outside the application (no
    pod of the manifest, so only an ipBlock can name it)? True, False, or None when an ipBlock
    admits part of the range only (a calls file must not name such a range)."""
    if allowed is None:
        return True
    blocks = [b for b in allowed["blocks"] if b.version == network.version]
    if any(network.subnet_of(b) for b in blocks):
        return True
    return None if any(network.overlaps(b) for b in blocks) else False


def verdict_admits(allowed, caller, vpc_cidrs):
    """Does the verdict admit a VM of `caller` (an address somewhere in vpc_cidrs)? True, False, or
    None when it depends on where in the VPC the VM lands (a fixture must not)."""
    if allowed is None or allowed["application"] or caller["name"] in allowed["deployments"]:
        return True
    inside = [any(c.subnet_of(b) for b in allowed["blocks"] if b.version == c.version) for c in vpc_cidrs]
    overlapping = [any(c.overlaps(b) for b in allowed["blocks"] if b.version == c.version) for c in vpc_cidrs]
    if all(inside):
        return True
    return None if any(overlapping) else False


def _affects_egress(policy):
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    return "Egress" in types if types else "egress" in spec


def _egress_policies(policies, caller):
    """The policies with Egress that select `caller`'s pods in its namespace."""
    return [p for p in policies if _affects_egress(p)
            and ((p.get("metadata") or {}).get("namespace") or "default") == caller["namespace"]
            and selector_matches((p.get("spec") or {}).get("podSelector"), caller["labels"])]


def egress_verdict(policies, deployments, caller, callees, target_port, udp, vpc_cidrs):
    """May `caller` open a connection to the pods of `callees` on target_port (Kubernetes' rules
    for egress: a pod selected by a policy with Egress reaches only what a rule of one such
    policy allows)? None when no policy restricts the caller's egress; True or False; "range"
    when only an ipBlock overlapping the VPC could allow it (the load balancer's addresses are
    the VPC's; a fixture must not depend on that)."""
    import ipaddress

    selecting = _egress_policies(policies, caller)
    if not selecting:
        return None
    verdict = False
    for callee in callees:
        allowed = False
        for policy in selecting:
            own = (policy.get("metadata") or {}).get("namespace") or "default"
            for rule in (policy.get("spec") or {}).get("egress") or []:
                rule = rule or {}
                if not _port_matches(rule.get("ports"), target_port, udp, callee):
                    continue
                peers = rule.get("to") or []
                if not peers:
                    allowed = True
                for peer in peers:
                    if "ipBlock" in peer:
                        block = ipaddress.ip_network(peer["ipBlock"]["cidr"], strict=False)
                        if any(c.version == block.version and c.overlaps(block) for c in vpc_cidrs):
                            verdict = "range"
                        continue
                    namespaces, pods = peer.get("namespaceSelector"), peer.get("podSelector")
                    in_scope = (callee["namespace"] == own) if namespaces is None else selector_matches(namespaces, {NAMESPACE_NAME: callee["namespace"]})
                    if in_scope and selector_matches(pods, callee["labels"]):
                        allowed = True
        if not allowed:
            return verdict
    return True
