#!/usr/bin/env python3
"""Generates src/input/kubernetes/fields/table.rs: the fields of every Kubernetes kind and
apiVersion i2kit's Kubernetes reader accepts, nested types included, so a key that is not a
Kubernetes field is an error at its line (see src/input/kubernetes/fields/mod.rs).

Source: the strict JSON schemas that the PyPI package `kubernetes-validate` bundles. They are
the definitions of Kubernetes' own OpenAPI spec (kubernetes/kubernetes `api/openapi-spec`,
converted to JSON Schema by openapi2jsonschema with `additionalProperties: false`), one folder
per Kubernetes release. Each apiVersion is read from the newest release whose spec defines it,
which is what `kubectl apply` on the last cluster to serve it decodes strictly against:

    kubernetes-validate 1.37.0: Kubernetes 1.37.0 (and 1.25.0 for autoscaling/v2beta2)
    kubernetes-validate 1.24.1: Kubernetes 1.24.0 (policy/v1beta1) and 1.17.0 (apps/v1beta1,
                                apps/v1beta2, extensions/v1beta1 Deployments)

Fields of a newer release than the one pinned for an apiVersion are unknown there, as they are
to that release's API server.

Regenerate (needs pip and PyPI; nothing else is fetched):

    python3 tools/kubernetes-fields/generate.py > src/input/kubernetes/fields/table.rs

or pass the unpacked `kubernetes-json-schema` folders of both packages as arguments to skip the
download. When the reader accepts a new kind or apiVersion, add it to ROOTS below; the test
`collect::tests::every_kind_and_version_read_has_its_fields` fails until then.
"""

import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

PACKAGES = ["kubernetes-validate==1.37.0", "kubernetes-validate==1.24.1"]

# (apiVersion, kind) that i2kit's reader accepts, the current version of each kind first: an
# object without apiVersion is checked against it.
ROOTS = [
    ("apps/v1", "Deployment"),
    ("apps/v1beta2", "Deployment"),
    ("apps/v1beta1", "Deployment"),
    ("extensions/v1beta1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("v1", "PersistentVolumeClaim"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("autoscaling/v1", "HorizontalPodAutoscaler"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("policy/v1beta1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("v1", "Endpoints"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
]

# metav1.List (`kind: List`) is client-side only and has no definition in the spec: it is the
# envelope every typed list has (apiVersion, kind, metadata: ListMeta, items), whose items are
# whole objects, each checked as a document of its own. Taken from the typed list below.
LIST_ENVELOPE = ("v1", "ConfigMapList")


def download(folder):
    for package in PACKAGES:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", folder, package],
            check=True,
            stdout=sys.stderr,
        )
    roots = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        target = os.path.join(folder, "unpacked-" + name)
        if name.endswith(".whl"):
            with zipfile.ZipFile(path) as archive:
                archive.extractall(target)
        elif name.endswith(".tar.gz"):
            with tarfile.open(path) as archive:
                archive.extractall(target, filter="data")
        else:
            continue
        for directory, subdirectories, _ in os.walk(target):
            if os.path.basename(directory) == "kubernetes-json-schema":
                roots.append(directory)
                subdirectories.clear()
    return roots


def releases(schema_roots):
    """{release: definitions} for every strict schema folder found."""
    found = {}
    for root in schema_roots:
        for name in os.listdir(root):
            match = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)-local-strict", name)
            if not match:
                continue
            with open(os.path.join(root, name, "_definitions.json"), encoding="utf-8") as file:
                document = json.load(file)
            definitions = document.get("definitions") or document.get("$defs")
            found[tuple(int(part) for part in match.groups())] = definitions
    return found


def api_version(gvk):
    return gvk["version"] if not gvk["group"] else f"{gvk['group']}/{gvk['version']}"


def serving(definitions, wanted):
    for name, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            if (api_version(gvk), gvk["kind"]) == wanted:
                return name
    return None


def ref_name(reference):
    return reference.rsplit("/", 1)[-1]


class Table:
    def __init__(self):
        self.types = {}  # content -> index
        self.names = []  # index -> set of "name (release)"
        self.contents = []

    def intern(self, definitions, release, name, stack=()):
        if name in stack:
            raise SystemExit(f"recursive type {name}: the table cannot hold it")
        definition = definitions[name]
        if "properties" not in definition:
            return None
        fields = []
        for field, schema in sorted(definition["properties"].items()):
            fields.append((field, self.shape(definitions, release, schema, stack + (name,))))
        content = tuple(fields)
        short = name.removeprefix("io.k8s.api.").removeprefix("io.k8s.apimachinery.pkg.apis.")
        label = f"{short} ({'.'.join(map(str, release))})"
        if content not in self.types:
            self.types[content] = len(self.contents)
            self.contents.append(content)
            self.names.append(set())
        index = self.types[content]
        self.names[index].add(label)
        return index

    def shape(self, definitions, release, schema, stack):
        if "$ref" in schema:
            index = self.intern(definitions, release, ref_name(schema["$ref"]), stack)
            return ("Leaf",) if index is None else ("Object", index)
        types = schema.get("type")
        types = types if isinstance(types, list) else [types]
        if "array" in types and "$ref" in schema.get("items", {}):
            index = self.intern(definitions, release, ref_name(schema["items"]["$ref"]), stack)
            return ("Leaf",) if index is None else ("List", index)
        if "object" in types and "$ref" in (schema.get("additionalProperties") or {}):
            index = self.intern(
                definitions, release, ref_name(schema["additionalProperties"]["$ref"]), stack
            )
            if index is not None:
                # No kind read today has one; the checker would need a shape for it.
                raise SystemExit(f"{stack[-1]} has a map of objects: add a Map shape to fields/mod.rs")
            return ("Leaf",)
        return ("Leaf",)


def render(table, kinds, sources):
    out = []
    out.append("// @generated by tools/kubernetes-fields/generate.py: do not edit by hand.")
    out.append("//")
    out.append("// The fields of every Kubernetes kind and apiVersion i2kit reads, from Kubernetes' OpenAPI")
    out.append("// spec as the PyPI package kubernetes-validate bundles it (strict JSON schemas of")
    out.append("// kubernetes/kubernetes `api/openapi-spec`), each apiVersion from the newest release whose spec defines it:")
    for source in sources:
        out.append(f"//   {source}")
    out.append("// Regenerate: python3 tools/kubernetes-fields/generate.py > src/input/kubernetes/fields/table.rs")
    out.append("")
    out.append("use super::{Field, Kind, Shape::{Leaf, List, Object}};")
    out.append("")
    out.append(f"pub const KINDS: [Kind; {len(kinds)}] = [")
    for (version, kind, release, root) in kinds:
        out.append(
            f'    Kind {{ api_version: "{version}", kind: "{kind}", kubernetes: "{release}", root: {root} }},'
        )
    out.append("];")
    out.append("")
    out.append(f"pub const TYPES: [&[Field]; {len(table.contents)}] = [")
    # One type per line: the table is data, and a type's fields read as one record.
    for index, content in enumerate(table.contents):
        fields = ", ".join(
            f'Field("{field}", {shape[0] if len(shape) == 1 else f"{shape[0]}({shape[1]})"})'
            for field, shape in content
        )
        out.append(f"    // {index}: {', '.join(sorted(table.names[index]))}")
        out.append(f"    &[{fields}],")
    out.append("];")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) > 1:
        found = releases(sys.argv[1:])
    else:
        with tempfile.TemporaryDirectory() as folder:
            found = releases(download(folder))
    table = Table()
    kinds = []
    sources = {}
    envelope = None
    for wanted in ROOTS + [LIST_ENVELOPE]:
        for release in sorted(found, reverse=True):
            name = serving(found[release], wanted)
            if name is None:
                continue
            root = table.intern(found[release], release, name)
            version = ".".join(map(str, release))
            label = "List v1 (as ConfigMapList)" if wanted == LIST_ENVELOPE else f"{wanted[1]} {wanted[0]}"
            sources.setdefault(version, []).append(label)
            if wanted == LIST_ENVELOPE:
                envelope = (found[release], release, name)
            else:
                kinds.append((wanted[0], wanted[1], version, root))
            break
        else:
            raise SystemExit(f"no release in the schemas serves {wanted[1]} {wanted[0]}")
    definitions, release, name = envelope
    fields = []
    for field, schema in sorted(definitions[name]["properties"].items()):
        shape = ("Leaf",) if field == "items" else table.shape(definitions, release, schema, ())
        fields.append((field, shape))
    table.contents.append(tuple(fields))
    table.names.append({"meta.v1.List (the envelope of every typed list, its items read as objects)"})
    kinds.append(("v1", "List", ".".join(map(str, release)), len(table.contents) - 1))
    lines = [
        f"Kubernetes {version}: {', '.join(entries)}"
        for version, entries in sorted(sources.items(), key=lambda item: [int(p) for p in item[0].split(".")], reverse=True)
    ]
    sys.stdout.write(render(table, kinds, lines))


if __name__ == "__main__":
    main()
