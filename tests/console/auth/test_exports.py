"""Each package's public names are exactly its ``__all__``."""

import pytest

import jobyard.console.auth as auth
import jobyard.console.db as db


@pytest.mark.parametrize("package", [auth, db], ids=lambda package: package.__name__)
def test_exports_match_all(package):
    public = {name for name in vars(package) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(package, name)).__name__ == "module"}
    assert set(package.__all__) == public - modules
