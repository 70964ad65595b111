"""Unknown and duplicate fields, reported as upstream's strict decoder does.

With ``fieldValidation=Strict`` upstream rejects a body naming a field its Go
type lacks (``unknown field "spec.template.spec.containers[0].imagePullPolicyX"``)
or a JSON object repeating a key (``duplicate field "spec.parallelism"``); with
``Warn`` it returns the same texts as warnings. Paths join fields with ``.``,
map keys likewise and array indexes as ``[i]``, as sigs.k8s.io/json prints them.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["duplicate_fields"]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers which keys it saw twice.

    The last value of a repeated key wins, as in Go; the earlier ones are kept
    aside so that duplicates inside them are reported too.
    """

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.repeated: list[str] = []
        self.overwritten: list[tuple[str, Any]] = []
        for key, value in pairs:
            if key in self:
                self.overwritten.append((key, self[key]))
                if key not in self.repeated:
                    self.repeated.append(key)
            self[key] = value


def _duplicates(value: Any, path: str, found: list[str]) -> None:
    if isinstance(value, list):
        for index, each in enumerate(value):
            _duplicates(each, f"{path}[{index}]", found)
    elif isinstance(value, _Object):
        found.extend(_join(path, key) for key in value.repeated)
        for key, each in [*value.overwritten, *value.items()]:
            _duplicates(each, _join(path, key), found)


def duplicate_fields(raw_json_text: str | bytes) -> list[str]:
    """Paths of the keys a JSON document repeats inside one object.

    Upstream's message for each is ``duplicate field "<path>"``. The text must
    be valid JSON (``json.JSONDecodeError`` otherwise).
    """
    found: list[str] = []
    _duplicates(json.loads(raw_json_text, object_pairs_hook=_Object), "", found)
    return found
