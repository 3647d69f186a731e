"""axe-core in the page under test: no accessibility violations (WCAG 2.x A/AA and best practices).

axe-core is vendored from the npm registry (tests/e2e/vendor/axe-core, see its README) and injected by
the test, never shipped in web/.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tests.conftest import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE = ROOT / "tests" / "e2e" / "vendor" / "axe-core" / "axe.min.js"
# What axe checks: WCAG 2.0-2.2 A and AA, and its best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Page, include: str | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (or within the `include` selector)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text())
    version = page.evaluate("window.axe.version")
    assert version == AXE_VERSION, f"axe-core {version} loaded, {AXE_VERSION} expected"
    result = page.evaluate(
        """async ([include, tags]) => {
            const context = include ? { include: [include] } : document;
            const options = { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] };
            const r = await window.axe.run(context, options);
            return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({ target: n.target, summary: n.failureSummary })) }));
        }""",
        [include, TAGS],
    )
    return list(result)


def assert_accessible(page: Page, include: str | None = None) -> None:
    violations = axe_violations(page, include)
    assert violations == [], "axe-core violations:\n" + json.dumps(violations, indent=1)
