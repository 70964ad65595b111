"""Bad input: each is answered with the right Status, never a 5xx, and writes nothing."""

from __future__ import annotations

import json

import pytest

from .support import assert_status, configmap, configmaps_url, create, pod, pods_url, store_unchanged

JSON = "application/json"
YAML = "application/yaml"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
MAX_BODY_BYTES = 3 * 1024 * 1024


def case(method, target, body, content_type, code, reason, rule, **params):
    """``target`` "" is the collection, "cm" the existing object; ``body`` str/bytes is sent raw."""
    return pytest.param(method, target, body, content_type, params, code, reason, id=rule)


def raw(body) -> bytes:
    if isinstance(body, bytes):
        return body
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


BAD_REQUESTS = [
    case("POST", "", "{not json", JSON, 400, "BadRequest", "malformed JSON is 400"),
    case("POST", "", "data: [unclosed", YAML, 400, "BadRequest", "malformed YAML is 400"),
    case("POST", "", b"\xff\xfe{}", JSON, 400, "BadRequest", "a body that is not UTF-8 is 400"),
    case("POST", "", "", JSON, 400, "BadRequest", "an empty body is 400"),
    case("POST", "", [1, 2], JSON, 400, "BadRequest", "a body that is no object is 400"),
    case(
        "POST",
        "",
        {**configmap("x"), "kind": "Pod"},
        JSON,
        400,
        "BadRequest",
        "a kind that does not match the URL is 400",
    ),
    case(
        "POST",
        "",
        {**configmap("x"), "apiVersion": "batch/v1"},
        JSON,
        400,
        "BadRequest",
        "an apiVersion that does not match the URL is 400",
    ),
    case(
        "POST",
        "",
        {**configmap("x"), "metadata": {"name": "x", "namespace": "other"}},
        JSON,
        400,
        "BadRequest",
        "a namespace that does not match the URL is 400",
    ),
    case(
        "POST",
        "",
        {**configmap("x"), "data": {"key": 1}},
        JSON,
        400,
        "BadRequest",
        "a field of the wrong type is 400",
    ),
    case("PUT", "cm", configmap("other"), JSON, 400, "BadRequest", "a PUT whose body names another object is 400"),
    case(
        "POST",
        "",
        {**configmap("x"), "surprise": True},
        JSON,
        400,
        "BadRequest",
        "an unknown field with fieldValidation=Strict is 400",
        fieldValidation="Strict",
    ),
    case(
        "POST",
        "",
        configmap("x"),
        JSON,
        400,
        "BadRequest",
        "an unknown fieldValidation is 400",
        fieldValidation="Loose",
    ),
    case("POST", "", configmap("x"), JSON, 400, "BadRequest", "dryRun=foo is 400", dryRun="foo"),
    case("POST", "", configmap("x"), "text/plain", 415, "UnsupportedMediaType", "a body of unknown media type is 415"),
    case("PATCH", "cm", "{bad", MERGE, 400, "BadRequest", "a malformed merge patch is 400"),
    case("PATCH", "cm", [1, 2], MERGE, 422, "Invalid", "a merge patch that is no object is 422"),
    case("PATCH", "cm", {"data": 5}, MERGE, 400, "BadRequest", "a merge patch giving a field the wrong type is 400"),
    case(
        "PATCH", "cm", {"metadata": {"name": "other"}}, MERGE, 400, "BadRequest", "a patch renaming the object is 400"
    ),
    case("PATCH", "cm", {"op": "add"}, JSON_PATCH, 400, "BadRequest", "a JSON patch that is no list is 400"),
    case(
        "PATCH",
        "cm",
        [{"op": "remove", "path": "/nope"}],
        JSON_PATCH,
        422,
        "Invalid",
        "a JSON patch removing a missing path is 422",
    ),
    case(
        "PATCH",
        "cm",
        [{"op": "test", "path": "/data/key", "value": "other"}],
        JSON_PATCH,
        422,
        "Invalid",
        "a failed JSON patch test is 422",
    ),
    case(
        "PATCH",
        "cm",
        [{"op": "frob", "path": "/data"}],
        JSON_PATCH,
        422,
        "Invalid",
        "an unknown JSON patch operation is 422",
    ),
    case("PATCH", "cm", [1], STRATEGIC, 400, "BadRequest", "a strategic merge patch that is no object is 400"),
    case(
        "PATCH", "cm", "data: [", APPLY, 400, "BadRequest", "a malformed apply configuration is 400", fieldManager="t"
    ),
    case(
        "PATCH",
        "cm",
        "data: {key: v}",
        APPLY,
        400,
        "BadRequest",
        "an apply configuration without apiVersion and kind is 400",
        fieldManager="t",
    ),
    case(
        "PATCH",
        "cm",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
        APPLY,
        422,
        "Invalid",
        "apply without a fieldManager is 422",
    ),
    case(
        "PATCH", "cm", {"data": {"key": "v"}}, MERGE, 422, "Invalid", "force on a non-apply patch is 422", force="true"
    ),
    case("PATCH", "cm", {}, "text/plain", 415, "UnsupportedMediaType", "an unsupported patch type is 415"),
    case("PATCH", "cm", {}, JSON, 415, "UnsupportedMediaType", "plain JSON is no patch type and is 415"),
    case(
        "DELETE",
        "cm",
        {"gracePeriodSeconds": "soon"},
        JSON,
        400,
        "BadRequest",
        "a delete grace period that is no integer is 400",
    ),
    case(
        "DELETE",
        "cm",
        {"propagationPolicy": "Sideways"},
        JSON,
        400,
        "BadRequest",
        "an unknown propagation policy is 400",
    ),
    case(
        "DELETE",
        "cm",
        {"gracePeriodSeconds": -1},
        JSON,
        400,
        "BadRequest",
        "a negative grace period is 400",
    ),
    case(
        "DELETE",
        "cm",
        {"propagationPolicy": "Orphan", "orphanDependents": True},
        JSON,
        400,
        "BadRequest",
        "orphanDependents together with propagationPolicy is 400",
    ),
    case("GET", "", None, None, 400, "BadRequest", "an unparsable label selector is 400", labelSelector="a in (b"),
    case("GET", "", None, None, 400, "BadRequest", "a label selector with two operators is 400", labelSelector="a=b=c"),
    case("GET", "", None, None, 400, "BadRequest", "a label value that is not a label is 400", labelSelector="a=b c"),
    case(
        "GET", "", None, None, 400, "BadRequest", "an unparsable field selector is 400", fieldSelector="metadata.name"
    ),
    case("GET", "", None, None, 400, "BadRequest", "a negative limit is 400", limit="-1"),
    case("GET", "", None, None, 400, "BadRequest", "a limit that is no integer is 400", limit="ten"),
    case(
        "GET", "", None, None, 400, "BadRequest", "a resourceVersion that is no integer is 400", resourceVersion="abc"
    ),
    case(
        "GET",
        "",
        None,
        None,
        400,
        "BadRequest",
        "timeoutSeconds that is no integer is 400",
        watch="true",
        timeoutSeconds="abc",
    ),
    case("PUT", "", configmap("x"), JSON, 405, "MethodNotAllowed", "PUT on a collection is 405"),
    case("POST", "cm", configmap("cm"), JSON, 405, "MethodNotAllowed", "POST on an object is 405"),
]


@pytest.mark.parametrize("method, target, body, content_type, params, code, reason", BAD_REQUESTS)
def test_bad_request_gets_its_status_and_writes_nothing(
    api, namespace, shared_cluster, method, target, body, content_type, params, code, reason
):
    create(api, configmaps_url(namespace), configmap("cm"))
    before = api.get(configmaps_url(namespace, "cm")).json()
    headers = {"Content-Type": content_type} if content_type else {}
    content = None if body is None else raw(body)
    with store_unchanged(shared_cluster):
        response = api.request(
            method, configmaps_url(namespace, target), content=content, headers=headers, params=params
        )
    assert_status(response, code, reason)
    assert api.get(configmaps_url(namespace, "cm")).json() == before


@pytest.mark.parametrize(
    "declared",
    [
        pytest.param(True, id="a declared body over 3 MiB is 413"),
        pytest.param(False, id="a streamed body over 3 MiB is 413"),
    ],
)
def test_body_over_three_mebibytes_is_413(api, namespace, shared_cluster, declared):
    manifest = configmap("huge", data={"blob": "x" * MAX_BODY_BYTES})
    body = raw(manifest)
    content = body if declared else iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
    with store_unchanged(shared_cluster):
        response = api.post(configmaps_url(namespace), content=content, headers={"Content-Type": JSON})
    assert_status(response, 413, "RequestEntityTooLarge")


def test_body_just_under_three_mebibytes_is_accepted(api, namespace):
    manifest = pod("big")
    padding = MAX_BODY_BYTES - len(raw(manifest)) - 1024
    manifest["spec"]["containers"][0]["args"] = ["x" * padding]
    response = api.post(pods_url(namespace), json=manifest, params={"dryRun": "All"})
    assert response.status_code == 201


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/widgets", id="an unknown resource is 404"),
        pytest.param("/apis/batch/v2/jobs", id="an unknown version is 404"),
        pytest.param("/api/v1/namespaces/default/pods/p/exec", id="an unknown subresource is 404"),
        pytest.param("/api/v1/namespaces/default/configmaps/a/b/c", id="a path too deep is 404"),
        pytest.param("/api/v1/pods/p", id="a namespaced object without its namespace is 404"),
        pytest.param("/nonsense", id="a path outside the API is 404"),
    ],
)
def test_unknown_paths_are_404(api, path):
    assert_status(api.get(path), 404, "NotFound")
