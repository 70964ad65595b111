"""Events about one object are rate-limited as client-go's EventSourceObjectSpamFilter does."""

from jobyard.cluster.events import EVENT_BURST, EVENT_REFILL_SECONDS, EventSpamFilter


def test_an_object_gets_a_burst_then_one_event_per_refill() -> None:
    now = [1000.0]
    spam = EventSpamFilter(lambda: now[0])
    assert all(spam.allow("pod-a") for _ in range(EVENT_BURST))
    assert not spam.allow("pod-a")
    assert spam.allow("pod-b"), "each object has a bucket of its own"
    now[0] += EVENT_REFILL_SECONDS
    assert spam.allow("pod-a") and not spam.allow("pod-a")


def test_only_the_objects_seen_last_keep_their_buckets() -> None:
    spam = EventSpamFilter(lambda: 1000.0)
    for _ in range(EVENT_BURST):
        spam.allow("first")
    assert not spam.allow("first")
    for number in range(4096):
        spam.allow(f"pod-{number}")
    assert spam.allow("first"), "its spent bucket was dropped with the oldest, as client-go's LRU drops it"
