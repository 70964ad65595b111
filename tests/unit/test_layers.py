"""The layers of DESIGN.md, as the import-linter contracts in pyproject.toml state them."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = [
    contract["name"]
    for contract in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
]


def lint_imports(cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


def test_every_contract_is_kept():
    result = lint_imports(REPO)

    assert result.returncode == 0, result.stdout + result.stderr
    for name in CONTRACTS:
        assert f"{name} KEPT" in result.stdout


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("cluster", "console"),
        ("console", "cluster"),
        ("cluster", "cli"),
        ("console", "cli"),
    ],
)
def test_contracts_catch_an_import_against_the_layers(tmp_path, importer, imported):
    """The same contracts, run over a toy ``jobyard`` whose ``importer`` imports ``imported``."""
    (tmp_path / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    package = tmp_path / "jobyard"
    for layer in ("cli", "cluster", "console"):
        (package / layer).mkdir(parents=True)
        (package / layer / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / importer / "leak.py").write_text(f"import jobyard.{imported}\n")

    result = lint_imports(tmp_path, PYTHONPATH=str(tmp_path))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert f"jobyard.{importer}.leak -> jobyard.{imported}" in result.stdout
