"""Docs are tested: every cluster setting has a row in docs/architecture.md."""

import dataclasses
from pathlib import Path

import pytest

from jobyard.cluster.config import ClusterConfig

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


@pytest.mark.parametrize("setting", [field.name for field in dataclasses.fields(ClusterConfig)])
def test_every_cluster_setting_is_documented(setting):
    assert f"| `{setting}` |" in ARCHITECTURE.read_text()
