"""Docs are tested: every cluster setting has a row in docs/architecture.md; the user guides' screenshots exist."""

import dataclasses
import re
from pathlib import Path

import pytest

from jobyard.cluster.config import ClusterConfig

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


@pytest.mark.parametrize("setting", [field.name for field in dataclasses.fields(ClusterConfig)])
def test_every_cluster_setting_is_documented(setting):
    assert f"| `{setting}` |" in ARCHITECTURE.read_text()


USER_GUIDES = sorted(ARCHITECTURE.parent.glob("user-guide.*.md"))
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


@pytest.mark.parametrize("guide", USER_GUIDES, ids=lambda path: path.name)
def test_every_screenshot_a_user_guide_shows_is_there(guide):
    missing = [link for link in IMAGE_LINK.findall(guide.read_text()) if not (guide.parent / link).is_file()]
    assert not missing


def test_every_screenshot_in_docs_images_is_used():
    used = {link for guide in USER_GUIDES for link in IMAGE_LINK.findall(guide.read_text())}
    images = {f"images/{path.name}" for path in (ARCHITECTURE.parent / "images").glob("*.png")}
    assert len(USER_GUIDES) == 2 and images and not images - used
