#!/usr/bin/env python3
"""Runs the boot values of compiled LinuxKit files for real, as far as one machine can:
the fetch script of the `i2kit-boot` onboot entry, exactly as compiled, in a private mount
namespace with fake `curl` (IMDSv2) and `aws` (Secrets Manager) first on PATH; then each
wrapped container's service entry as an OCI bundle under `runc run`, over a static busybox
root filesystem, with LinuxKit's binds, tmpfs, user, capabilities and read-only root. The
container's program is a probe that prints its environment and arguments, which must be
exactly what Kubernetes would have given it with the fake values below.

Usage: runc_check.py I2KIT_BINARY BUSYBOX   (as root, with runc, unshare and jq)
"""
import json, os, random, shutil, subprocess, sys, tempfile
import yaml

I2KIT, BUSYBOX = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")

IMDS = {
    "placement/region": "eu-west-1",
    "instance-id": "i-0123456789abcdef0",
    "local-ipv4": "10.0.1.23",
    "local-hostname": "ip-10-0-1-23.eu-west-1.compute.internal",
}
SECRETS = {
    "prod/catalog/db": {"password": "p@ss 'word' $(x)\n\n", "username": "admin"},
    "shop/ui-settings": {"FEATURE_X": "on", "LOG_LEVEL": "debug", "bad key": "skipped"},
    "/shop/prod/api-tls": {"tls.crt": "CERT\n", "tls.key": "KEY\n", "unused": "x"},
    "/shop/api-settings": {"settings.json": '{"a": 1}\n', "other": "o"},
}
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# What each wrapped container must see: its whole environment and argv.
EXPECTED = {
    ("k8s-boot-pod-fields-and-secrets", "ui"): (
        {
            "ACCOUNT": "ui",
            "TIER": "front",
            "LABELS": 'app="ui"\ntier="front"',
            "LOG_LEVEL": "info",  # defined after the envFrom: it wins over the secret's key
            "MEMORY_MIB": "256",
            "CPU_MILLIS": "250",
            "FEATURE_X": "on",
            "PATH": PATH,
            "POD_IP": "10.0.1.23",
            "POD_NAME": "i-0123456789abcdef0",
            "POD_UID": "i-0123456789abcdef0",
            "NODE_NAME": "ip-10-0-1-23.eu-west-1.compute.internal",
            "DB_PASSWORD": "p@ss 'word' $(x)\n\n",
            "DB_USER": "admin",
        },
        ["--port", "8080"],
    ),
    ("k8s-env-field-ref-boot", "member"): (
        # No `env`: LinuxKit keeps the image's, PATH included; the probe's shell sets its own.
        {"POD_NAME": "i-0123456789abcdef0", "POD_IP": "10.0.1.23"},
        ["serve"],
    ),
}

# What each container that mounts `secret` volumes must find: path → (mode, content).
EXPECTED_FILES = {
    ("k8s-boot-secret-volume", "api"): {
        "/etc/tls/certs/tls.crt": ("440", "CERT\n"),
        "/etc/tls/private/tls.key": ("400", "KEY\n"),
        "/etc/api/settings.json": ("644", '{"a": 1}\n'),
        "/etc/podinfo/name": ("444", "i-0123456789abcdef0"),
        "/etc/podinfo/uid": ("400", "i-0123456789abcdef0"),
        "/etc/podinfo/meta/namespace": ("444", "shop"),
        "/etc/podinfo/labels": ("444", 'app="api"\ntier="back"'),
        "/etc/podinfo/tier": ("444", "back"),
    },
}

CURL = r"""#!/bin/sh
# Fake IMDSv2: a token only for a PUT; values only with that token.
put=0; token=; url=
while [ $# -gt 0 ]; do
  case $1 in
    -X) [ "$2" = PUT ] && put=1; shift 2 ;;
    -H) case $2 in "X-aws-ec2-metadata-token: "*) token=${2#*: } ;; esac; shift 2 ;;
    --retry|--retry-delay) shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
case $url in
  */latest/api/token) [ $put = 1 ] && { printf 'TOKEN'; exit 0; }; exit 22 ;;
esac
[ "$token" = TOKEN ] || exit 22
key=${url#*/latest/meta-data/}
f="$IMDS_DIR/$(printf '%s' "$key" | tr / _)"
[ -f "$f" ] || exit 22
cat "$f"
"""
AWS = r"""#!/bin/sh
# Fake `aws secretsmanager get-secret-value --secret-id ID --output json` and
# `aws ssm get-parameter --name ID --with-decryption --output json`.
[ -n "$AWS_REGION" ] || { echo "no region" >&2; exit 2; }
case "$1 $2 $3" in
  "secretsmanager get-secret-value --secret-id") kind=sm ;;
  "ssm get-parameter --name") kind=ssm ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
f="$SECRETS_DIR/$kind$(printf '%s' "$4" | tr / _)"
[ -f "$f" ] || { echo "An error occurred (ResourceNotFoundException/ParameterNotFound) when reading $4" >&2; exit 254; }
cat "$f"
"""
FILES_PROBE = """for t in "$@"; do
  /bin/busybox find "$t" -type f | /bin/busybox sort | while read -r f; do
    printf '%s\\0%s\\0' "$f" "$(/bin/busybox stat -c %a "$f")"
    /bin/busybox cat "$f"
    printf '\\0'
  done
done
"""
PROBE = """#!/bin/sh
/bin/busybox env -0
printf 'ARGV\\0'
printf '%s\\0' "$@"
"""


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def fetch(work, entry, secrets_held=None, must_succeed=True):
    """Runs the compiled fetch with /run/i2kit bound to work/run/i2kit; the fake store holds
    `secrets_held` (default: all of SECRETS). Returns the bound directory, or, when the fetch
    may fail, (directory, exit status)."""
    stubs = os.path.join(work, "stubs")
    write(os.path.join(stubs, "curl"), CURL, 0o755)
    write(os.path.join(stubs, "aws"), AWS, 0o755)
    imds = os.path.join(work, "imds")
    for key, value in IMDS.items():
        write(os.path.join(imds, key.replace("/", "_")), value)
    secrets = os.path.join(work, "secrets")
    for name, keys in SECRETS.items():
        if secrets_held is not None and name not in secrets_held:
            continue
        write(os.path.join(secrets, "sm" + name.replace("/", "_")),
              json.dumps({"Name": name, "SecretString": json.dumps(keys)}))
        write(os.path.join(secrets, "ssm" + name.replace("/", "_")),
              json.dumps({"Parameter": {"Name": name, "Type": "SecureString", "Value": json.dumps(keys)}}))
    run = os.path.join(work, "run", "i2kit")
    os.makedirs(run)
    command = entry["command"]
    script = ('mount --bind "$1" /run/i2kit 2>/dev/null || { mkdir -p /run/i2kit && mount --bind "$1" /run/i2kit; }; '
              'shift; exec "$@"')
    env = dict(os.environ, PATH=stubs + ":" + os.environ["PATH"], IMDS_DIR=imds, SECRETS_DIR=secrets)
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                             "mount", run] + command, env=env, capture_output=True, text=True)
    if not must_succeed:
        return run, result.returncode
    if result.returncode != 0:
        sys.exit(f"fetch failed ({result.returncode}): {result.stderr}")
    if result.stdout:
        sys.exit(f"fetch wrote to its log (stdout): {result.stdout!r}")
    for value in ["p@ss", "admin", "debug"]:
        if value in result.stderr:
            sys.exit(f"fetch logged a secret value: {result.stderr!r}")
    return run


def bundle(work, fixture, service, files, host_run):
    """An OCI bundle of `service` as LinuxKit would make it, paths of the VM under work/vm."""
    root = os.path.join(work, "bundle-" + service["name"])
    rootfs = os.path.join(root, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"))
    shutil.copy(BUSYBOX, os.path.join(rootfs, "bin", "busybox"))
    os.symlink("busybox", os.path.join(rootfs, "bin", "sh"))
    argv = service.get("command")
    if argv and "/.i2kit/env" in argv:
        program = argv[argv.index("--", argv.index("/.i2kit/env")) + 1]
        probe = program if program.startswith("/") else "/bin/" + program
        write(rootfs + probe, PROBE, 0o755)
    else:
        # Not wrapped: the probe lists the files of its `secret` volumes instead.
        targets = [b.split(":")[1] for b in service["binds"] if b.startswith("/run/i2kit/pod/volumes/")]
        argv = ["/bin/busybox", "sh", "-c", FILES_PROBE, "probe"] + targets
    vm = os.path.join(work, "vm")
    def host(path):
        if path.startswith("/run/i2kit/"):
            return os.path.join(host_run, path[len("/run/i2kit/"):])
        return vm + path
    for f in files:
        if "contents" in f:
            write(os.path.join(vm, f["path"]), f["contents"], int(f["mode"], 8))
    for busybox_bind in [b for b in service["binds"] if b.endswith(":/.i2kit/busybox:ro")]:
        target = host(busybox_bind.split(":")[0])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy(BUSYBOX, target)
    spec = json.loads(subprocess.run(["runc", "spec", "--bundle", root], check=True, capture_output=True)
                      and open(os.path.join(root, "config.json")).read())
    caps = [c for c in service.get("capabilities", []) if c != "none"]
    spec["process"].update(
        terminal=False, args=argv, env=service.get("env", []), cwd=service.get("cwd", "/"),
        user={"uid": service.get("uid", 0), "gid": service.get("gid", 0),
              "additionalGids": service.get("additionalGids", [])},
        noNewPrivileges=service.get("noNewPrivileges", False),
        capabilities={k: caps for k in ["bounding", "effective", "permitted"]},
    )
    spec["root"] = {"path": "rootfs", "readonly": service.get("readonly", False)}
    spec["hostname"] = service["name"]
    for bind in service.get("binds", []):
        parts = bind.split(":")
        options = ["rbind"] + (["ro"] if parts[2:] == ["ro"] else ["rw"])
        spec["mounts"].append({"destination": parts[1], "type": "bind", "source": host(parts[0]), "options": options})
    for tmpfs in service.get("tmpfs", []):
        path, _, size = tmpfs.partition(":")
        spec["mounts"].append({"destination": path, "type": "tmpfs", "source": "tmpfs",
                               "options": ["nosuid", "nodev"] + ([size] if size else [])})
    with open(os.path.join(root, "config.json"), "w") as f:
        json.dump(spec, f)
    return root


def run_probe(root, name):
    result = subprocess.run(["runc", "run", "--bundle", root, name], capture_output=True, timeout=30)
    if result.returncode != 0:
        sys.exit(f"{name}: runc run failed ({result.returncode}): {result.stderr.decode()}")
    fields = result.stdout.split(b"\0")
    split = fields.index(b"ARGV")
    env = dict(f.split(b"=", 1) for f in fields[:split] if f)
    return env, fields[split + 1:-1]


def fuzz(root, host_run, service, seed, count=100):
    """Random names (any printable ASCII but `=`) and values, both compiled-in (the wrapper's
    `NAME=VALUE` words and LinuxKit's env, text) and boot-time (files, any byte but NUL,
    trailing newlines included): the program, busybox `env -0` itself, must see each exactly."""
    rng = random.Random(seed)
    reserved = {b"HOME", b"SHLVL", b"PWD", b"PATH"}
    taken = set(reserved)

    def name():
        while True:
            text = bytes(rng.choice([c for c in range(0x20, 0x7f) if c != ord("=")])
                         for _ in range(rng.randint(1, 12)))
            if text not in taken:
                taken.add(text)
                return text

    alphabet = [chr(c) for c in range(0x20, 0x7f)] + ["\n", "\t", "é", "→", "$", "\\"]
    static = {}
    for _ in range(count):
        static[name()] = ("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
                          + "\n" * rng.randint(0, 2)).encode()
    boot = {}
    for _ in range(count):
        boot[name()] = bytes(rng.randint(1, 255) for _ in range(rng.randint(0, 40))) + b"\n" * rng.randint(0, 2)
    directory = os.path.join(host_run, "pod", "env", service["name"])
    for entry in os.listdir(directory):
        os.remove(os.path.join(directory, entry))
    uid, gid = service.get("uid", 0), service.get("gid", 0)
    for index, (key, value) in enumerate(boot.items()):
        path = os.path.join(directory, "%06d" % (index + 1))
        with open(path, "wb") as f:
            f.write(key + b"=" + value)
        os.chmod(path, 0o400)
        os.chown(path, uid, gid)
    os.symlink("busybox", os.path.join(root, "rootfs", "bin", "env"))
    config_path = os.path.join(root, "config.json")
    with open(config_path) as f:
        config = json.load(f)
    args = config["process"]["args"]
    words = [(k + b"=" + v).decode() for k, v in static.items()]
    config["process"]["args"] = args[:args.index("/.i2kit/env") + 1] + words + ["--", "/bin/env", "-0"]
    config["process"]["env"] = words + ["PATH=/bin"]
    with open(config_path, "w") as f:
        json.dump(config, f)
    result = subprocess.run(["runc", "run", "--bundle", root, "i2kit-fuzz-%d" % os.getpid()],
                            capture_output=True, timeout=30)
    if result.returncode != 0:
        sys.exit(f"fuzz: runc run failed ({result.returncode}): {result.stderr.decode()}")
    env = dict(f.split(b"=", 1) for f in result.stdout.split(b"\0") if f)
    for key in reserved:
        env.pop(key, None)
    wanted = {**static, **boot}
    if env != wanted:
        wrong = {k: (v, env.get(k)) for k, v in wanted.items() if env.get(k) != v}
        extra = set(env) - set(wanted)
        sys.exit(f"fuzz (seed {seed}): {len(wrong)} of {len(wanted)} variables differ, e.g. "
                 f"{list(wrong.items())[:3]}; unexpected: {sorted(extra)[:5]}")
    print(f"ok: fuzz (seed {seed}): {len(static)} compiled and {len(boot)} boot-time random names and values arrive exactly")


def main():
    checked = 0
    with tempfile.TemporaryDirectory(prefix="i2kit-runc-") as work:
        for fixture in sorted({f for f, _ in list(EXPECTED) + list(EXPECTED_FILES)}):
            out = os.path.join(work, fixture)
            subprocess.run([I2KIT, "compile", os.path.join(FIXTURES, fixture, "input.yaml"), "--out-dir", out],
                           check=True, capture_output=True)
            for name in sorted(os.listdir(out)):
                if not name.endswith(".linuxkit.yml"):
                    continue
                build = yaml.safe_load(open(os.path.join(out, name)))
                boot = [e for e in build["onboot"] if e["name"] == "i2kit-boot"][0]
                host_run = fetch(os.path.join(work, fixture + "-" + name), boot)
                for service in build["services"] + build["onboot"]:
                    key = (fixture, service["name"])
                    if key in EXPECTED_FILES:
                        root = bundle(os.path.join(work, fixture + "-" + name), fixture, service, build["files"], host_run)
                        result = subprocess.run(["runc", "run", "--bundle", root, "i2kit-check-%d-%d" % (os.getpid(), checked)],
                                                capture_output=True, timeout=30)
                        if result.returncode != 0:
                            sys.exit(f"{key}: runc run failed ({result.returncode}): {result.stderr.decode()}")
                        fields = result.stdout.decode().split("\0")[:-1]
                        found = {fields[i]: (fields[i + 1], fields[i + 2]) for i in range(0, len(fields), 3)}
                        if found != EXPECTED_FILES[key]:
                            sys.exit(f"{key}: the container found\n  {found}\nnot\n  {EXPECTED_FILES[key]}")
                        checked += 1
                        print(f"ok: {fixture} {service['name']}: {len(found)} files of secret volumes")
                        continue
                    if not any(b.endswith(":/.i2kit/env:ro") for b in service.get("binds", [])):
                        continue
                    root = bundle(os.path.join(work, fixture + "-" + name), fixture, service, build["files"], host_run)
                    result = subprocess.run(["runc", "run", "--bundle", root, "i2kit-check-%d-%d" % (os.getpid(), checked)],
                                            capture_output=True, timeout=30)
                    if result.returncode != 0:
                        sys.exit(f"{key}: runc run failed ({result.returncode}): {result.stderr.decode()}")
                    fields = result.stdout.split(b"\0")
                    split = fields.index(b"ARGV")
                    env = dict(f.decode().split("=", 1) for f in fields[:split] if f)
                    args = [f.decode() for f in fields[split + 1:-1]]
                    # HOME is runc's, as on LinuxKit; SHLVL and PWD are what busybox sh exports
                    # (the wrapper's and the probe's own shell).
                    for name in ["HOME", "SHLVL", "PWD"] + ([] if "env" in service else ["PATH"]):
                        env.pop(name, None)
                    want_env, want_args = EXPECTED[key]
                    if env != want_env or args != want_args:
                        sys.exit(f"{key}: the program saw\n  env {env}\n  argv {args}\nnot\n  env {want_env}\n  argv {want_args}")
                    checked += 1
                    print(f"ok: {fixture} {service['name']}: {len(env)} variables, {len(args)} arguments")
                    if service.get("readonly"):
                        fuzz(root, host_run, service, seed=int(os.environ.get("I2KIT_FUZZ_SEED", "20")))
        # Fail closed: a required secret the store lacks publishes nothing, so no wrapped
        # container can start (its bind source is missing); an optional one is left unset.
        build = yaml.safe_load(open(os.path.join(work, "k8s-boot-pod-fields-and-secrets", "ui.linuxkit.yml")))
        boot = [e for e in build["onboot"] if e["name"] == "i2kit-boot"][0]
        run, status = fetch(os.path.join(work, "closed"), boot, secrets_held={"shop/ui-settings"}, must_succeed=False)
        if status == 0 or os.path.exists(os.path.join(run, "pod")):
            sys.exit(f"a required secret missing: the fetch exited {status} and published {os.listdir(run)}")
        run = fetch(os.path.join(work, "optional"), boot, secrets_held={"prod/catalog/db"})
        names = []
        for entry in sorted(os.listdir(os.path.join(run, "pod", "env", "ui"))):
            with open(os.path.join(run, "pod", "env", "ui", entry), "rb") as f:
                names.append(f.read().split(b"=", 1)[0].decode())
        if "FEATURE_X" in names or "DB_PASSWORD" not in names:
            sys.exit(f"an optional secret missing: the fetch wrote {names}")
        print("ok: a missing required secret publishes nothing; a missing optional one is unset")
    if checked != len(EXPECTED) + len(EXPECTED_FILES):
        sys.exit(f"checked {checked} containers, expected {len(EXPECTED) + len(EXPECTED_FILES)}")


main()
