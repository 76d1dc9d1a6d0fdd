"""The layering rule: import-linter's contracts (pyproject.toml) hold, and they catch a planted wrong-way import;
the command line starts without the heavy libraries."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.timeout(120)  # lint-imports and python run as subprocesses
LINT = ROOT / ".venv" / "bin" / "lint-imports"


def _lint(root, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}  # the copy under test, not the installed package
    return subprocess.run([LINT, "--config", str(root / "pyproject.toml"), "--no-cache", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=110)  # fmt: skip


def test_the_stages_import_downward_and_nothing_cycles():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, planted, broken",
    [
        ("search/retrieval.py", "import qa.engine", "qa.search.retrieval -> qa.engine"),  # a stage importing upward
        ("answer/features.py", "import qa.measure.metrics", "qa.answer.features -> qa.measure.metrics"),  # a shell
        ("store/files.py", "import qa.store.load", "qa.store"),  # a cycle inside a stage
    ],
)
def test_a_planted_wrong_way_import_is_named(tmp_path, module, planted, broken):
    shutil.copytree(ROOT / "qa", tmp_path / "qa", ignore=shutil.ignore_patterns("__pycache__", "weights"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    path = tmp_path / "qa" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{planted}  # planted\n", encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode == 1 and "BROKEN" in result.stdout
    assert broken in result.stdout


def test_the_command_line_starts_without_the_heavy_libraries():
    heavy = ["torch", "sentence_transformers", "transformers", "gradio", "pymilvus", "faiss", "onnxruntime"]
    code = f"import sys; import qa.cli; qa.cli.build_parser(); print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
