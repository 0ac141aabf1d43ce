"""The one YAML loader: libyaml when present, each file parsed once, callers get copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from coach import data_files
from coach.data_files import YAMLError, parse_yaml, read_yaml


def test_uses_libyaml_when_pyyaml_has_it() -> None:
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert data_files._Loader is expected


def test_builds_plain_data_only() -> None:
    assert parse_yaml("a: [1, 2.5, yes, null]") == {"a": [1, 2.5, True, None]}
    with pytest.raises(YAMLError):
        parse_yaml("!!python/object:os.system {}")


def test_a_file_is_parsed_once_and_again_only_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("words: [one]\n", encoding="utf-8")
    data_files._parsed.cache_clear()
    first = read_yaml(path)
    read_yaml(path)
    assert data_files._parsed.cache_info().misses == 1
    path.write_text("words: [one, two]\n", encoding="utf-8")
    os.utime(path, ns=(0, 1))  # a different version even within one clock tick
    assert read_yaml(path) == {"words": ["one", "two"]}
    assert first == {"words": ["one"]}


def test_callers_get_their_own_copy(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text("lines: [a, b]\n", encoding="utf-8")
    read_yaml(path)["lines"].append("c")
    assert read_yaml(path) == {"lines": ["a", "b"]}


def test_a_missing_file_raises_the_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_yaml(tmp_path / "nowhere.yaml")
