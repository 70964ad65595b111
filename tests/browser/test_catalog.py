"""Every string of the pages in both languages, and one template per page and its partials."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import jobyard.console.web as web
from jobyard.console.i18n import CATALOGS

WEB = Path(web.__file__).resolve().parent


def _template_msgids() -> set[str]:
    found = extract_from_dir(
        str(WEB),
        [("**.html", "jinja2"), ("**.py", "python")],
        {"**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def _catalog() -> dict[str, str]:
    with (CATALOGS / "zh_CN" / "LC_MESSAGES" / f"{web.DOMAIN}.po").open("rb") as po:
        return {str(message.id): str(message.string) for message in read_po(po) if message.id}


def test_every_string_of_the_pages_has_a_chinese_translation():
    catalog = _catalog()
    untranslated = sorted(msgid for msgid in _template_msgids() if not catalog.get(msgid))
    assert untranslated == []


def test_the_catalog_holds_no_string_the_pages_no_longer_use():
    assert sorted(set(_catalog()) - _template_msgids()) == []


def test_a_page_renders_in_chinese_with_its_placeholders_filled():
    pages = web.Pages()
    html = pages.render(
        "zh-CN",
        "error.html",
        {
            "status": 403,
            "kind": "forbidden",
            "detail": None,
            "here": "/x",
            "cluster": None,
            "section": "",
            "alternate": None,
        },
    )
    assert "您无权在此执行该操作" in html and '<html lang="zh-CN">' in html


def test_a_missing_block_names_the_template_and_the_block():
    with pytest.raises(web.BlockNotFound, match="jobs.html has no block 'nope'"):
        web.Pages().render("en", "jobs.html", {}, block="nope")


def test_htmx_is_vendored_with_its_licence():
    vendor = web.STATIC / "vendor"
    assert (vendor / "htmx-LICENSE.txt").read_text().startswith("Zero-Clause BSD")
    assert (vendor / "htmx-ext-sse-LICENSE.txt").exists()
    assert any(path.name.startswith("htmx-2.") for path in vendor.iterdir())
