#!/usr/bin/env python3
"""Prints bench/compare.sh's results (hyperfine JSON exports, memory.tsv) as markdown."""

import json
import os
import statistics
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "target/bench"
COUNTS = (1, 10, 100, 1000)


def results(name):
    with open(os.path.join(OUT, name), encoding="utf-8") as handle:
        return {result["command"]: result for result in json.load(handle)["results"]}


def tsv(name):
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return dict(line.rstrip("\n").split("\t") for line in handle if line.strip())


def median(result):
    return statistics.median(result["times"])


def ms(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.1 else f"{seconds * 1000:.2f} ms"


def mb(kib):
    return f"{int(kib) / 1024:.1f} MB"


with open(os.path.join(OUT, "machine.txt"), encoding="utf-8") as handle:
    machine = dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)
memory = tsv("memory.tsv")
exits = tsv("exit-codes.tsv")

print("## Machine\n")
print(f"- CPU: {machine['cpu']}, {machine['nproc']} cores (nproc)")
print(f"- Memory: {int(machine['memory_kb']) / 1024 / 1024:.1f} GiB; Linux {machine['kernel']}")
print(f"- Load average before / after: {machine['load_before']} / {machine.get('load_after', '?')}")
print(f"- {machine['i2kit']} ({machine['rustc']}); {machine['python']}, troposphere {machine['troposphere']}, "
      f"PyYAML {machine['pyyaml'].strip()}, {machine['check_jsonschema']}; {machine['hyperfine']}")
print()

compile_rows = {**results("compile-i2kit.json"), **results("compile-troposphere.json")}
i2kit, peer = compile_rows["i2kit compile"], compile_rows["troposphere"]
print("## The paper's manifest: compile\n")
print("| command | median | min | runs | peak RSS |")
print("| --- | ---: | ---: | ---: | ---: |")
for label, result in (("i2kit compile", i2kit), ("troposphere", peer)):
    print(f"| {label} | {ms(median(result))} | {ms(min(result['times']))} | {len(result['times'])} | {mb(memory[label])} |")
print(f"\ntroposphere / i2kit: **{median(peer) / median(i2kit):.0f}x** time (medians), "
      f"{int(memory['troposphere']) / int(memory['i2kit compile']):.1f}x peak memory\n")

validate = results("validate.json")
i2kit, peer = validate["i2kit validate"], validate["check-jsonschema"]
print("## Validate 1,000 files in one call\n")
print("| command | median | min | runs | per file | peak RSS |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for label, result in (("i2kit validate", i2kit), ("check-jsonschema", peer)):
    print(f"| {label} | {ms(median(result))} | {ms(min(result['times']))} | {len(result['times'])} | "
          f"{median(result) * 1e6 / 1000:.0f} µs | {mb(memory[label])} |")
print(f"\ncheck-jsonschema / i2kit: **{median(peer) / median(i2kit):.1f}x** time (medians)\n")

print("## Scaling\n")
print("| deployments | validate N files | per deployment | marginal per deployment | peak RSS "
      "| compile one N-document file | per deployment | marginal per deployment | peak RSS | compile exit |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
previous = None
for n in COUNTS:
    scale = results(f"scale-{n}.json")
    v, c = median(scale[f"validate {n} files"]), median(scale[f"compile {n} documents"])
    if previous is None:
        marginal_v = marginal_c = "–"
    else:
        pn, pv, pc = previous
        marginal_v = f"{(v - pv) / (n - pn) * 1e6:.0f} µs"
        marginal_c = f"{(c - pc) / (n - pn) * 1e6:.0f} µs"
    print(f"| {n} | {ms(v)} | {v / n * 1e6:.0f} µs | {marginal_v} | {mb(memory[f'validate {n} files'])} "
          f"| {ms(c)} | {c / n * 1e6:.0f} µs | {marginal_c} | {mb(memory[f'compile {n} documents'])} "
          f"| {exits.get(f'compile {n} documents', '?')} |")
    previous = (n, v, c)
print("\nMarginal = (t(N) - t(previous N)) / (N - previous N): the cost of one more deployment once "
      "the fixed start-up cost is paid. Exit 1 = over CloudFormation's per-template quotas (I2K018), "
      "reported when reading reaches the 100th deployment, before any template is built; no file is written.")
