"""Image registries the Admin adds, for picking images in the wizard and making pull Secrets from.

Passwords are sealed by the data dir's ``SecretBox`` and leave the console only
to the registry itself or inside a pull Secret on a cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobyard.console.auth import Action, AuditResult, Clock, record_audit, require, utc_now
from jobyard.console.db import Registry, SecretBox, User
from jobyard.console.forms import Language
from jobyard.console.i18n import Catalog

from ._cluster_resources import ClusterResources
from ._objects import SecretInfo
from ._registry_api import RegistryApi, RegistryApiError

__all__ = ["RESOURCE_MESSAGES", "RegistryError", "RegistryInfo", "RegistryService"]

RESOURCE_MESSAGES: dict[str, str] = {
    "registryNameInvalid": "Registry names have 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
    "registryNameTaken": "A registry named {name} already exists.",
    "registryUnknown": "There is no registry named {name}.",
    "registryUrlInvalid": "Enter the registry's address, such as https://registry.example.com or 127.0.0.1:5000.",
    "registryUnreachable": "Cannot reach registry {name}: {detail}",
    "registryUnauthorized": "Registry {name} refused the credentials: {detail}",
    "registryError": "Registry {name} answered with an error: {detail}",
    "registryNoCredentials": "Registry {name} has no user name and password to put into a pull Secret.",
}
_CATALOG = Catalog("resources", RESOURCE_MESSAGES)
_REGISTRY_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


class RegistryError(Exception):
    """A refusal about registries: ``code`` is a message of the resources catalog."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: Language) -> str:
        return _CATALOG.message(self.code, lang, **self.params)


@dataclass(frozen=True)
class RegistryInfo:
    """What anyone who may list registries sees: never the password."""

    name: str
    url: str
    username: str | None
    has_password: bool

    @property
    def server(self) -> str:
        """host[:port], as image references and ``.dockerconfigjson`` name the registry."""
        return urlsplit(self.url).netloc


class RegistryService:
    def __init__(
        self,
        session_factory: Callable[[], Session],
        secret_box: SecretBox,
        resources: ClusterResources,
        clock: Clock = utc_now,
        *,
        timeout: float = 10.0,
    ) -> None:
        self._sessions = session_factory
        self._box = secret_box
        self._resources = resources
        self._clock = clock
        self._timeout = timeout

    def add(
        self, actor: User, name: str, url: str, *, username: str | None = None, password: str | None = None
    ) -> RegistryInfo:
        """Keep a registry; ``url`` without a scheme means HTTPS."""
        with self._sessions() as session:
            require(session, actor, Action.REGISTRY_ADD, target=name, clock=self._clock)
            if not _REGISTRY_NAME.fullmatch(name):
                raise RegistryError("registryNameInvalid")
            if session.scalar(select(Registry.id).where(Registry.name == name)) is not None:
                raise RegistryError("registryNameTaken", name=name)
            row = Registry(
                name=name,
                url=_normalized_url(url),
                username=username or None,
                password=self._box.encrypt(password.encode()) if password else None,
            )
            session.add(row)
            record_audit(
                session,
                user=actor.name,
                action="registry.add",
                result=AuditResult.OK,
                target=name,
                detail=row.url,
                clock=self._clock,
            )
            return _info(row)

    def list_registries(self, actor: User) -> list[RegistryInfo]:
        with self._sessions() as session:
            require(session, actor, Action.REGISTRY_LIST, clock=self._clock)
            return [_info(row) for row in session.scalars(select(Registry).order_by(Registry.name))]

    def remove(self, actor: User, name: str) -> None:
        with self._sessions() as session:
            require(session, actor, Action.REGISTRY_REMOVE, target=name, clock=self._clock)
            session.delete(self._row(session, name))
            record_audit(
                session,
                user=actor.name,
                action="registry.remove",
                result=AuditResult.OK,
                target=name,
                clock=self._clock,
            )

    async def repositories(self, actor: User, name: str) -> list[str]:
        """The registry's repositories, from its ``_catalog``."""
        return await self._call(actor, name, lambda api: api.repositories())

    async def tags(self, actor: User, name: str, repository: str) -> list[str]:
        return await self._call(actor, name, lambda api: api.tags(repository))

    async def create_pull_secret(
        self, actor: User, name: str, *, cluster: str, namespace: str, secret_name: str
    ) -> SecretInfo:
        """A ``kubernetes.io/dockerconfigjson`` Secret in ``namespace`` with this registry's credentials."""
        with self._sessions() as session:
            require(session, actor, Action.REGISTRY_LIST, target=name, clock=self._clock)
            row = self._row(session, name)
            info, password = _info(row), self._password(row)
        if info.username is None or password is None:
            raise RegistryError("registryNoCredentials", name=name)
        return await self._resources.create_registry_secret(
            actor, cluster, namespace, secret_name, server=info.server, username=info.username, password=password
        )

    async def _call(self, actor: User, name: str, request: Callable[[RegistryApi], Any]) -> list[str]:
        with self._sessions() as session:
            require(session, actor, Action.REGISTRY_LIST, target=name, clock=self._clock)
            row = self._row(session, name)
            api = RegistryApi(row.url, row.username, self._password(row), timeout=self._timeout)
        try:
            return sorted(await request(api))
        except RegistryApiError as error:
            raise RegistryError(error.code, name=name, detail=error.detail) from None

    def _password(self, row: Registry) -> str | None:
        return self._box.decrypt(row.password).decode() if row.password is not None else None

    @staticmethod
    def _row(session: Session, name: str) -> Registry:
        row = session.scalar(select(Registry).where(Registry.name == name))
        if row is None:
            raise RegistryError("registryUnknown", name=name)
        return row


def _normalized_url(url: str) -> str:
    text = url.strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text.rstrip("/"))
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or any(character.isspace() for character in parts.netloc)
        or parts.username is not None
        or parts.path not in ("", "/v2")
        or parts.query
        or parts.fragment
    ):
        raise RegistryError("registryUrlInvalid")
    return f"{parts.scheme}://{parts.netloc}"


def _info(row: Registry) -> RegistryInfo:
    return RegistryInfo(name=row.name, url=row.url, username=row.username, has_password=row.password is not None)
