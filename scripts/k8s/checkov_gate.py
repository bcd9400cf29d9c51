#!/usr/bin/env python3
"""Runs checkov on Kubernetes manifests with the one list of accepted
findings (k8s/checkov-skips.yaml) and fails unless:

- without the global skips, checkov fails exactly the checks listed as
  `everywhere` (so no entry is stale) and nothing else;
- every per-object skip is reported by checkov as skipped on that object;
- with the global skips, checkov reports zero failures and no parse errors.

Usage: checkov_gate.py CHECKOV SKIPS_FILE TARGET...  (directories or files)
"""

import json
import subprocess
import sys

import yaml


def run_checkov(checkov, targets, skip_checks, skip_paths):
    """Checkov once per target: given several, it mixes up their results."""
    failed, skipped, summary = [], [], {"passed": 0, "failed": 0, "parsing_errors": 0}
    for target in targets:
        f, s, totals = run_one(checkov, target, skip_checks, skip_paths)
        failed += f
        skipped += s
        for key in summary:
            summary[key] += totals[key]
    return failed, skipped, summary


def run_one(checkov, target, skip_checks, skip_paths):
    command = [checkov, "--framework", "kubernetes", "--skip-download", "--compact",
               "--output", "json"]
    command += ["--file" if target.endswith((".yaml", ".yml")) else "--directory", target]
    for path in skip_paths:
        command += ["--skip-path", path]
    if skip_checks:
        command += ["--skip-check", ",".join(skip_checks)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"checkov failed to run ({result.returncode}):\n{result.stderr}")
    # One JSON document per scanned directory, concatenated.
    reports, text, decoder = [], result.stdout.strip(), json.JSONDecoder()
    while text:
        report, end = decoder.raw_decode(text)
        reports += report if isinstance(report, list) else [report]
        text = text[end:].strip()
    failed, skipped, summary = [], [], {"passed": 0, "failed": 0, "parsing_errors": 0}
    for report in reports:
        if "results" not in report:
            continue
        failed += report["results"]["failed_checks"]
        skipped += report["results"]["skipped_checks"]
        for key in summary:
            summary[key] += report["summary"][key]
    for check in failed + skipped:
        check["target"] = target
    return failed, skipped, summary


def main(checkov, skips_file, targets):
    with open(skips_file) as f:
        accepted = yaml.safe_load(f)
    everywhere = {s["check"] for s in accepted["skips"] if s["scope"] == "everywhere"}
    per_object = [s for s in accepted["skips"] if s["scope"] != "everywhere"]
    skip_paths = [p["path"] for p in accepted.get("skip_paths", [])]
    problems = []

    failed, skipped, summary = run_checkov(checkov, targets, [], skip_paths)
    if summary["passed"] == 0:
        problems.append("checkov passed no check at all: it scanned nothing")
    unexpected = sorted({(c["check_id"], c["resource"], c["target"] + c["file_path"])
                         for c in failed if c["check_id"] not in everywhere})
    for check, resource, path in unexpected:
        problems.append(f"{check} fails on {resource} ({path}) and is not accepted")
    for check in sorted(everywhere - {c["check_id"] for c in failed}):
        problems.append(f"{check} is accepted everywhere but no longer fails: remove it")
    for skip in per_object:
        kind, _, name = skip["scope"].partition("/")
        hits = {c["target"] for c in skipped if c["check_id"] == skip["check"]
                and c["resource"].startswith(f"{kind}.") and c["resource"].endswith(f".{name}")}
        if not hits:
            problems.append(f"{skip['check']} on {skip['scope']} is accepted but not skipped")

    failed, skipped, summary = run_checkov(checkov, targets, sorted(everywhere), skip_paths)
    print(f"checkov: {summary['passed']} passed, {summary['failed']} failed, "
          f"{len(skipped)} skipped by annotation, {summary['parsing_errors']} parse errors "
          f"(accepted everywhere: {', '.join(sorted(everywhere))})")
    if summary["failed"] or summary["parsing_errors"]:
        problems.append("checkov reports failures with the accepted skips applied")
    for p in problems:
        print(f"checkov: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
