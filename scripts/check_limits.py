"""Keep modules and functions small enough to read in one sitting (`make lint` runs this).

    a module      at most 500 lines
    a function    at most 60 lines (decorators to last line), cyclomatic complexity at most 15

Complexity is radon's (``radon.complexity``); lengths come from the syntax tree.
Checked in coach/, api/, evals/ and benchmarks/. Alembic's revision files are left
out: each is one generated upgrade() that lists a schema, not logic to read.
Prints every breach and exits 1 if there is one.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("coach", "api", "evals", "benchmarks")
EXCLUDED = ("coach/storage/migrations/versions/",)
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
MAX_COMPLEXITY = 15


def python_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not relative.startswith(EXCLUDED):
                yield path


def breaches(path: Path) -> Iterator[str]:
    relative = path.relative_to(ROOT).as_posix()
    source = path.read_text(encoding="utf-8")
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        yield f"{relative}: {lines} lines (at most {MAX_MODULE_LINES})"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES:
                yield (
                    f"{relative}:{node.lineno} {node.name}: {length} lines "
                    f"(at most {MAX_FUNCTION_LINES})"
                )
    seen: set[tuple[int, str]] = set()
    for block in cc_visit(source):
        for item in [block, *getattr(block, "methods", []), *getattr(block, "closures", [])]:
            # Classes are scored by their methods; radon lists a method twice (alone too).
            if hasattr(item, "methods") or (item.lineno, item.name) in seen:
                continue
            seen.add((item.lineno, item.name))
            if item.complexity > MAX_COMPLEXITY:
                yield (
                    f"{relative}:{item.lineno} {item.name}: complexity {item.complexity} "
                    f"(at most {MAX_COMPLEXITY})"
                )


def main() -> int:
    found = [breach for path in python_files() for breach in breaches(path)]
    for breach in found:
        print(breach)
    if found:
        print(f"{len(found)} breach(es) of the size limits.", file=sys.stderr)
        return 1
    print("Modules and functions are within the size and complexity limits.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
