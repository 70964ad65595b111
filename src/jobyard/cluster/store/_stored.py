from __future__ import annotations

import copy
from typing import Any


class StoredObject(dict[str, Any]):
    """An object as the store holds it, with the JSON text it was stored as.

    Everyone who reads it shares it and must not change it; a copy is a plain
    dict, because a changed copy's text would be stale. Responses reuse
    ``json`` instead of encoding the object again, which keeps large LISTs
    and watch streams cheap.
    """

    __slots__ = ("json",)

    def __init__(self, obj: dict[str, Any], text: str) -> None:
        super().__init__(obj)
        self.json = text

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return copy.deepcopy(dict(self), memo)

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))
