"""Memory readings the benchmarks share."""

from __future__ import annotations

from pathlib import Path


def rss_mib() -> float:
    """This process's resident set size in MiB (Linux ``/proc``; NaN elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
