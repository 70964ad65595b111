"""The package's public names are exactly its ``__all__``."""

import jobyard.cluster.patching as patching


def test_patching_exports_match_all() -> None:
    public = {name for name in vars(patching) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(patching, name)).__name__ == "module"}
    assert set(patching.__all__) == public - modules
