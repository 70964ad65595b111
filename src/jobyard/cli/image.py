"""``jobyard image load|ls|rm``: the node's image store, used directly (also while ``jobyard up`` runs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from jobyard.cli import messages
from jobyard.cli.options import DataDir

if TYPE_CHECKING:
    from jobyard.cluster.node.images import Image, ImageStore

__all__ = ["image_app"]

image_app = typer.Typer(name="image", help=messages.IMAGE_HELP, no_args_is_help=True)


def _store(data_dir: Path) -> ImageStore:
    # Imported here so that `jobyard --help` does not pay for the image store's imports.
    from jobyard.cluster.node.images import ImageStore

    return ImageStore(data_dir / "images")


@image_app.command("load", help=messages.IMAGE_LOAD_HELP)
def load(
    archive: Annotated[Path, typer.Argument(help=messages.IMAGE_FILE_HELP, exists=True, resolve_path=True)],
    data_dir: DataDir,
) -> None:
    from jobyard.cluster.node.images import PullError

    out, err = Console(), Console(stderr=True)
    store = _store(data_dir)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task(messages.IMAGE_LOADING, total=None)
            images = store.load_archive(archive, lambda done, total: progress.update(task, completed=done, total=total))
    except PullError as error:
        err.print(messages.image_load_failed(archive, error.message), soft_wrap=True)
        raise typer.Exit(1) from None
    for image in images:
        out.print(messages.image_loaded(list(image.references), image.short_id), soft_wrap=True)


@image_app.command("ls", help=messages.IMAGE_LS_HELP)
def list_images(data_dir: DataDir) -> None:
    out = Console()
    images = _store(data_dir).list()
    if not images:
        out.print(messages.NO_IMAGES)
        return
    table = Table(*messages.IMAGE_COLUMNS, box=None, pad_edge=False, show_edge=False)
    for image in images:
        for repository, tag in _names(image):
            table.add_row(repository, tag, image.short_id, _human_size(image.size))
    out.print(table, soft_wrap=True)


@image_app.command("rm", help=messages.IMAGE_RM_HELP)
def remove(
    reference: Annotated[str, typer.Argument(help=messages.IMAGE_REF_HELP)],
    data_dir: DataDir,
) -> None:
    from jobyard.cluster.node.images import ImageInUse, ImageNotFound

    out, err = Console(), Console(stderr=True)
    try:
        # The CLI cannot see the node's containers; the kubelet passes its own in-use set when it removes images.
        _store(data_dir).remove(reference, in_use=set())
    except ImageNotFound:
        err.print(messages.image_not_found(reference), soft_wrap=True)
        raise typer.Exit(1) from None
    except ImageInUse:
        err.print(messages.image_in_use(reference), soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(messages.image_removed(reference), soft_wrap=True)


def _names(image: Image) -> list[tuple[str, str]]:
    """(repository, tag) rows as ``docker images`` shows them: one per tag, else the repository with <none>."""
    from jobyard.cluster.node.images import parse_reference

    rows = []
    for name in image.references:
        parsed = parse_reference(name)
        rows.append((parsed.name, parsed.tag or messages.IMAGE_NONE))
    if not rows:
        repositories = dict.fromkeys(parse_reference(name).name for name in image.repo_digests)
        rows = [(repository, messages.IMAGE_NONE) for repository in repositories]
    return rows or [(messages.IMAGE_NONE, messages.IMAGE_NONE)]


def _human_size(size: int) -> str:
    """Decimal units, as ``docker images`` prints them."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.3g}{unit}"
        value /= 1000
    return f"{value:.3g}TB"
