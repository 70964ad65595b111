"""``jobyard image load|ls|rm`` through Typer's runner, against a real store."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from imagetools import busybox_layout, docker_archive
from jobyard.cli import app
from jobyard.cli.image import image_app
from jobyard.cluster.node.images import ImageStore

WIDE = {"COLUMNS": "200"}


def invoke(*args: str):
    """Run ``jobyard image ARGS``; the sub-app alone, so these tests do not depend on the other commands."""
    assert args[0] == "image"
    return CliRunner().invoke(image_app, list(args[1:]), env=WIDE)


def test_jobyard_has_the_image_commands():
    result = CliRunner().invoke(app, ["image", "--help"], env=WIDE)

    assert result.exit_code == 0, result.output
    assert all(command in result.output for command in ("load", "ls", "rm"))


def test_load_ls_and_rm(tmp_path):
    data = tmp_path / "data"
    archive = docker_archive(busybox_layout(tmp_path / "layout"), "latest", tmp_path / "b.tar", "busybox:1.36")

    loaded = invoke("image", "load", str(archive), "--data-dir", str(data))

    assert loaded.exit_code == 0, loaded.output
    assert "Loaded image: docker.io/library/busybox:1.36" in loaded.output
    [image] = ImageStore(data / "images").list()

    listed = invoke("image", "ls", "--data-dir", str(data))

    assert listed.exit_code == 0, listed.output
    header, row = listed.output.strip().splitlines()
    assert header.split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "SIZE"]
    assert row.split() == ["docker.io/library/busybox", "1.36", image.id[7:19], "1.98MB"]

    removed = invoke("image", "rm", "busybox:1.36", "--data-dir", str(data))

    assert removed.exit_code == 0, removed.output
    assert "Removed: busybox:1.36" in removed.output
    assert "No images." in invoke("image", "ls", "--data-dir", str(data)).output


def test_load_of_a_broken_archive_and_rm_of_a_missing_image_fail_with_a_sentence(tmp_path):
    broken = tmp_path / "broken.tar"
    broken.write_bytes(b"not a tar at all")

    loaded = invoke("image", "load", str(broken), "--data-dir", str(tmp_path / "data"))
    removed = invoke("image", "rm", "nothing:here", "--data-dir", str(tmp_path / "data"))

    assert loaded.exit_code == 1 and "Error: cannot load" in loaded.output
    assert removed.exit_code == 1 and "no such image: nothing:here" in removed.output


def test_the_image_commands_speak_chinese_under_a_chinese_locale(tmp_path):
    environ = {**os.environ, "LANG": "zh_CN.UTF-8", "LC_ALL": "", "JOBYARD_LANG": ""}
    command = [sys.executable, "-c", "from jobyard.cli.image import image_app; image_app(prog_name='jobyard image')"]

    help_text = subprocess.run([*command, "--help"], capture_output=True, text=True, env=environ, check=True)
    listing = subprocess.run(
        [*command, "ls", "--data-dir", str(tmp_path)], capture_output=True, text=True, env=environ, check=True
    )

    assert "管理内置集群节点上的镜像" in help_text.stdout
    assert "没有镜像" in listing.stdout
