"""Remembered sign-ins: no query while an answer is fresh, and no answer outlives a change to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, text, update
from sqlalchemy.orm import Session, sessionmaker

from jobyard.console.auth import (
    Binding,
    Role,
    SignIns,
    create_session,
    create_token,
    disable_user,
    end_session,
    grant_role,
    revoke_role,
    revoke_token,
)
from jobyard.console.db import Cluster, User

from .conftest import FakeClock, add_cluster, add_user

EDITOR = Binding(Role.NS_EDITOR, "c1", "team-a")


class Timer:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sessions(db: Session) -> sessionmaker[Session]:
    return sessionmaker(bind=db.get_bind(), expire_on_commit=False)


@pytest.fixture
def timer() -> Timer:
    return Timer()


@pytest.fixture
def sign_ins(sessions: sessionmaker[Session], clock: FakeClock, timer: Timer) -> SignIns:
    return SignIns(sessions, clock=clock, ttl=5.0, timer=timer)


@pytest.fixture
def statements(db: Session) -> Iterator[list[str]]:
    """The SQL sent to the database from now until the test ends."""
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        sent.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    yield sent
    event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def people(sessions: sessionmaker[Session], clock: FakeClock) -> Iterator[tuple[str, str]]:
    """An admin, and alice (NS Editor of c1/team-a) with an API token and a web session."""
    with sessions() as session:
        admin = add_user(session, "root", is_admin=True)
        add_cluster(session, "c1")
        alice = add_user(session, "alice")
        grant_role(session, admin, "alice", EDITOR, clock=clock)
        token = create_token(session, alice, "laptop", clock=clock).token
        session_id = create_session(session, alice, clock=clock).session_id
    yield token, session_id


def user_of_token(sign_ins: SignIns, sessions: sessionmaker[Session], token: str) -> tuple[str, set[Binding]] | None:
    with sessions() as session:
        user = sign_ins.user_of_token(session, token)
        return None if user is None else (user.name, bindings_of(user))


def bindings_of(user: User) -> set[Binding]:
    return {Binding(Role(row.role), row.cluster, row.namespace) for row in user.bindings}


def change(sessions: sessionmaker[Session], work) -> None:
    with sessions() as session:
        work(session, session.query(User).filter_by(name="root").one())


def test_a_fresh_answer_costs_no_query_and_belongs_to_the_asking_session(sign_ins, sessions, people, statements):
    token, _ = people
    assert user_of_token(sign_ins, sessions, token) == ("alice", {EDITOR})
    statements.clear()
    with sessions() as session:
        user = sign_ins.user_of_token(session, token)
        assert user in session and bindings_of(user) == {EDITOR}
        assert user_of_token(sign_ins, sessions, token) == ("alice", {EDITOR})
    assert statements == []


def test_a_revoked_token_counts_from_the_next_request(sign_ins, sessions, people):
    token, _ = people
    assert user_of_token(sign_ins, sessions, token) is not None
    with sessions() as session:
        alice = session.query(User).filter_by(name="alice").one()
        revoke_token(session, alice, alice_token_id(session))
    assert user_of_token(sign_ins, sessions, token) is None


def alice_token_id(session: Session) -> int:
    return int(session.execute(text("SELECT id FROM api_tokens")).scalar_one())


def test_granted_and_revoked_roles_count_from_the_next_request(sign_ins, sessions, people, clock):
    token, _ = people
    assert user_of_token(sign_ins, sessions, token) == ("alice", {EDITOR})
    viewer = Binding(Role.NS_VIEWER, "c1", "team-b")
    change(sessions, lambda session, root: grant_role(session, root, "alice", viewer, clock=clock))
    assert user_of_token(sign_ins, sessions, token) == ("alice", {EDITOR, viewer})
    change(sessions, lambda session, root: revoke_role(session, root, "alice", EDITOR, clock=clock))
    assert user_of_token(sign_ins, sessions, token) == ("alice", {viewer})


def test_a_disabled_user_is_nobody_from_the_next_request(sign_ins, sessions, people, clock):
    token, session_id = people
    assert user_of_token(sign_ins, sessions, token) is not None
    change(sessions, lambda session, root: disable_user(session, root, "alice", clock=clock))
    assert user_of_token(sign_ins, sessions, token) is None
    with sessions() as session:
        assert sign_ins.web_session(session, session_id) is None


def test_a_removed_cluster_takes_its_role_bindings_with_it(sign_ins, sessions, people):
    token, _ = people
    assert user_of_token(sign_ins, sessions, token) == ("alice", {EDITOR})
    with sessions() as session:
        session.delete(session.query(Cluster).filter_by(name="c1").one())
        session.commit()
    assert user_of_token(sign_ins, sessions, token) == ("alice", set())


def test_a_change_behind_its_back_counts_once_the_answer_is_ttl_old(sign_ins, sessions, people, timer, db):
    token, _ = people
    assert user_of_token(sign_ins, sessions, token) is not None
    # Another console process on the same database: no event reaches this one.
    with db.get_bind().begin() as connection:
        connection.execute(update(User).where(User.name == "alice").values(disabled=True))
    timer.now += 4.9
    assert user_of_token(sign_ins, sessions, token) is not None
    timer.now += 0.2
    assert user_of_token(sign_ins, sessions, token) is None


def test_a_remembered_web_session_still_expires_and_ends(sign_ins, sessions, people, clock):
    _, session_id = people
    with sessions() as session:
        web_session = sign_ins.web_session(session, session_id)
        assert web_session is not None and web_session.user.name == "alice"
        assert bindings_of(web_session.user) == {EDITOR}
    with sessions() as session:
        end_session(session, session_id)
    with sessions() as session:
        assert sign_ins.web_session(session, session_id) is None


def test_a_remembered_web_session_past_its_expiry_is_nobody(sign_ins, sessions, people, clock):
    _, session_id = people
    with sessions() as session:
        assert sign_ins.web_session(session, session_id) is not None
    clock.advance(hours=13)
    with sessions() as session:
        assert sign_ins.web_session(session, session_id) is None


def test_a_change_rolled_back_forgets_nothing(sign_ins, sessions, people, statements):
    token, _ = people
    assert user_of_token(sign_ins, sessions, token) is not None
    with sessions() as session:
        session.query(User).filter_by(name="alice").one().disabled = True
        session.flush()
        session.rollback()
    statements.clear()
    assert user_of_token(sign_ins, sessions, token) == ("alice", {EDITOR})
    assert statements == []


def test_a_tokens_last_use_and_a_clusters_health_forget_nothing(sign_ins, sessions, people, clock, statements):
    token, session_id = people
    with sessions() as session:
        assert sign_ins.web_session(session, session_id) is not None
    clock.advance(minutes=5)
    assert user_of_token(sign_ins, sessions, token) is not None  # first use here: stamps "last used"
    with sessions() as session:
        cluster = session.query(Cluster).filter_by(name="c1").one()
        cluster.status, cluster.last_check = "Unreachable", clock()
        session.commit()
    statements.clear()
    with sessions() as session:
        assert sign_ins.web_session(session, session_id) is not None
    assert user_of_token(sign_ins, sessions, token) is not None
    assert statements == []
