"""API tokens: shown once, stored as SHA-256, listed, revoked."""

import hashlib

import pytest

from jobyard.console.auth import UnknownToken, create_token, list_tokens, resolve_token, revoke_token

from .conftest import add_user


def test_a_token_is_shown_once_and_resolves_to_its_owner(db, clock):
    alice = add_user(db, "alice")
    new = create_token(db, alice, "laptop", clock=clock)
    assert new.token.startswith("jy_") and len(new.token) == 46
    assert resolve_token(db, new.token, clock=clock).name == "alice"


def test_only_the_hash_and_a_short_prefix_are_stored(db, clock):
    new = create_token(db, add_user(db, "alice"), "laptop", clock=clock)
    assert new.record.token_hash == hashlib.sha256(new.token.encode()).hexdigest()
    assert new.record.prefix == new.token[:11]


def test_using_a_token_records_when(db, clock):
    new = create_token(db, add_user(db, "alice"), "laptop", clock=clock)
    clock.advance(hours=1)
    resolve_token(db, new.token, clock=clock)
    assert new.record.last_used == clock.now


def test_last_used_moves_at_most_once_a_minute(db, clock):
    new = create_token(db, add_user(db, "alice"), "laptop", clock=clock)
    resolve_token(db, new.token, clock=clock)
    first = clock.now
    clock.advance(seconds=59)
    resolve_token(db, new.token, clock=clock)
    assert new.record.last_used == first
    clock.advance(seconds=1)
    resolve_token(db, new.token, clock=clock)
    assert new.record.last_used == clock.now


@pytest.mark.parametrize("token", ["jy_made-up", "Bearer something", ""])
def test_unknown_tokens_resolve_to_nobody(db, clock, token):
    assert resolve_token(db, token, clock=clock) is None


def test_a_revoked_token_resolves_to_nobody(db, clock):
    alice = add_user(db, "alice")
    new = create_token(db, alice, "laptop", clock=clock)
    revoke_token(db, alice, new.record.id, clock=clock)
    assert resolve_token(db, new.token, clock=clock) is None
    assert new.record.revoked == clock.now


def test_a_disabled_users_tokens_resolve_to_nobody(db, clock):
    alice = add_user(db, "alice")
    new = create_token(db, alice, "laptop", clock=clock)
    alice.disabled = True
    db.commit()
    assert resolve_token(db, new.token, clock=clock) is None


def test_nobody_revokes_another_users_token(db, clock):
    new = create_token(db, add_user(db, "alice"), "laptop", clock=clock)
    with pytest.raises(UnknownToken):
        revoke_token(db, add_user(db, "bob"), new.record.id, clock=clock)
    assert resolve_token(db, new.token, clock=clock) is not None


def test_a_user_lists_their_own_tokens_newest_first(db, clock):
    alice = add_user(db, "alice")
    create_token(db, alice, "laptop", clock=clock)
    create_token(db, alice, "ci", clock=clock)
    create_token(db, add_user(db, "bob"), "bobs", clock=clock)
    assert [token.name for token in list_tokens(db, alice)] == ["ci", "laptop"]
