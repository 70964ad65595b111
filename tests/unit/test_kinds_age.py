import pytest

from jobyard.cluster.kinds import format_age, human_duration, parse_timestamp


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(-5, "<invalid>", id="more than a second in the future is invalid"),
        pytest.param(-1, "0s", id="a second in the future counts as now"),
        pytest.param(5, "5s", id="seconds below two minutes"),
        pytest.param(119, "119s", id="still seconds just under two minutes"),
        pytest.param(150, "2m30s", id="minutes and seconds below ten minutes"),
        pytest.param(300, "5m", id="whole minutes drop the seconds"),
        pytest.param(600, "10m", id="minutes only from ten minutes"),
        pytest.param(179 * 60, "179m", id="minutes up to three hours"),
        pytest.param(3 * 3600 + 5 * 60, "3h5m", id="hours and minutes below eight hours"),
        pytest.param(4 * 3600, "4h", id="whole hours drop the minutes"),
        pytest.param(30 * 3600, "30h", id="hours only up to two days"),
        pytest.param(51 * 3600, "2d3h", id="days and hours below eight days"),
        pytest.param(9 * 86400, "9d", id="days only below two years"),
        pytest.param(2 * 365 * 86400 + 10 * 86400, "2y10d", id="years and days below eight years"),
        pytest.param(9 * 365 * 86400, "9y", id="years only from eight years"),
    ],
)
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_format_age_is_unknown_without_timestamp() -> None:
    assert format_age(None, 0) == "<unknown>"


def test_format_age_counts_from_rfc3339_timestamp() -> None:
    created = "2024-05-01T10:00:00Z"
    assert format_age(created, parse_timestamp(created) + 150) == "2m30s"
