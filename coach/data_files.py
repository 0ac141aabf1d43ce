"""The one YAML loader: rules, lexicons, reply banks and front matter all come through here.

libyaml's ``CSafeLoader`` parses several times faster than the pure-Python
``SafeLoader`` and builds the same values; it is used when PyYAML was built with
libyaml, and ``SafeLoader`` otherwise. Either way only plain data is built (no
Python objects), so a data file can never run code.

A file is parsed once per process (again only if it changes on disk); callers
get their own copy of the parsed data, so one loader validating or filling in
defaults cannot change what the next one reads. Errors are the library's own
(``OSError``, ``yaml.YAMLError``): each caller says in its own words which file
is broken and how to fix it.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError


def parse_yaml(text: str) -> Any:
    """The data in a YAML document (front matter, or a file already read)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader, only plain data


def read_yaml(path: Path) -> Any:
    """The data in the YAML file at ``path``, parsed once per process per file version."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return copy.deepcopy(_parsed(resolved, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=64)
def _parsed(path: Path, mtime_ns: int, size: int) -> Any:  # noqa: ARG001 - the cache key
    return parse_yaml(path.read_text(encoding="utf-8"))
