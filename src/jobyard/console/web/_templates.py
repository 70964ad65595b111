"""Rendering: one Jinja2 environment per language, a whole page or one named block of it.

A page and its htmx partials render from one template (house rule 8): a partial is a named
block, rendered alone with the page's own context, and a missing block fails loudly. Every
HTML page names its JSON twin in a ``Link: rel="alternate"`` header (house rule 7).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from jobyard.console.i18n import LANGUAGES, Language
from jobyard.console.jobs import human_duration

from ._i18n import translations

__all__ = ["STATIC", "BlockNotFound", "Pages"]

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"


class BlockNotFound(LookupError):
    def __init__(self, template: str, block: str) -> None:
        super().__init__(f"template {template} has no block {block!r}")


class Pages:
    """The templates in every language; ``now`` is injected so ages are testable."""

    def __init__(self) -> None:
        self._environments = {lang: _environment(lang) for lang in LANGUAGES}

    def render(self, lang: Language, template: str, context: Mapping[str, Any], block: str | None = None) -> str:
        loaded = self._environments[lang].get_template(template)
        if block is None:
            return loaded.render(context)
        render_block = loaded.blocks.get(block)
        if render_block is None:
            raise BlockNotFound(template, block)
        return "".join(render_block(loaded.new_context(dict(context))))

    def response(
        self,
        lang: Language,
        template: str,
        context: Mapping[str, Any],
        *,
        block: str | None = None,
        status: int = 200,
        alternate: str | None = None,
    ) -> HTMLResponse:
        headers = {"Content-Language": lang, "Vary": "Cookie, Accept-Language, HX-Request"}
        if alternate is not None:
            headers["Link"] = f'<{alternate}>; rel="alternate"; type="application/json"'
        body = self.render(lang, template, {**context, "alternate": alternate}, block)
        return HTMLResponse(body, status_code=status, headers=headers)


def _environment(lang: Language) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    environment.filters.update(span=_span, ago=_ago, when=_when, to_yaml=_to_yaml)
    environment.globals.update(lang=lang)
    return environment


def _span(value: float | timedelta | None) -> str:
    """A duration as kubectl words it (``3m20s``); ``-`` when there is none."""
    if value is None:
        return "-"
    return human_duration(value if isinstance(value, timedelta) else timedelta(seconds=value))


def _ago(value: datetime | None, now: datetime) -> str:
    return "-" if value is None else human_duration(now - value)


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _to_yaml(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False)
