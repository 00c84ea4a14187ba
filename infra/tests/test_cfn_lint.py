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


@pytest.mark.parametrize("name", TEMPLATE_ORDER)
def test_cfn_lint_passes(name, report_section):
    path = template_path(name)
    # --include-checks I: informational findings count too; nothing is filtered.
    result = subprocess.run([str(CFN_LINT), "--format", "parseable", "--include-checks", "I", "--", str(path)],
                            capture_output=True, text=True, timeout=300)
    findings = result.stdout.strip()
    report_section(f"cfn-lint {name}.yaml", findings or "clean (0 errors, 0 warnings, 0 informational)")
    assert result.returncode == 0, f"cfn-lint {path.name} exited {result.returncode}:\n{findings}\n{result.stderr}"


@pytest.mark.parametrize("name", TEMPLATE_ORDER)
def test_no_cfn_lint_rule_is_silenced(name):
    metadata = load_template(template_path(name)).get("Metadata", {})
    ignored = metadata.get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
    assert ignored == [], f"{name}.yaml silences cfn-lint rules {ignored}: fix them, or explain each here and in the template"
