"""``K=V`` options (``--label``, ``--annotation``, ``--env``), repeatable."""

from __future__ import annotations

from typing import Annotated

import typer

from jobyard.cli import messages

__all__ = ["Labels", "pairs"]

Labels = Annotated[list[str] | None, typer.Option("--label", "-l", help=messages.LABEL_HELP)]


def pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``["k=v", …]`` as a dict, in the order given; a value without ``=`` is refused, naming ``option``."""
    parsed = {}
    for value in values or []:
        key, equals, rest = value.partition("=")
        if not equals or not key:
            raise typer.BadParameter(messages.not_a_pair(value), param_hint=option)
        parsed[key] = rest
    return parsed
