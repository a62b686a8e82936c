"""Every test ran in some CI stage, and the suite did not shrink (issue #21 item 9).

CI splits the suite over stages by marker (SQLite: not e2e, not garbage; PostgreSQL: not e2e, not demo, not
matrix; browser: e2e).
A test whose markers put it in no stage would vanish without a trace, so after the stages this script
collects the whole suite once (no deselection, no database) and checks:

1. every collected case (one per parametrized case) appears, passed, in a stage's JUnit report;
2. the number of test functions (``def test_…`` in tests/) and of collected cases is at least the floor
   recorded in .ci/test-floor (raise the floor when tests are added; it may never go down).

Usage: python .ci/tests_ran.py REPORT.xml [REPORT.xml ...]
       python .ci/tests_ran.py --count          (print the two counts, e.g. before and after a change)
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = ROOT / ".ci" / "test-floor"


def test_functions() -> int:
    """``def test_…`` at module level or in a ``Test…`` class of a tests/**/test_*.py file."""
    count = 0
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bodies = [tree.body] + [n.body for n in tree.body if isinstance(n, ast.ClassDef) and n.name.startswith("Test")]
        count += sum(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test_")
                     for body in bodies for n in body)
    return count


def collected() -> list[str]:
    """Node ids of the whole suite, collected without a database and without CI's deselection."""
    env = {k: v for k, v in os.environ.items() if k not in ("SKILLCERT_REQUIRE_SERVICES", "DATABASE_URL")}
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"collection failed:\n{out.stdout}\n{out.stderr}")
    return [line for line in out.stdout.splitlines() if "::" in line]


def junit_key(nodeid: str) -> str:
    """tests/a/test_b.py::TestC::test_d[x] → tests.a.test_b.TestC.test_d[x], as JUnit writes it."""
    path, _, rest = nodeid.partition("::")
    return path.removesuffix(".py").replace("/", ".") + "." + rest.replace("::", ".")


def passed(reports: list[str]) -> dict[str, set[str]]:
    """Per report, the cases that passed (a skip counts as not run)."""
    ran: dict[str, set[str]] = {}
    for report in reports:
        ran[report] = {f"{case.get('classname')}.{case.get('name')}"
                       for case in ET.parse(report).getroot().iter("testcase")  # noqa: S314 - pytest's own report
                       if not any(child.tag in ("skipped", "failure", "error") for child in case)}
    return ran


def floor() -> dict[str, int]:
    pairs = (line.split() for line in FLOOR.read_text().splitlines() if line.strip() and not line.startswith("#"))
    return {name: int(value) for name, value in pairs}


def main(argv: list[str]) -> int:
    functions, cases = test_functions(), collected()
    print(f"{functions} test functions, {len(cases)} collected cases")
    if argv == ["--count"]:
        return 0
    problems = []
    minimum = floor()
    if functions < minimum["functions"]:
        problems.append(f"test functions fell below the floor: {functions} < {minimum['functions']}")
    if len(cases) < minimum["cases"]:
        problems.append(f"collected cases fell below the floor: {len(cases)} < {minimum['cases']}")
    per_report = passed(argv)
    problems += [f"{report}: no test passed in this stage" for report, ok in per_report.items() if not ok]
    ran = set().union(*per_report.values())
    missing = [c for c in cases if junit_key(c) not in ran]
    if missing:
        problems.append(f"{len(missing)} collected tests ran in no stage:\n  " + "\n  ".join(missing[:50]))
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if not problems:
        print(f"every one of the {len(cases)} cases passed in a stage ({len(ran)} results in {len(argv)} reports)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
