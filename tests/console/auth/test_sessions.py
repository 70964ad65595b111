"""Browser sessions: hashed ids, expiry, sign-out and CSRF tokens."""

import hashlib

from jobyard.console.auth import SESSION_LIFETIME, create_session, csrf_matches, end_session, resolve_session
from jobyard.console.db import WebSession

from .conftest import add_user


def test_a_new_session_resolves_to_its_user(db, clock):
    alice = add_user(db, "alice")
    browser = create_session(db, alice, clock=clock)
    assert resolve_session(db, browser.session_id, clock=clock).user.name == "alice"
    assert browser.expires == clock.now + SESSION_LIFETIME


def test_only_a_hash_of_the_session_id_is_stored(db, clock):
    browser = create_session(db, add_user(db, "alice"), clock=clock)
    stored = db.get(WebSession, hashlib.sha256(browser.session_id.encode()).hexdigest())
    assert stored is not None
    assert db.get(WebSession, browser.session_id) is None


def test_session_ids_have_256_random_bits(db, clock):
    alice = add_user(db, "alice")
    ids = {create_session(db, alice, clock=clock).session_id for _ in range(3)}
    assert len(ids) == 3
    assert all(len(session_id) == 43 for session_id in ids)


def test_an_expired_session_is_gone(db, clock):
    browser = create_session(db, add_user(db, "alice"), clock=clock)
    clock.advance(seconds=SESSION_LIFETIME.total_seconds())
    assert resolve_session(db, browser.session_id, clock=clock) is None
    assert db.query(WebSession).count() == 0


def test_signing_in_sweeps_expired_sessions(db, clock):
    alice = add_user(db, "alice")
    create_session(db, alice, clock=clock)
    clock.advance(hours=13)
    create_session(db, alice, clock=clock)
    assert db.query(WebSession).count() == 1


def test_an_unknown_session_resolves_to_nobody(db, clock):
    assert resolve_session(db, "made-up", clock=clock) is None


def test_signing_out_ends_the_session_and_may_be_repeated(db, clock):
    browser = create_session(db, add_user(db, "alice"), clock=clock)
    end_session(db, browser.session_id)
    end_session(db, browser.session_id)
    assert resolve_session(db, browser.session_id, clock=clock) is None


def test_the_csrf_token_must_be_the_sessions_own(db, clock):
    alice = add_user(db, "alice")
    mine = create_session(db, alice, clock=clock)
    other = create_session(db, alice, clock=clock)
    web_session = resolve_session(db, mine.session_id, clock=clock)
    assert csrf_matches(web_session, mine.csrf_token)
    assert not csrf_matches(web_session, other.csrf_token)
    assert not csrf_matches(web_session, "")
    assert not csrf_matches(web_session, None)
