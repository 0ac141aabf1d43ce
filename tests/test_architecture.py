"""The layout's rules, read from the source: imports point one way, and nowhere hide.

- No import circle among Coach's and the API's modules, counting the imports made
  inside functions (only ``if TYPE_CHECKING:`` blocks, never run, are left out).
- Nothing in ``coach/`` imports ``api`` or ``evals``, not even inside a function.
- Only ``coach/llm/`` imports LangChain or the OpenAI SDK.
- An import inside a function is allowed only in the modules listed below, where it
  keeps start-up cheap (each says so where it does it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("coach", "api")
MODEL_SDKS = ("langchain", "langchain_core", "langchain_openai", "langchain_chroma", "openai")

# module -> why it imports inside functions
LAZY_IMPORTS = {
    "coach.cli": "commands import Coach's modules when they run: `coach --help` loads none",
    "coach.encoders.embedding": "onnxruntime and tokenizers load with the model, on first use",
    "coach.knowledge.retrieval": "chromadb takes a second to import: only when the index is used",
    "coach.llm.prompts": "Jinja2 loads when a prompt is first rendered",
    "coach.llm.provider": "LangChain and the OpenAI SDK load only when a model is configured",
    "coach.service": "the database code (SQLAlchemy) loads when something is first stored",
    "coach.storage.migrate": "Alembic loads only when a migration runs or is read",
    "coach.safety": "the trained head (numpy, its encoder) loads on the first screen",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


MODULES = _modules()


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(module: str) -> Iterator[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import that runs."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_lines(tree)
    local = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for sub in ast.walk(node)
    }
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if node.lineno in skipped if hasattr(node, "lineno") else False:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in local
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                yield (target if target in MODULES else base), node.lineno, id(node) in local


def _graph() -> dict[str, set[str]]:
    return {
        module: {target for target, _, _ in _imports(module) if target in MODULES}
        for module in MODULES
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph[node]):
            found = visit(target)
            if found:
                return found
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start)
        if found:
            return found
    return None


def test_the_rules_see_the_whole_package() -> None:
    assert "coach.service" in MODULES
    assert "coach.storage.tables" in MODULES
    assert "api.app" in MODULES


def test_no_import_circle() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("coach")))
def test_the_core_never_imports_the_surfaces_or_the_evals(module: str) -> None:
    bad = [
        f"{target} (line {line})"
        for target, line, _ in _imports(module)
        if target.split(".")[0] in ("api", "evals")
    ]
    assert bad == [], f"{module} imports {bad}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_llm_layer_imports_the_model_sdks(module: str) -> None:
    if module == "coach.llm" or module.startswith("coach.llm."):
        return
    bad = [
        f"{target} (line {line})"
        for target, line, _ in _imports(module)
        if target.split(".")[0] in MODEL_SDKS
    ]
    assert bad == [], f"{module} imports {bad}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_data_files_module_parses_yaml(module: str) -> None:
    """One YAML loader (the C loader, parsed once per file version): coach.data_files."""
    if module == "coach.data_files":
        return
    bad = [f"{target} (line {line})" for target, line, _ in _imports(module) if target == "yaml"]
    assert bad == [], f"{module} imports {bad}: use coach.data_files.read_yaml"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_inside_functions_only_where_they_keep_start_up_cheap(module: str) -> None:
    allowed = any(module == lazy or module.startswith(f"{lazy}.") for lazy in LAZY_IMPORTS)
    local = [f"{target} (line {line})" for target, line, inside in _imports(module) if inside]
    assert allowed or local == [], f"{module} imports inside functions: {local}"


def test_the_import_circle_check_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
