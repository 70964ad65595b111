"""``-o table|json|yaml``: a table for people, the API's own JSON (or YAML) for scripts."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from jobyard.cli import messages

__all__ = ["Output", "OutputFormat", "show", "table"]


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


Output = Annotated[OutputFormat, typer.Option("--output", "-o", help=messages.OUTPUT_HELP)]


def table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    """Borderless, as ``kubectl get`` prints; a missing value shows as ``-``."""
    grid = Table(*columns, box=None, pad_edge=False, show_edge=False)
    for row in rows:
        grid.add_row(*("-" if value is None else str(value) for value in row))
    return grid


def show(document: Any, output: OutputFormat, as_table: Callable[[Any], object]) -> None:
    """``document`` (the API's answer) as the user asked; ``as_table`` makes what a person reads."""
    if output is OutputFormat.JSON:
        # Printed raw: Rich would read brackets in the data as markup and wrap long lines.
        print(json.dumps(document, indent=2, ensure_ascii=False))
    elif output is OutputFormat.YAML:
        print(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), end="")
    else:
        Console().print(as_table(document), soft_wrap=True)
