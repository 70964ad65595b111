"""The console's languages, and its gettext catalogs read with Babel.

The English text of a message is its msgid, as gettext intends, so English
needs no catalog; Chinese comes from ``zh_CN/LC_MESSAGES/<domain>.po`` beside
this module, read at run time (no compiled .mo to keep in step). Texts are
``str.format`` templates whose fields are named per code.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from babel.messages.pofile import read_po

__all__ = ["CATALOGS", "LANGUAGES", "Catalog", "Language"]

Language = Literal["en", "zh-CN"]
LANGUAGES: tuple[Language, ...] = ("en", "zh-CN")
CATALOGS = Path(__file__).resolve().parent
_LOCALES: dict[Language, str] = {"zh-CN": "zh_CN"}


class Catalog:
    """The messages of one gettext domain, keyed by code."""

    def __init__(self, domain: str, messages: dict[str, str]) -> None:
        self.domain = domain
        self.messages = messages

    @cached_property
    def _chinese(self) -> dict[str, str]:
        with (CATALOGS / _LOCALES["zh-CN"] / "LC_MESSAGES" / f"{self.domain}.po").open("rb") as po:
            return {str(m.id): str(m.string) for m in read_po(po) if m.id and m.string}

    def translations(self, lang: Language) -> dict[str, str]:
        """msgid → text in ``lang`` (empty for English, whose texts are the msgids)."""
        return {} if lang == "en" else self._chinese

    def message(self, code: str, lang: Language, **params: Any) -> str:
        english = self.messages[code]
        return self.translations(lang).get(english, english).format(**params)
