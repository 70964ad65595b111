import string

from babel.messages.pofile import read_po

import jobyard.console.forms as forms
from jobyard.console.forms import MESSAGES
from jobyard.console.i18n import CATALOGS as _CATALOGS


def test_every_message_has_a_chinese_translation_with_the_same_fields() -> None:
    with (_CATALOGS / "zh_CN" / "LC_MESSAGES" / "forms.po").open("rb") as po:
        catalog = {m.id: m.string for m in read_po(po) if m.id}
    assert set(catalog) == set(MESSAGES.values())
    for english, chinese in catalog.items():
        assert chinese
        assert sorted(_fields(english)) == sorted(_fields(chinese)), english


def _fields(text: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(text) if field]


def test_exported_names_are_the_package_names() -> None:
    public = {
        name for name in vars(forms) if not name.startswith("_") and not isinstance(getattr(forms, name), type(forms))
    }
    assert public == set(forms.__all__)
