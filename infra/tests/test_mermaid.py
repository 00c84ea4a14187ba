"""Every Mermaid block of docs/architecture.md parses and renders in a real browser.

The checker (mermaid/check-mermaid.mjs) uses mermaid-cli's renderer in Debian's
chromium, so what passes here is what GitHub can draw. The second test feeds it
a broken block to prove it rejects one.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cfn_model import REPO_ROOT

CHECKER = Path(__file__).with_name("mermaid") / "check-mermaid.mjs"
ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"
# The project's Node 24 (a devDependency); the system Node 20 is too old for mermaid-cli 12.
NODE = Path(os.environ.get("INFRA_NODE", REPO_ROOT / "node_modules" / ".bin" / "node"))


def check(*files: Path) -> tuple[int, list[dict]]:
    if not NODE.exists():
        pytest.fail(f"{NODE} is missing: run `npm ci` at the repository root (or set INFRA_NODE to a Node >= 22)")
    result = subprocess.run([str(NODE), str(CHECKER), *map(str, files)], capture_output=True, text=True,
                            timeout=300, cwd=CHECKER.parent)
    if result.returncode == 2:
        pytest.fail(f"the Mermaid checker could not run: {result.stderr.strip()}")
    return result.returncode, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_every_architecture_diagram_renders(report_section):
    code, blocks = check(ARCHITECTURE)
    report_section("Mermaid blocks of docs/architecture.md",
                   "\n".join(f"line {b['line']:>4} {b['kind']:<16} {'ok' if b['ok'] else 'FAILED: ' + b['error']}" for b in blocks))
    failed = [f"line {b['line']}: {b['error']}" for b in blocks if not b["ok"]]
    assert failed == [] and code == 0, "\n".join(failed)
    kinds = [b["kind"] for b in blocks]
    assert len(blocks) >= 4, f"expected the system, cloud, pipeline and canary diagrams, found {kinds}"
    assert "sequenceDiagram" in kinds, "the canary is drawn as a sequence diagram"


def test_a_broken_block_is_rejected_with_its_line(tmp_path):
    doc = tmp_path / "broken.md"
    doc.write_text("# Diagrams\n\n```mermaid\nflowchart LR\n  A --> B\n```\n\n"
                   "```mermaid\nflowchart LR\n  A[User --> B(ALB\n```\n\n```mermaid\nsequenceDiagram\n  A->>B: hi\n")
    code, blocks = check(doc)
    assert code == 1
    assert [(b["line"], b["ok"]) for b in blocks] == [(3, True), (8, False), (13, False)]
    assert "Parse error" in blocks[1]["error"]
    assert "never closed" in blocks[2]["error"]
