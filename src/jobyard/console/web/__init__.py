"""The web console: server-rendered pages (Jinja2) with htmx, in Chinese and English.

Each page is the HTML twin of a JSON API read, advertised with ``Link: rel="alternate"``; it
renders what that read returns, for the same caller, so one permission check serves both.
Changes go from the page to the JSON API (htmx, with the session's CSRF token). Live pages
stream their own named blocks over SSE. Strings are gettext messages (the ``web`` domain);
htmx and its SSE extension are vendored under ``static/vendor`` with their licence.
"""

from ._app import console_app, web_app
from ._i18n import DOMAIN, LANGUAGE_COOKIE
from ._templates import STATIC, BlockNotFound, Pages

__all__ = ["DOMAIN", "LANGUAGE_COOKIE", "STATIC", "BlockNotFound", "Pages", "console_app", "web_app"]
