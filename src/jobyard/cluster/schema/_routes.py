"""The REST operations we serve for each resource type, as upstream lists them.

Both OpenAPI documents render the same :class:`Route` list, so ``/openapi/v2``
and ``/openapi/v3`` can never disagree about a path, its ``x-kubernetes-action``
or its query parameters. kubectl relies on one of these: it sends
``fieldValidation`` only after finding that parameter on the kind's PATCH
operation (cli-runtime's QueryParamVerifier), so every write declares it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._definitions import definitions, referenced_definitions

if TYPE_CHECKING:  # kinds imports schema; a runtime import would be circular
    from jobyard.cluster.kinds._base import ResourceType

__all__ = ["Operation", "Parameter", "Route", "group_version_kind", "routes", "served_definitions"]

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
PATCH_BODY = META + "Patch"
DELETE_OPTIONS = META + "DeleteOptions"
STATUS = META + "Status"
WATCH_EVENT = META + "WatchEvent"
API_RESOURCE_LIST = META + "APIResourceList"
EVICTION = "io.k8s.api.policy.v1.Eviction"
BINDING = "io.k8s.api.core.v1.Binding"

PATCH_CONTENT_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path" or "query"
    type: str  # "string", "boolean" or "integer"
    description: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str  # HTTP method, lower case
    action: str  # x-kubernetes-action
    operation_id: str
    description: str
    gvk: dict[str, str]
    parameters: tuple[Parameter, ...] = ()
    request: str | None = None  # definition name of the body
    request_required: bool = True
    response: str | None = None  # definition name; None for plain text
    success_codes: tuple[str, ...] = ("200",)
    consumes: tuple[str, ...] = ("*/*",)
    produces: tuple[str, ...] = ("application/json", "application/yaml")


@dataclass(frozen=True)
class Route:
    path: str
    tag: str
    parameters: tuple[Parameter, ...]
    operations: tuple[Operation, ...]


def _query(name: str, type_: str, description: str) -> Parameter:
    return Parameter(name, "query", type_, description)


_PRETTY = _query("pretty", "string", "If 'true', the output is pretty printed.")
_DRY_RUN = _query("dryRun", "string", "All: run every stage of the request without persisting it.")
_FIELD_MANAGER = _query("fieldManager", "string", "Name of the actor making these changes.")
_FIELD_VALIDATION = _query(
    "fieldValidation", "string", "Ignore, Warn or Strict: how to treat unknown or duplicate fields."
)
_FORCE = _query("force", "boolean", "Apply requests re-acquire fields owned by other managers.")
_GRACE = _query("gracePeriodSeconds", "integer", "Seconds before the object is deleted.")
_IGNORE_READ_ERROR = _query(
    "ignoreStoreReadErrorWithClusterBreakingPotential",
    "boolean",
    "Delete an object that cannot be read from storage.",
)
_ORPHAN = _query("orphanDependents", "boolean", "Deprecated: use propagationPolicy.")
_PROPAGATION = _query("propagationPolicy", "string", "Orphan, Background or Foreground.")
_LIST_QUERY = (
    _query("allowWatchBookmarks", "boolean", "Ask for BOOKMARK watch events."),
    _query("continue", "string", "Token of the next page, from a previous list."),
    _query("fieldSelector", "string", "Restrict the list by fields."),
    _query("labelSelector", "string", "Restrict the list by labels."),
    _query("limit", "integer", "Most objects to return in one page."),
    _query("resourceVersion", "string", "Which resource version to serve from."),
    _query("resourceVersionMatch", "string", "How resourceVersion applies to a list."),
    _query("sendInitialEvents", "boolean", "Start a watch with synthetic ADDED events."),
    _query("timeoutSeconds", "integer", "Timeout of the list or watch call."),
    _query("watch", "boolean", "Watch for changes instead of listing."),
)
_WRITE_QUERY = (_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION)
_PATCH_QUERY = (*_WRITE_QUERY, _FORCE)
_DELETE_QUERY = (_DRY_RUN, _GRACE, _IGNORE_READ_ERROR, _ORPHAN, _PROPAGATION)
_DELETE_COLLECTION_QUERY = tuple(
    sorted(
        (*_DELETE_QUERY, *(each for each in _LIST_QUERY if each.name not in ("watch", "allowWatchBookmarks"))),
        key=lambda parameter: parameter.name,
    )
)
_LOG_QUERY = (
    _query("container", "string", "The container to read logs of."),
    _query("follow", "boolean", "Stream the log as it grows."),
    _query("insecureSkipTLSVerifyBackend", "boolean", "Skip verifying the kubelet's certificate."),
    _query("limitBytes", "integer", "Most bytes of log to return."),
    _query("previous", "boolean", "Logs of the previous, terminated container."),
    _query("sinceSeconds", "integer", "Only logs newer than this many seconds."),
    _query("stream", "string", "All, Stdout or Stderr."),
    _query("tailLines", "integer", "Lines from the end of the log to return."),
    _query("timestamps", "boolean", "Prefix each line with its timestamp."),
)
_STREAM_TYPES = ("application/json", "application/yaml", "application/json;stream=watch")


def group_version_kind(group: str, version: str, kind: str) -> dict[str, str]:
    return {"group": group, "kind": kind, "version": version}


def _group_title(group: str) -> str:
    """``Core`` for "", ``Batch`` for batch, ``RbacAuthorization`` for rbac.authorization.k8s.io."""
    if not group:
        return "Core"
    return "".join(part.capitalize() for part in group.removesuffix(".k8s.io").split("."))


def _path_parameter(name: str, description: str) -> Parameter:
    return Parameter(name, "path", "string", description, required=True)


def _tag(resource_type: ResourceType) -> str:
    group = (resource_type.group or "core").removesuffix(".k8s.io").replace(".", "_")
    return f"{group}_{resource_type.version}"


def _prefix(resource_type: ResourceType) -> str:
    return f"/apis/{resource_type.api_version}" if resource_type.group else f"/api/{resource_type.version}"


def _resource_routes(resource_type: ResourceType) -> list[Route]:
    verbs = set(resource_type.verbs)
    kind = resource_type.kind
    gvk = group_version_kind(resource_type.group, resource_type.version, kind)
    title = _group_title(resource_type.group) + resource_type.version.capitalize()
    scope = "Namespaced" if resource_type.namespaced else ""
    list_name = resource_type.definition + "List"
    prefix = _prefix(resource_type)
    namespace_segment = "/namespaces/{namespace}" if resource_type.namespaced else ""
    collection = f"{prefix}{namespace_segment}/{resource_type.plural}"
    item = collection + "/{name}"
    tag = _tag(resource_type)
    scope_parameters: tuple[Parameter, ...] = (
        (_path_parameter("namespace", "object name and auth scope, such as for teams and projects"),)
        if resource_type.namespaced
        else ()
    )
    name_parameter = _path_parameter("name", f"name of the {kind}")

    def operation(method: str, action: str, operation_id: str, description: str, **fields: Any) -> Operation:
        return Operation(method, action, operation_id, description, gvk, **fields)

    base = f"{title}{scope}{kind}"
    collection_operations: list[Operation] = []
    if "list" in verbs:
        collection_operations.append(
            operation(
                "get",
                "list",
                f"list{base}",
                f"list or watch objects of kind {kind}",
                parameters=_LIST_QUERY,
                response=list_name,
                produces=_STREAM_TYPES,
            )
        )
    if "create" in verbs:
        collection_operations.append(
            operation(
                "post",
                "post",
                f"create{base}",
                f"create a {kind}",
                parameters=_WRITE_QUERY,
                request=resource_type.definition,
                response=resource_type.definition,
                success_codes=("200", "201", "202"),
            )
        )
    if "deletecollection" in verbs:
        collection_operations.append(
            operation(
                "delete",
                "deletecollection",
                f"delete{title}Collection{scope}{kind}",
                f"delete collection of {kind}",
                parameters=_DELETE_COLLECTION_QUERY,
                request=DELETE_OPTIONS,
                request_required=False,
                response=STATUS,
            )
        )

    item_operations: list[Operation] = []
    if "get" in verbs:
        item_operations.append(
            operation("get", "get", f"read{base}", f"read the specified {kind}", response=resource_type.definition)
        )
    if "update" in verbs:
        item_operations.append(
            operation(
                "put",
                "put",
                f"replace{base}",
                f"replace the specified {kind}",
                parameters=_WRITE_QUERY,
                request=resource_type.definition,
                response=resource_type.definition,
                success_codes=("200", "201"),
            )
        )
    if "patch" in verbs:
        item_operations.append(
            operation(
                "patch",
                "patch",
                f"patch{base}",
                f"partially update the specified {kind}",
                parameters=_PATCH_QUERY,
                request=PATCH_BODY,
                response=resource_type.definition,
                success_codes=("200", "201"),
                consumes=PATCH_CONTENT_TYPES,
            )
        )
    if "delete" in verbs:
        item_operations.append(
            operation(
                "delete",
                "delete",
                f"delete{base}",
                f"delete a {kind}",
                parameters=_DELETE_QUERY,
                request=DELETE_OPTIONS,
                request_required=False,
                response=STATUS,
                success_codes=("200", "202"),
            )
        )

    result: list[Route] = []
    if collection_operations:
        result.append(Route(collection, tag, (*scope_parameters, _PRETTY), tuple(collection_operations)))
    if item_operations:
        result.append(Route(item, tag, (name_parameter, *scope_parameters, _PRETTY), tuple(item_operations)))
    if resource_type.namespaced and "list" in verbs:
        result.append(
            Route(
                f"{prefix}/{resource_type.plural}",
                tag,
                (_PRETTY,),
                (
                    operation(
                        "get",
                        "list",
                        f"list{title}{kind}ForAllNamespaces",
                        f"list or watch objects of kind {kind}",
                        parameters=_LIST_QUERY,
                        response=list_name,
                        produces=_STREAM_TYPES,
                    ),
                ),
            )
        )
    if "watch" in verbs:
        result.extend(_watch_routes(resource_type, title, scope, tag, scope_parameters, name_parameter, gvk))
    for subresource in resource_type.subresources:
        item_route = _subresource_route(subresource, item, resource_type, title, scope, gvk)
        if item_route is not None:
            result.append(Route(item_route[0], tag, (name_parameter, *scope_parameters, _PRETTY), item_route[1]))
    return result


def _watch_routes(
    resource_type: ResourceType,
    title: str,
    scope: str,
    tag: str,
    scope_parameters: tuple[Parameter, ...],
    name_parameter: Parameter,
    gvk: dict[str, str],
) -> list[Route]:
    """The deprecated ``/watch/`` paths upstream still publishes."""
    kind = resource_type.kind
    prefix = _prefix(resource_type)
    namespace_segment = "/namespaces/{namespace}" if resource_type.namespaced else ""
    collection = f"{prefix}/watch{namespace_segment}/{resource_type.plural}"

    def watch(action: str, operation_id: str) -> Operation:
        return Operation(
            method="get",
            action=action,
            operation_id=operation_id,
            description=f"watch changes to {kind} objects. deprecated: use the 'watch' parameter with a list operation",
            gvk=gvk,
            response=WATCH_EVENT,
            produces=_STREAM_TYPES,
        )

    routes_ = [
        Route(
            collection,
            tag,
            (*scope_parameters, *_LIST_QUERY, _PRETTY),
            (watch("watchlist", f"watch{title}{scope}{kind}List"),),
        ),
        Route(
            collection + "/{name}",
            tag,
            (name_parameter, *scope_parameters, *_LIST_QUERY, _PRETTY),
            (watch("watch", f"watch{title}{scope}{kind}"),),
        ),
    ]
    if resource_type.namespaced:
        routes_.append(
            Route(
                f"{prefix}/watch/{resource_type.plural}",
                tag,
                (*_LIST_QUERY, _PRETTY),
                (watch("watchlist", f"watch{title}{kind}ListForAllNamespaces"),),
            )
        )
    return routes_


def _subresource_route(
    subresource: str,
    item: str,
    resource_type: ResourceType,
    title: str,
    scope: str,
    gvk: dict[str, str],
) -> tuple[str, tuple[Operation, ...]] | None:
    kind = resource_type.kind
    path = f"{item}/{subresource}"
    base = f"{title}{scope}{kind}"
    if subresource == "status":
        return path, (
            Operation(
                "get",
                "get",
                f"read{base}Status",
                f"read status of the specified {kind}",
                gvk,
                response=resource_type.definition,
            ),
            Operation(
                "put",
                "put",
                f"replace{base}Status",
                f"replace status of the specified {kind}",
                gvk,
                parameters=_WRITE_QUERY,
                request=resource_type.definition,
                response=resource_type.definition,
                success_codes=("200", "201"),
            ),
            Operation(
                "patch",
                "patch",
                f"patch{base}Status",
                f"partially update status of the specified {kind}",
                gvk,
                parameters=_PATCH_QUERY,
                request=PATCH_BODY,
                response=resource_type.definition,
                success_codes=("200", "201"),
                consumes=PATCH_CONTENT_TYPES,
            ),
        )
    if subresource == "eviction":
        return path, (
            Operation(
                "post",
                "post",
                f"create{base}Eviction",
                f"create eviction of a {kind}",
                group_version_kind("policy", "v1", "Eviction"),
                parameters=_WRITE_QUERY,
                request=EVICTION,
                response=EVICTION,
                success_codes=("200", "201", "202"),
            ),
        )
    if subresource == "binding":
        return path, (
            Operation(
                "post",
                "post",
                f"create{base}Binding",
                f"create binding of a {kind}",
                group_version_kind("", "v1", "Binding"),
                parameters=_WRITE_QUERY,
                request=BINDING,
                response=BINDING,
                success_codes=("200", "201", "202"),
            ),
        )
    if subresource == "log":
        return path, (
            Operation(
                "get",
                "get",
                f"read{base}Log",
                f"read log of the specified {kind}",
                gvk,
                parameters=_LOG_QUERY,
                response=None,
                produces=("text/plain",),
            ),
        )
    return None


def routes(resource_types: Iterable[ResourceType]) -> list[Route]:
    """Every route of ``resource_types``, plus each group-version's discovery route."""
    result: list[Route] = []
    discovered: set[str] = set()
    for resource_type in resource_types:
        prefix = _prefix(resource_type)
        if prefix not in discovered:
            discovered.add(prefix)
            result.append(
                Route(
                    prefix + "/",
                    _tag(resource_type),
                    (),
                    (
                        Operation(
                            "get",
                            "",
                            f"get{_group_title(resource_type.group)}{resource_type.version.capitalize()}APIResources",
                            "get available resources",
                            {},
                            response=API_RESOURCE_LIST,
                        ),
                    ),
                )
            )
        result.extend(_resource_routes(resource_type))
    return result


# Definitions clients look up by name whatever kinds are served.
_ALWAYS_SERVED = (
    STATUS,
    DELETE_OPTIONS,
    META + "ObjectMeta",
    META + "ListMeta",
    WATCH_EVENT,
    API_RESOURCE_LIST,
    PATCH_BODY,
    EVICTION,
)


def served_definitions(routes_: Iterable[Route], resource_types: Iterable[ResourceType]) -> list[str]:
    """The definitions a document must carry: the closure of what its routes name."""
    roots = set(_ALWAYS_SERVED)
    for resource_type in resource_types:
        roots.add(resource_type.definition)
        if resource_type.definition + "List" in definitions():
            roots.add(resource_type.definition + "List")
    for route in routes_:
        for operation in route.operations:
            roots.update(name for name in (operation.request, operation.response) if name)
    return referenced_definitions(roots)
