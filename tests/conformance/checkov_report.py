"""Sums checkov's results per template and lists every failed check by resource type.

Usage: checkov_report.py WORK STEM... (reads WORK/checkov-STEM/results_json.json)
"""
import collections, json, os, sys
work, stems = sys.argv[1], sorted(sys.argv[2:])
by_type = collections.defaultdict(lambda: collections.defaultdict(set))
totals = collections.Counter()
for stem in stems:
    path = os.path.join(work, f"checkov-{stem}", "results_json.json")
    try:
        reports = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"  checkov {stem}: no results ({error}); see {work}/checkov-{stem}.log")
        totals["errors"] += 1
        continue
    reports = reports if isinstance(reports, list) else [reports]
    counts = collections.Counter()
    failed = []
    for report in reports:
        results = report.get("results") or {}
        counts["passed"] += len(results.get("passed_checks") or [])
        counts["failed"] += len(results.get("failed_checks") or [])
        counts["suppressed"] += len(results.get("skipped_checks") or [])
        for check in results.get("failed_checks") or []:
            resource_type, _, name = check["resource"].partition(".")
            failed.append(f"{check['check_id']} {check['resource']}")
            by_type[resource_type][check["check_id"]].add(check.get("check_name", ""))
    totals.update(counts)
    print(f"  checkov {stem}: passed={counts['passed']} failed={counts['failed']} suppressed={counts['suppressed']}")
    for line in failed:
        print(f"      failed {line}")
print("  checkov failed check ids by resource type:")
for resource_type in sorted(by_type):
    for check_id in sorted(by_type[resource_type]):
        print(f"      {resource_type} {check_id} {sorted(by_type[resource_type][check_id])[0]}")
print(f"  checkov summary: passed={totals['passed']} failed={totals['failed']} suppressed={totals['suppressed']}"
      f" templates={len(stems)} scan_errors={totals['errors']}")
