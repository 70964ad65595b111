"""The web pages' languages: the ``web`` gettext domain, and which language a request gets.

English msgids, Chinese in ``console/i18n/zh_CN/LC_MESSAGES/web.po``, read with Babel at start and
compiled in memory into a standard ``gettext`` catalog for Jinja2's i18n extension. The language
is the one the user chose (a cookie), else the browser's (``Accept-Language``).
"""

from __future__ import annotations

import gettext
import io
from functools import cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request

from jobyard.console.api import language_of
from jobyard.console.i18n import CATALOGS, LANGUAGES, Language

__all__ = ["DOMAIN", "LANGUAGE_COOKIE", "language_of_request", "translations"]

DOMAIN = "web"
LANGUAGE_COOKIE = "jobyard_lang"


@cache
def translations(lang: Language) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    with (CATALOGS / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale="zh_CN", domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language_of_request(request: Request) -> Language:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    for lang in LANGUAGES:
        if chosen == lang:
            return lang
    return language_of(request.headers.get("accept-language"))
