"""Secrets fetched at boot, judged on the deployed IAM (called by assert_stack.py).

From the manifest alone (README "Secrets at boot"): every Secret a Deployment's or
StatefulSet's containers reference (`env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`,
`volumes[].secret`), the input holding no Secret of that name, is fetched at boot from its id:
`secret-id.i2kit.io/<name>` on the pod template, else `<namespace>/<name>` (Parameter Store:
`/<namespace>/<name>`), from the store `i2kit.io/secret-store` names (Secrets Manager by
default). On the deployed stack, the role of the workload's instance profile (from its launch
template) must then be allowed to read exactly those secrets and nothing more:

  - `secretsmanager:GetSecretValue` on exactly `arn:...:secret:<id>-??????` of each Secrets
    Manager id, `ssm:GetParameter*` on exactly `arn:...:parameter/<id>` of each Parameter Store
    id, and no secret-reading action on any other resource (`*` least of all);
  - `kms:Decrypt` only on the key `i2kit.io/secrets-kms-key` names, and not at all without it;
  - a workload that references no such Secret can read none.
"""

import json
import urllib.parse

SECRET_ACTIONS = ("secretsmanager:", "ssm:GetParameter")
KMS_ACTION = "kms:Decrypt"


def secret_references(pod):
    """Names of the Secrets a pod spec's containers and volumes read."""
    names = set()
    for container in (pod.get("initContainers") or []) + (pod.get("containers") or []):
        for entry in container.get("env") or []:
            reference = ((entry or {}).get("valueFrom") or {}).get("secretKeyRef")
            if reference and reference.get("name"):
                names.add(reference["name"])
        for entry in container.get("envFrom") or []:
            reference = (entry or {}).get("secretRef")
            if reference and reference.get("name"):
                names.add(reference["name"])
    for volume in pod.get("volumes") or []:
        secret = (volume or {}).get("secret")
        if secret and secret.get("secretName"):
            names.add(secret["secretName"])
    return names


def expected_access(raw, region, account):
    """(resource ARNs the workload may read secrets from, the KMS key it may use or None)."""
    metadata = raw.get("metadata") or {}
    namespace = metadata.get("namespace") or "default"
    template = (raw.get("spec") or {}).get("template") or {}
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    store = annotations.get("i2kit.io/secret-store", "secrets-manager")
    resources = set()
    for name in secret_references(template.get("spec") or {}):
        default = f"{namespace}/{name}" if store == "secrets-manager" else f"/{namespace}/{name}"
        secret_id = annotations.get(f"secret-id.i2kit.io/{name}", default)
        if store == "secrets-manager":
            resources.add(f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_id}-??????")
        else:
            resources.add(f"arn:aws:ssm:{region}:{account}:parameter/{secret_id.lstrip('/')}")
    return resources, annotations.get("i2kit.io/secrets-kms-key")


def as_list(value):
    return value if isinstance(value, list) else [value]


def role_statements(iam, role_name):
    """Every statement of the role's inline policies (AWS::IAM::Policy resources are inline
    policies of the roles they name) and of its attached managed policies."""
    statements = []
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(urllib.parse.unquote(document))
        statements += as_list(document.get("Statement") or [])
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
        document = version["PolicyVersion"]["Document"]
        if isinstance(document, str):
            document = json.loads(urllib.parse.unquote(document))
        statements += as_list(document.get("Statement") or [])
    return statements


def granted(statements, prefixes):
    """Resources the Allow statements grant any action starting with one of `prefixes` on."""
    resources = set()
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        if any(str(action).startswith(prefixes) for action in as_list(statement.get("Action") or [])):
            resources |= {str(r) for r in as_list(statement.get("Resource") or [])}
    return resources


def workload_role(stack, iam, name):
    """The role the workload's VMs act as: its launch template's instance profile's role."""
    template_id = stack.physical_id(logical_id(name) + "LaunchTemplate")
    if not template_id:
        return None
    versions = stack.ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=["$Latest"])["LaunchTemplateVersions"]
    profile = ((versions[0]["LaunchTemplateData"] if versions else {}).get("IamInstanceProfile") or {})
    profile_name = profile.get("Name") or (profile.get("Arn") or "").rsplit("/", 1)[-1]
    if not profile_name:
        return ""
    roles = iam.get_instance_profile(InstanceProfileName=profile_name)["InstanceProfile"].get("Roles") or []
    return roles[0]["RoleName"] if roles else ""


def logical_id(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("-") if part)


def check(checks, stack, objects):
    """The checks above for every Deployment and StatefulSet of `objects` (Kubernetes)."""
    arn = stack.description["StackId"].split(":")
    region, account = arn[3], arn[4]
    iam = stack.client("iam")
    for raw in objects:
        if raw.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        name = (raw.get("metadata") or {}).get("name")
        checks.prefix = f"{stack.name}/{name}: secrets at boot: "
        wanted, key = expected_access(raw, region, account)
        role = workload_role(stack, iam, name)
        if role is None:
            checks.skip("the role of its instance profile", "no launch template of that name")
            continue
        statements = role_statements(iam, role) if role else []
        checks.equal(sorted(granted(statements, SECRET_ACTIONS)), sorted(wanted),
                     f"its role ({role or 'none'}) may read exactly the secrets its pods reference")
        checks.equal(sorted(granted(statements, (KMS_ACTION,))), [key] if key else [],
                     "it may decrypt only with the key its pod template names")
