"""The verbs on stored objects, with upstream's API semantics.

One path per verb for every caller: the HTTP handlers and the in-process
client both land here, so defaulting, validation, resourceVersion checks and
watch events are the same however a write arrives.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncGenerator
from typing import Any

from jobyard.cluster import kinds, patching, schema
from jobyard.cluster.clock import Clock, format_time, system_clock
from jobyard.cluster.errors import (
    AlreadyExists,
    BadRequest,
    Cause,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    StatusError,
)
from jobyard.cluster.kinds import ResourceType, validate_object_meta
from jobyard.cluster.store import Store, copy_json

from . import _deleting, _listing, _pod_subresources, _watching
from ._meta import carry_system_fields, generate_name, spec_of, stamp_new, without_volatile
from ._options import DeleteOptions, ListOptions, WatchOptions, WriteOptions

Obj = dict[str, Any]
# Warning headers a write answers with (a name of its own: Registry.list shadows list).
Warnings = list[str]
Paths = list[str]  # of fields, as upstream prints them: spec.containers[0].name

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE_PATCH, JSON_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)


def _require_name(meta: dict[str, Any], name: str) -> None:
    if meta.get("name") != name:
        raise BadRequest(f"the name of the object ({meta.get('name', '')}) does not match the name on the URL ({name})")


def _invalid_patch_options(field: str, reason: str, message: str) -> Invalid:
    return Invalid.of("PatchOptions", "", [Cause(field, reason, message)], group="meta.k8s.io")


class Registry:
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = system_clock,
        watch_queue_size: int = 1000,
        bookmark_interval_seconds: float = 60.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.watch_queue_size = watch_queue_size
        self.bookmark_interval_seconds = bookmark_interval_seconds

    def now(self) -> str:
        return format_time(self.clock())

    # Reads

    def get(self, rtype: ResourceType, namespace: str, name: str) -> Obj:
        return self.require(rtype, namespace, name)

    def list(self, rtype: ResourceType, namespace: str | None, options: ListOptions = ListOptions()) -> Obj:
        return _listing.list_objects(self.store, rtype, self._scope(rtype, namespace), options)

    def watch(
        self, rtype: ResourceType, namespace: str | None, options: WatchOptions = WatchOptions()
    ) -> AsyncGenerator[Obj, None]:
        return _watching.watch(self, rtype, self._scope(rtype, namespace), options)

    # Writes

    def create(
        self, rtype: ResourceType, namespace: str, body: Any, options: WriteOptions = WriteOptions()
    ) -> tuple[Obj, Warnings]:
        return self._create(rtype, namespace, body, options, applied=False)

    def _create(
        self, rtype: ResourceType, namespace: str, body: Any, options: WriteOptions, *, applied: bool
    ) -> tuple[Obj, Warnings]:
        """Create; ``applied`` objects come with the managedFields server-side apply computed."""
        obj, unknown = self._decode(rtype, body)
        warnings = self._check_fields(unknown, options)
        meta = obj["metadata"]
        self._place(rtype, meta, namespace)
        if meta.get("resourceVersion"):
            raise BadRequest("resourceVersion should not be set on objects to be created")
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = generate_name(str(meta["generateName"]))
        now = self.now()
        stamp_new(meta, now)
        rtype.default(obj)
        rtype.prepare_for_create(obj)
        if rtype.has_status:
            meta["generation"] = 1
        if rtype is kinds.SERVICE:
            self._allocate_cluster_ip(obj)
            self._allocate_node_ports(obj)
        self._admit_into_namespace(rtype, meta)
        self._validate(rtype, obj, None)
        if self.store.get(rtype.qualified_plural, meta.get("namespace", ""), meta["name"]) is not None:
            raise AlreadyExists(
                f'{rtype.qualified_plural} "{meta["name"]}" already exists',
                name=meta["name"],
                group=rtype.group,
                kind=rtype.plural,
            )
        if not applied:
            obj = patching.record_update(
                None, obj, self._manager(options), now, rtype.definition, ignored_fields=self._ignored(rtype, None)
            )
        if options.dry_run:
            return obj, warnings
        return self.store.put(rtype.qualified_plural, obj, "ADDED"), warnings

    def update(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        options: WriteOptions = WriteOptions(),
        subresource: str | None = None,
    ) -> tuple[Obj, Warnings]:
        obj, unknown = self._decode(rtype, body)
        warnings = self._check_fields(unknown, options)
        meta = obj["metadata"]
        _require_name(meta, name)
        self._place(rtype, meta, namespace)
        old = self.require(rtype, namespace, name)
        return self.write_update(rtype, old, obj, options, subresource), warnings

    def patch(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        patch_type: str,
        patch: Any,
        options: WriteOptions = WriteOptions(),
        subresource: str | None = None,
    ) -> tuple[Obj, Warnings]:
        if patch_type == APPLY_PATCH:
            return self._apply(rtype, namespace, name, patch, options, subresource)
        if options.force:
            raise _invalid_patch_options(
                "force", "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch"
            )
        old = self.require(rtype, namespace, name)
        # The patch functions never change their input, so the stored object is patched as is.
        current = old
        if patch_type == MERGE_PATCH:
            patched = patching.merge_patch(current, patch)
        elif patch_type == JSON_PATCH:
            patched = patching.json_patch(current, patch)
        elif patch_type == STRATEGIC_MERGE_PATCH:
            if not isinstance(patch, dict):
                raise BadRequest("strategic merge patch must be a JSON object")
            patched = patching.strategic_merge_patch(current, patch, rtype.definition)
        else:
            raise StatusError("unsupported patch type")  # the HTTP layer answers 415 first
        obj, unknown = self._decode(rtype, patched, owned=True, unchanged_from=old)
        warnings = self._check_fields(unknown, options)
        meta = obj["metadata"]
        _require_name(meta, name)
        self._place(rtype, meta, namespace)
        return self.write_update(rtype, old, obj, options, subresource), warnings

    def delete(
        self, rtype: ResourceType, namespace: str, name: str, options: DeleteOptions = DeleteOptions()
    ) -> tuple[Obj, bool]:
        """Delete or start deleting; the flag is True when the object is gone now."""
        return _deleting.delete(self, rtype, namespace, name, options)

    def delete_collection(
        self,
        rtype: ResourceType,
        namespace: str | None,
        list_options: ListOptions,
        options: DeleteOptions = DeleteOptions(),
    ) -> Obj:
        listed = self.list(rtype, namespace, list_options)
        deleted = []
        for item in listed["items"]:
            item_meta = item["metadata"]
            try:
                obj, _ = self.delete(rtype, item_meta.get("namespace", ""), item_meta["name"], options)
            except NotFound:
                continue
            deleted.append(obj)
        listed["items"] = deleted
        return listed

    def evict(self, namespace: str, name: str, eviction: Any) -> None:
        _pod_subresources.evict(self, namespace, name, eviction)

    def bind(self, namespace: str, name: str, binding: Any, dry_run: bool = False) -> None:
        _pod_subresources.bind(self, namespace, name, binding, dry_run)

    def finalize_namespace(self, name: str) -> None:
        """The namespace controller's last step, once the namespace is empty."""
        _deleting.finalize_namespace(self, name)

    # Steps shared by the verbs

    def require(self, rtype: ResourceType, namespace: str, name: str) -> Obj:
        obj = self.store.get(rtype.qualified_plural, namespace if rtype.namespaced else "", name)
        if obj is None:
            raise NotFound(
                f'{rtype.qualified_plural} "{name}" not found', name=name, group=rtype.group, kind=rtype.plural
            )
        return obj

    @staticmethod
    def _scope(rtype: ResourceType, namespace: str | None) -> str | None:
        return namespace if rtype.namespaced else None

    @staticmethod
    def _decode(
        rtype: ResourceType, body: Any, *, owned: bool = False, unchanged_from: Obj | None = None
    ) -> tuple[Obj, Paths]:
        """The body as an object of ``rtype``, and the paths of the unknown fields dropped
        from it, as upstream's decoder drops them; with ``unchanged_from`` (the stored object a
        patch changed), the schema checks skip what the patch left as it was."""
        baseline = unchanged_from if unchanged_from is not None else schema.ABSENT
        if not isinstance(body, dict):
            raise BadRequest(f"the body of the request was not a {rtype.kind} object")
        # A body the caller still holds is copied; a patch result is ours already.
        obj = body if owned else copy_json(body)
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if api_version and api_version != rtype.api_version:
            raise BadRequest(
                f"the API version in the data ({api_version}) does not match the expected API version "
                f"({rtype.api_version})"
            )
        if kind and kind != rtype.kind:
            raise BadRequest(f"the kind in the data ({kind}) does not match the expected kind ({rtype.kind})")
        obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
        if not isinstance(obj.setdefault("metadata", {}), dict):
            raise BadRequest(
                f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: metadata must be an object'
            )
        type_errors, unknown = schema.decode(obj, rtype.definition, baseline)
        if type_errors:
            raise BadRequest(
                f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: {type_errors[0]}'
            )
        return obj, unknown

    @staticmethod
    def _check_fields(unknown: Paths, options: WriteOptions) -> Warnings:
        """Unknown fields are dropped (by :meth:`_decode`), as upstream's decoder does; Strict
        rejects them and duplicate fields instead, Warn reports them, Ignore keeps quiet."""
        if options.field_validation == "Ignore":
            return []
        problems = [f'unknown field "{path}"' for path in unknown]
        problems += [f'duplicate field "{path}"' for path in options.duplicate_fields]
        if problems and options.field_validation == "Strict":
            raise BadRequest("strict decoding error: " + ", ".join(problems))
        return problems

    @staticmethod
    def _place(rtype: ResourceType, meta: dict[str, Any], namespace: str) -> None:
        if not rtype.namespaced:
            meta.pop("namespace", None)
            return
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise BadRequest("the namespace of the provided object does not match the namespace sent on the request")
        meta["namespace"] = namespace

    def _admit_into_namespace(self, rtype: ResourceType, meta: dict[str, Any]) -> None:
        """Upstream's NamespaceLifecycle admission: no content in missing or terminating namespaces."""
        if not rtype.namespaced:
            return
        namespace = meta["namespace"]
        found = self.store.get(kinds.NAMESPACE.qualified_plural, "", namespace)
        if found is None:
            raise NotFound(f'namespaces "{namespace}" not found', name=namespace, kind=kinds.NAMESPACE.plural)
        if found["metadata"].get("deletionTimestamp"):
            raise Forbidden(
                f'{rtype.qualified_plural} "{meta.get("name", "")}" is forbidden: unable to create new content '
                f"in namespace {namespace} because it is being terminated",
                name=meta.get("name", ""),
                group=rtype.group,
                kind=rtype.plural,
            )

    @staticmethod
    def _validate(rtype: ResourceType, obj: Obj, old: Obj | None, subresource: str | None = None) -> None:
        causes = validate_object_meta(obj, rtype, old)
        if subresource == "status":
            causes += rtype.validate_status(obj, old)
        else:
            causes += rtype.validate(obj, old)
        if causes:
            raise Invalid.of(rtype.kind, obj["metadata"].get("name", ""), causes, rtype.group)

    def _allocate_cluster_ip(self, service: Obj) -> None:
        """Upstream's service REST hands out a ClusterIP on create, unless headless or ExternalName."""
        spec = service.setdefault("spec", {})
        if spec.get("type") == "ExternalName" or spec.get("clusterIP"):
            return
        taken = {
            str((other.get("spec") or {}).get("clusterIP")) for other in self.store.list(kinds.SERVICE.qualified_plural)
        }
        address = kinds.allocate_cluster_ip(taken)
        spec["clusterIP"] = address
        spec["clusterIPs"] = [address]

    def _allocate_node_ports(self, service: Obj) -> None:
        """NodePort and LoadBalancer services get a node port for every port that names none; taken ones are refused."""
        spec = service.get("spec") or {}
        if spec.get("type") not in ("NodePort", "LoadBalancer"):
            return
        taken: set[int] = set()
        for other in self.store.list(kinds.SERVICE.qualified_plural):
            taken.update(int(p["nodePort"]) for p in (other.get("spec") or {}).get("ports") or [] if p.get("nodePort"))
        causes = []
        for index, port in enumerate(spec.get("ports") or []):
            wanted = port.get("nodePort")
            if isinstance(wanted, int) and wanted in taken:
                causes.append(
                    Cause(
                        f"spec.ports[{index}].nodePort",
                        "FieldValueInvalid",
                        f"Invalid value: {wanted}: provided port is already allocated",
                    )
                )
            elif not wanted:
                port["nodePort"] = kinds.allocate_node_port(taken)
            if port.get("nodePort"):
                taken.add(int(port["nodePort"]))
        if causes:
            raise Invalid.of("Service", service["metadata"].get("name", ""), causes)

    @staticmethod
    def _ignored(rtype: ResourceType, subresource: str | None) -> frozenset[str]:
        """Top-level fields a write resets, so nobody owns them through it."""
        if subresource == "status":
            return frozenset(key for key in ("spec",) if rtype.has_status)
        return frozenset({"status"}) if rtype.has_status else frozenset()

    @staticmethod
    def _manager(options: WriteOptions) -> str:
        return options.field_manager or "unknown"

    def write_update(
        self,
        rtype: ResourceType,
        old: Obj,
        new: Obj,
        options: WriteOptions,
        subresource: str | None,
        *,
        applied: bool = False,
    ) -> Obj:
        meta, old_meta = new["metadata"], old["metadata"]
        wanted_version = meta.get("resourceVersion")
        if wanted_version and wanted_version != old_meta["resourceVersion"]:
            raise Conflict(
                f'Operation cannot be fulfilled on {rtype.qualified_plural} "{old_meta["name"]}": the object has '
                "been modified; please apply your changes to the latest version and try again",
                name=old_meta["name"],
                group=rtype.group,
                kind=rtype.plural,
            )
        _deleting.check_uid(rtype, old, meta.get("uid"))
        if subresource == "status":
            for key in spec_of(old).keys() | spec_of(new).keys():
                if key in old:
                    # A status write leaves the spec as it was: copy it back only when it changed.
                    if new.get(key) != old[key]:
                        new[key] = copy_json(old[key])
                else:
                    new.pop(key, None)
            if "ownerReferences" in old_meta:
                meta["ownerReferences"] = copy.deepcopy(old_meta["ownerReferences"])
            else:
                meta.pop("ownerReferences", None)
        elif rtype.has_status:
            if "status" in old:
                if new.get("status") != old["status"]:
                    new["status"] = copy_json(old["status"])
            else:
                new.pop("status", None)
        carry_system_fields(meta, old_meta)
        rtype.default(new)
        if rtype.has_status and spec_of(new) != spec_of(old):
            meta["generation"] = int(old_meta.get("generation") or 1) + 1
        self._validate(rtype, new, old, subresource)
        if without_volatile(new) == without_volatile(old):
            return old
        if not applied:
            new = patching.record_update(
                old,
                new,
                self._manager(options),
                self.now(),
                rtype.definition,
                subresource=subresource or "",
                ignored_fields=self._ignored(rtype, subresource),
            )
        if options.dry_run:
            return new
        if (
            meta.get("deletionTimestamp")
            and not meta.get("finalizers")
            and not old_meta.get("deletionGracePeriodSeconds")
            and not _deleting.waits_for_namespace_finalizers(rtype, new)
        ):
            # The last finalizer went; a pod still in its grace period waits for its node.
            return self.store.remove(rtype.qualified_plural, new)
        return self.store.put(rtype.qualified_plural, new, "MODIFIED")

    def _apply(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        applied: Any,
        options: WriteOptions,
        subresource: str | None,
    ) -> tuple[Obj, Warnings]:
        if not options.field_manager:
            raise _invalid_patch_options(
                "fieldManager", "FieldValueRequired", "Required value: is required for apply patch"
            )
        obj, unknown = self._decode(rtype, applied)
        if not applied.get("apiVersion") or not applied.get("kind"):
            raise BadRequest("apiVersion and kind must be set in an apply configuration")
        meta = obj["metadata"]
        meta.setdefault("name", name)
        _require_name(meta, name)
        self._place(rtype, meta, namespace)
        warnings = self._check_fields(unknown, options)
        live = self.store.get(rtype.qualified_plural, namespace if rtype.namespaced else "", name)
        now = self.now()
        merged = patching.apply(
            copy.deepcopy(live) if live is not None else None,
            obj,
            manager=options.field_manager,
            force=options.force,
            definition_name=rtype.definition,
            now=now,
            subresource=subresource or "",
            ignored_fields=self._ignored(rtype, subresource),
        )
        if live is None:
            if subresource:
                # A subresource never creates its object, as upstream's status endpoints.
                self.require(rtype, namespace, name)
            return self._create(rtype, namespace, merged, options, applied=True)
        return self.write_update(rtype, live, merged, options, subresource, applied=True), warnings
