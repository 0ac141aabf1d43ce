"""Run the benchmarks: ``python -m benchmarks [name ...]``."""

from __future__ import annotations

import json
import pkgutil
import sys
import time
from importlib import import_module
from pathlib import Path

import benchmarks


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name[0] != "_")
    wanted = argv or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(names)}")
        return 2
    report: dict[str, dict[str, object]] = {}
    for name in wanted:
        started = time.perf_counter()
        result = import_module(f"benchmarks.{name}").run()
        result["wall_seconds"] = round(time.perf_counter() - started, 2)
        report[name] = result
        print(f"\n{name}")
        for key, value in result.items():
            print(f"  {key:<36} {value}")
    out = Path(__file__).resolve().parent / "report.json"
    # Running some benchmarks updates their entries and keeps the others' last results.
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    out.write_text(json.dumps(previous | report, indent=2), encoding="utf-8")
    print(f"\nWritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
