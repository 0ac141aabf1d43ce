"""Run the benchmarks: ``python -m benchmarks [name ...]``, or one with options.

``python -m benchmarks NAME --option ...``: the arguments from the first ``--`` one
on go to the one benchmark named before them, whose ``run`` takes them as a list
of strings. Its result is kept in the report under the name and the options
(``load --servers --workers 2``), next to the plain run's, so both can be compared.
"""

from __future__ import annotations

import inspect
import json
import pkgutil
import sys
import time
from importlib import import_module
from pathlib import Path

import benchmarks


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name[0] != "_")
    first_option = next((i for i, arg in enumerate(argv) if arg.startswith("--")), len(argv))
    wanted, options = argv[:first_option] or names, argv[first_option:]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(names)}")
        return 2
    if options and len(wanted) != 1:
        print("Options go to one benchmark: python -m benchmarks NAME --option ...")
        return 2
    report: dict[str, dict[str, object]] = {}
    for name in wanted:
        run = import_module(f"benchmarks.{name}").run
        if options and not inspect.signature(run).parameters:
            print(f"The {name} benchmark takes no options.")
            return 2
        started = time.perf_counter()
        result = run(options) if options else run()
        result["wall_seconds"] = round(time.perf_counter() - started, 2)
        key = " ".join([name, *options])
        report[key] = result
        print(f"\n{key}")
        for field, value in result.items():
            print(f"  {field:<36} {value}")
    out = Path(__file__).resolve().parent / "report.json"
    # Running some benchmarks updates their entries and keeps the others' last results.
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    out.write_text(json.dumps(previous | report, indent=2), encoding="utf-8")
    print(f"\nWritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
