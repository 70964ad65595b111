"""Signing in and out, the caller's own account and tokens, and the Admin's users, grants and audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from jobyard.console.auth import (
    Action,
    Binding,
    NewSession,
    capabilities,
    change_password,
    create_session,
    create_token,
    create_user,
    disable_user,
    end_session,
    grant_role,
    list_audit,
    list_tokens,
    revoke_role,
    revoke_token,
    sign_in,
)
from jobyard.console.auth import Role as RoleName
from jobyard.console.db import RoleBinding, User
from jobyard.console.forms import FieldError, Language

from ._context import CallerDep, Db, Services, forget_session_cookie, set_session_cookie
from ._errors import ApiError
from ._schemas import (
    AuditOut,
    GrantIn,
    GrantOut,
    MeOut,
    NewTokenOut,
    PasswordIn,
    PlaceOut,
    SessionOut,
    SignInIn,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    user_out,
)
from ._texts import api_text

__all__ = ["router"]

router = APIRouter()


@router.post("/session", tags=["session"], summary="Sign in", status_code=201)
async def sign_in_route(body: SignInIn, request: Request, response: Response, services: Services) -> SessionOut:
    address = request.client.host if request.client else "unknown"

    def signed_in() -> tuple[int, NewSession]:
        # argon2 takes tens of milliseconds by design: off the event loop, with a session of its own.
        with services.sessions() as session:
            user = sign_in(session, services.limiter, body.name, body.password, address, clock=services.clock)
            return user.id, create_session(session, user, clock=services.clock)

    user_id, created = await run_in_threadpool(signed_in)
    set_session_cookie(response, created.session_id)
    with services.sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        return SessionOut(user=user_out(user), csrf_token=created.csrf_token, expires=created.expires)


@router.delete("/session", tags=["session"], summary="Sign out", status_code=204)
async def sign_out(caller: CallerDep, response: Response) -> None:
    if caller.session_id is not None:
        end_session(caller.db, caller.session_id)
    forget_session_cookie(response)


@router.get("/me", tags=["session"], summary="The caller and what they may do where")
async def me(caller: CallerDep) -> MeOut:
    """Platform actions, then per cluster the caller has a role on (every one for the Admin), then per
    namespace role: the UI hides what is not listed. Other places: ``GET /api/capabilities``."""
    principal = caller.principal
    places = [PlaceOut(actions=sorted(capabilities(principal)))]
    for cluster in caller.services.clusters.list_clusters(caller.user):
        places.append(PlaceOut(cluster=cluster.name, actions=sorted(capabilities(principal, cluster.name))))
    for binding in sorted(principal.bindings, key=lambda b: (b.cluster, b.namespace or "")):
        if binding.namespace is not None:
            actions = capabilities(principal, binding.cluster, binding.namespace)
            places.append(PlaceOut(cluster=binding.cluster, namespace=binding.namespace, actions=sorted(actions)))
    return MeOut(user=user_out(caller.user), csrf_token=caller.csrf_token, places=places)


@router.get("/capabilities", tags=["session"], summary="What the caller may do at one place")
async def place_capabilities(caller: CallerDep, cluster: str | None = None, namespace: str | None = None) -> PlaceOut:
    actions = capabilities(caller.principal, cluster, namespace if cluster is not None else None)
    return PlaceOut(cluster=cluster, namespace=namespace, actions=sorted(actions))


@router.post("/me/password", tags=["session"], summary="Change the caller's password", status_code=204)
async def new_password(body: PasswordIn, caller: CallerDep, services: Services, response: Response) -> None:
    """Ends every session of the caller, this one included; API tokens stay valid."""
    user_id = caller.user.id

    def changed() -> None:
        with services.sessions() as session:
            user = session.get(User, user_id)
            assert user is not None
            change_password(session, user, body.current, body.new, clock=services.clock)

    await run_in_threadpool(changed)
    forget_session_cookie(response)


@router.get("/users", tags=["users"], summary="Every user (Admin)")
async def users(caller: CallerDep) -> list[UserOut]:
    caller.require(Action.USER_LIST)
    return [user_out(user) for user in caller.db.scalars(select(User).order_by(User.name))]


@router.post("/users", tags=["users"], summary="Create a local user (Admin)", status_code=201)
async def new_user(body: UserIn, caller: CallerDep, services: Services) -> UserOut:
    caller.require(Action.USER_CREATE, target=body.name)
    actor_id = caller.user.id

    def created() -> UserOut:
        with services.sessions() as session:
            actor = session.get(User, actor_id)
            assert actor is not None
            user = create_user(session, actor, body.name, body.password, is_admin=body.is_admin, clock=services.clock)
            return user_out(user)

    return await run_in_threadpool(created)


@router.post("/users/{name}/disable", tags=["users"], summary="Disable a user (Admin)", status_code=204)
async def disable(name: str, caller: CallerDep) -> None:
    """Their sessions end and their API tokens stop working."""
    disable_user(caller.db, caller.user, name, clock=caller.services.clock)


@router.get("/tokens", tags=["tokens"], summary="The caller's API tokens, revoked ones included")
async def tokens(caller: CallerDep) -> list[TokenOut]:
    return [TokenOut.model_validate(record) for record in list_tokens(caller.db, caller.user)]


@router.post("/tokens", tags=["tokens"], summary="Create an API token; the token is shown this once", status_code=201)
async def new_token(body: TokenIn, caller: CallerDep) -> NewTokenOut:
    created = create_token(caller.db, caller.user, body.name, clock=caller.services.clock)
    return NewTokenOut(token=created.token, record=TokenOut.model_validate(created.record))


@router.delete("/tokens/{token_id}", tags=["tokens"], summary="Revoke one of the caller's API tokens", status_code=204)
async def revoke(token_id: int, caller: CallerDep) -> None:
    revoke_token(caller.db, caller.user, token_id, clock=caller.services.clock)


@router.get("/grants", tags=["grants"], summary="Role bindings at the places the caller may grant roles")
async def grants(caller: CallerDep, db: Db, cluster: str | None = None, namespace: str | None = None) -> list[GrantOut]:
    rows = db.execute(select(User.name, RoleBinding).join(RoleBinding.user).order_by(User.name, RoleBinding.id))
    visible = []
    for user_name, row in rows:
        if (cluster is not None and row.cluster != cluster) or (namespace is not None and row.namespace != namespace):
            continue
        action = Action.GRANT_CLUSTER_ADMIN if row.namespace is None else Action.GRANT_NS_VIEWER
        if caller.may(action, row.cluster, row.namespace):
            visible.append(
                GrantOut(user=user_name, role=RoleName(row.role), cluster=row.cluster, namespace=row.namespace)
            )
    return visible


@router.post(
    "/grants", tags=["grants"], summary="Grant a role, replacing the user's role at that place", status_code=204
)
async def grant(body: GrantIn, caller: CallerDep) -> None:
    grant_role(caller.db, caller.user, body.user, _binding(body, caller.lang), clock=caller.services.clock)


@router.delete("/grants", tags=["grants"], summary="Revoke a role", status_code=204)
async def revoke_grant(
    caller: CallerDep,
    user: str,
    role: RoleName,
    cluster: str,
    namespace: str | None = None,
) -> None:
    binding = _binding(GrantIn(user=user, role=role, cluster=cluster, namespace=namespace), caller.lang)
    revoke_role(caller.db, caller.user, user, binding, clock=caller.services.clock)


@router.get("/audit", tags=["audit"], summary="The audit log, newest first (Admin)")
async def audit(
    caller: CallerDep,
    user: str | None = None,
    cluster: str | None = None,
    namespace: str | None = None,
    before_id: Annotated[int | None, Query(alias="beforeId")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    caller.require(Action.AUDIT_VIEW)
    entries = list_audit(
        caller.db, caller.user, user=user, cluster=cluster, namespace=namespace, before_id=before_id, limit=limit
    )
    return [AuditOut.model_validate(entry) for entry in entries]


def _binding(body: GrantIn, lang: Language) -> Binding:
    try:
        return Binding(body.role, body.cluster, body.namespace)
    except ValueError:
        message = api_text("roleScope", lang)
        raise ApiError(
            422, "invalid", fields=[FieldError(path="namespace", code="roleScope", message=message)]
        ) from None
