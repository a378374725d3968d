"""Every deployment's replicas + 2 (absent means 1), for the update check.

Usage: bump_replicas.py MANIFEST OUT -> prints the changes made.
"""
import sys, yaml
documents = [d for d in yaml.safe_load_all(open(sys.argv[1], encoding="utf-8")) if d is not None]
changes = []
def bump(holder, name):
    holder["replicas"] = int(holder.get("replicas", 1)) + 2
    changes.append(f"{name} {holder['replicas'] - 2} -> {holder['replicas']}")
for document in documents:
    if "apiVersion" in document and "kind" in document:
        objects = document.get("items") or [] if document.get("kind") == "List" else [document]
        for o in objects:
            if isinstance(o, dict) and o.get("kind") == "Deployment":
                bump(o.setdefault("spec", {}), o["metadata"]["name"])
    else:
        bump(document, document["name"])
assert changes, "no deployment found"
yaml.safe_dump_all(documents, open(sys.argv[2], "w", encoding="utf-8"), sort_keys=False)
print(", ".join(changes))
