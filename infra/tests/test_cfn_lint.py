"""cfn-lint passes on every template with nothing left unexplained.

Errors and warnings both fail. A rule may only be silenced in the template's
Metadata (cfn-lint: config: ignore_checks) with a comment beside it saying why,
and this test lists every such silence so none is added quietly.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cfn_model import TEMPLATE_ORDER, load_template, template_path

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def run_cfn_lint(paths: list[Path]) -> dict[str, list[str]]:
    """One cfn-lint run over all paths (its start-up dominates), findings per file stem."""
    # --include-checks I: informational findings count too; nothing is filtered.
    result = subprocess.run([str(CFN_LINT), "--format", "parseable", "--include-checks", "I", "--", *map(str, paths)],
                            capture_output=True, text=True, timeout=600)
    # Exit codes are a bit mask of error (2), warning (4) and informational (8) findings.
    if result.returncode & ~14 or result.stderr.strip():
        pytest.fail(f"cfn-lint could not run (exit {result.returncode}): {result.stderr.strip()}")
    findings: dict[str, list[str]] = {path.stem: [] for path in paths}
    for line in result.stdout.splitlines():
        findings.setdefault(Path(line.split(":", 1)[0]).stem, []).append(line)
    return findings


@pytest.fixture(scope="module")
def lint_findings(report_section) -> dict[str, list[str]]:
    findings = run_cfn_lint([template_path(name) for name in TEMPLATE_ORDER])
    report_section("cfn-lint", "\n".join(
        f"{name}.yaml: " + (f"{len(lines)} findings\n  " + "\n  ".join(lines) if lines else "clean (0 errors, 0 warnings, 0 informational)")
        for name, lines in findings.items()))
    return findings


@pytest.mark.parametrize("name", TEMPLATE_ORDER)
def test_cfn_lint_passes(name, lint_findings):
    assert lint_findings[name] == [], f"cfn-lint findings in {name}.yaml:\n" + "\n".join(lint_findings[name])


@pytest.mark.parametrize("name", TEMPLATE_ORDER)
def test_no_cfn_lint_rule_is_silenced(name):
    metadata = load_template(template_path(name)).get("Metadata", {})
    ignored = metadata.get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
    assert ignored == [], f"{name}.yaml silences cfn-lint rules {ignored}: fix them, or explain each here and in the template"


def test_the_lint_run_reports_a_broken_template(tmp_path):
    broken = tmp_path / "edge.yaml"
    broken.write_text(template_path("edge").read_text().replace("ValidationMethod:", "ValidationMethd:"))
    (finding,) = run_cfn_lint([broken])["edge"]
    assert ":E3002:" in finding and "ValidationMethd" in finding
