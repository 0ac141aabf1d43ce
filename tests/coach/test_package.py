"""The public surface is small, sorted and cheap to import."""

import subprocess
import sys

import coach


def test_all_is_sorted_and_resolvable() -> None:
    assert coach.__all__ == sorted(coach.__all__)
    for name in coach.__all__:
        assert getattr(coach, name) is not None


def test_import_loads_no_heavy_library() -> None:
    code = (
        "import sys, coach, coach.cli; coach.cli._load_commands();"
        "heavy = [m for m in ('chromadb', 'langchain_core', 'openai', 'onnxruntime', 'sqlalchemy',"
        " 'fastapi', 'torch') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
