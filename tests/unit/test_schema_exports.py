import jobyard.cluster.schema as schema


def test_all_names_exactly_the_public_names() -> None:
    public = {name for name in vars(schema) if not name.startswith("_")}
    assert set(schema.__all__) == public
