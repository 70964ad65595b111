"""The package's public names are exactly its ``__all__``."""

import jobyard.console.jobs as jobs


def test_exports_match_all() -> None:
    public = {name for name in vars(jobs) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(jobs, name)).__name__ == "module"}
    assert set(jobs.__all__) == public - modules
