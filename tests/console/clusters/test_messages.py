"""The clusters and resources catalogs translate every message, keeping its fields."""

import string

import pytest
from babel.messages.pofile import read_po

import jobyard.console.clusters as clusters
import jobyard.console.resources as resources
from jobyard.console.clusters import CLUSTER_MESSAGES, ClusterStatus
from jobyard.console.i18n import CATALOGS
from jobyard.console.resources import RESOURCE_MESSAGES


@pytest.mark.parametrize(("domain", "messages"), [("clusters", CLUSTER_MESSAGES), ("resources", RESOURCE_MESSAGES)])
def test_every_message_has_a_chinese_translation_with_the_same_fields(domain, messages):
    with (CATALOGS / "zh_CN" / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        catalog = {m.id: m.string for m in read_po(po) if m.id}
    assert set(catalog) == set(messages.values())
    for english, chinese in catalog.items():
        assert chinese
        assert sorted(_fields(english)) == sorted(_fields(chinese)), english


def _fields(text: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(text) if field]


def test_statuses_read_as_in_dce():
    assert [status.label("zh-CN") for status in ClusterStatus] == ["接入中", "运行中", "异常"]


@pytest.mark.parametrize("package", [clusters, resources])
def test_exported_names_are_the_package_names(package):
    public = {
        name
        for name in vars(package)
        if not name.startswith("_") and not isinstance(getattr(package, name), type(package))
    }
    assert public == set(package.__all__)
