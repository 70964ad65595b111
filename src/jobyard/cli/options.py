"""Options more than one command takes, spelled once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jobyard.cli import messages
from jobyard.cluster.config import default_data_dir

__all__ = ["DataDir"]

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        help=messages.DATA_DIR_HELP,
        file_okay=False,
        resolve_path=True,
        default_factory=default_data_dir,
        show_default=messages.DATA_DIR_DEFAULT,
    ),
]
