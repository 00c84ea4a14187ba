"""checkov finds no failed check; every skip is inline, in the template, with its reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cfn_model import TEMPLATE_DIR

CHECKOV = Path(sys.executable).with_name("checkov")


def run_checkov(directory: Path) -> tuple[dict, dict]:
    # --skip-download: no call to the vendor's platform; the checks ship in the package.
    result = subprocess.run(
        [str(CHECKOV), "--directory", str(directory), "--framework", "cloudformation",
         "--skip-download", "--output", "json"],
        capture_output=True, text=True, timeout=600,
    )
    if not result.stdout.strip().startswith(("{", "[")):
        pytest.fail(f"checkov gave no JSON report (exit {result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    return report["results"], report["summary"]


@pytest.fixture(scope="module")
def checkov_results(report_section):
    results, summary = run_checkov(TEMPLATE_DIR)
    lines = [f"passed {summary['passed']}, failed {summary['failed']}, skipped {summary['skipped']} "
             f"over {summary['resource_count']} resources (checkov {summary['checkov_version']})"]
    for check in results["failed_checks"]:
        lines.append(f"FAILED  {check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}")
    for check in results["skipped_checks"]:
        lines.append(f"skipped {check['check_id']} {check['resource']} ({check['file_path']}): {_reason(check)}")
    report_section("checkov", "\n".join(lines))
    return results, summary


def _reason(check: dict) -> str:
    return (check.get("check_result") or {}).get("suppress_comment") or ""


def test_checkov_ran_checks(checkov_results):
    results, summary = checkov_results
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 50, "too few checks ran: did checkov find the templates?"


def test_checkov_has_no_failed_check(checkov_results):
    results, _ = checkov_results
    failed = [f"{c['check_id']} {c['resource']} in {c['file_path']}: {c['check_name']}" for c in results["failed_checks"]]
    assert failed == [], "fix these, or skip one inline in its resource's Metadata with the reason:\n" + "\n".join(failed)


def test_every_checkov_skip_gives_a_reason(checkov_results):
    results, _ = checkov_results
    unexplained = [f"{c['check_id']} {c['resource']}" for c in results["skipped_checks"] if len(_reason(c)) < 20]
    assert unexplained == [], f"skips without a real reason: {unexplained}"


def test_checkov_reports_a_failing_template(tmp_path):
    (tmp_path / "open.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n"
        "  Open:\n"
        "    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n"
        "      GroupDescription: ssh from anywhere\n"
        "      SecurityGroupIngress:\n"
        "        - { IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0 }\n"
    )
    results, summary = run_checkov(tmp_path)
    assert "CKV_AWS_24" in {c["check_id"] for c in results["failed_checks"]}
    assert summary["failed"] >= 1
