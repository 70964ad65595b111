import asyncio

import pytest

from jobyard.cluster.clock import format_time
from jobyard.cluster.controllers import EndpointsController
from jobyard.cluster.controllers.endpoints import desired_endpoints, desired_load_balancer

NODE_IP = "192.0.2.2"


def service(selector=None, ports=None, cluster_ip="10.96.0.10", kind="ClusterIP", labels=None, **spec):
    body = {
        "type": kind,
        "clusterIP": cluster_ip,
        "ports": ports if ports is not None else [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
        **spec,
    }
    if selector is not None:
        body["selector"] = selector
    meta = {"name": "web", "namespace": "default", "labels": labels or {}}
    return {"metadata": meta, "spec": body}


def pod(name, ip="", ready=True, labels=None, phase="Running", deleting=False, ports=None, namespace="default", **spec):
    meta = {
        "name": name,
        "namespace": namespace,
        "uid": f"uid-{name}",
        "labels": {"app": "web"} if labels is None else labels,
    }
    if deleting:
        meta["deletionTimestamp"] = format_time(1_800_000_000)
    containers = [{"name": "c", "image": "busybox", "ports": ports or []}]
    status = {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        status["podIP"] = ip
    return {"metadata": meta, "spec": {"nodeName": "node-1", "containers": containers, **spec}, "status": status}


def address(name, ip):
    return {
        "ip": ip,
        "nodeName": "node-1",
        "targetRef": {"kind": "Pod", "namespace": "default", "name": name, "uid": f"uid-{name}"},
    }


HTTP = {"name": "http", "port": 8080, "protocol": "TCP"}


def test_ready_pods_are_addresses_and_the_others_not_ready_addresses():
    pods = [pod("b", "10.88.0.3"), pod("a", "10.88.0.2"), pod("c", "10.88.0.4", ready=False)]
    endpoints = desired_endpoints(service({"app": "web"}), pods)
    assert endpoints["metadata"] == {"name": "web", "namespace": "default"}
    assert endpoints["subsets"] == [
        {
            "addresses": [address("a", "10.88.0.2"), address("b", "10.88.0.3")],
            "notReadyAddresses": [address("c", "10.88.0.4")],
            "ports": [HTTP],
        }
    ]


@pytest.mark.parametrize(
    "left_out",
    [
        pytest.param(pod("x"), id="no pod IP yet"),
        pytest.param(pod("x", "10.88.0.9", labels={"app": "db"}), id="not selected"),
        pytest.param(pod("x", "10.88.0.9", namespace="other"), id="another namespace"),
        pytest.param(pod("x", "10.88.0.9", phase="Succeeded"), id="succeeded"),
        pytest.param(pod("x", "10.88.0.9", phase="Failed"), id="failed"),
        pytest.param(pod("x", "10.88.0.9", deleting=True), id="terminating"),
    ],
)
def test_pods_that_cannot_serve_are_left_out(left_out):
    assert desired_endpoints(service({"app": "web"}), [left_out])["subsets"] == []


def test_publish_not_ready_addresses_lists_every_pod_as_ready_even_terminating():
    pods = [pod("a", "10.88.0.2", ready=False), pod("b", "10.88.0.3", deleting=True)]
    endpoints = desired_endpoints(service({"app": "web"}, publishNotReadyAddresses=True), pods)
    assert endpoints["subsets"][0]["addresses"] == [address("a", "10.88.0.2"), address("b", "10.88.0.3")]


def test_a_named_target_port_is_resolved_per_pod_and_pods_without_it_are_left_out_of_that_port():
    ports = [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "web"}]
    pods = [
        pod("a", "10.88.0.2", ports=[{"name": "web", "containerPort": 8080, "protocol": "TCP"}]),
        pod("b", "10.88.0.3", ports=[{"name": "web", "containerPort": 9090, "protocol": "TCP"}]),
        pod("c", "10.88.0.4", ports=[{"name": "web", "containerPort": 7070, "protocol": "UDP"}]),
        pod("d", "10.88.0.5"),
    ]
    subsets = desired_endpoints(service({"app": "web"}, ports=ports), pods)["subsets"]
    assert subsets == [
        {"addresses": [address("a", "10.88.0.2")], "ports": [HTTP]},
        {"addresses": [address("b", "10.88.0.3")], "ports": [{**HTTP, "port": 9090}]},
    ]


def test_ports_are_named_as_the_service_port_and_an_unnamed_one_has_no_name():
    unnamed = [{"port": 80, "protocol": "UDP", "targetPort": 53}]
    subsets = desired_endpoints(service({"app": "web"}, ports=unnamed), [pod("a", "10.88.0.2")])["subsets"]
    assert subsets[0]["ports"] == [{"port": 53, "protocol": "UDP"}]


def test_labels_are_the_services_and_a_headless_service_is_marked():
    endpoints = desired_endpoints(service({"app": "web"}, labels={"team": "a"}, cluster_ip="None"), [])
    assert endpoints["metadata"]["labels"] == {"team": "a", "service.kubernetes.io/headless": ""}


def test_a_headless_service_without_ports_lists_addresses_without_ports():
    endpoints = desired_endpoints(service({"app": "web"}, ports=[], cluster_ip="None"), [pod("a", "10.88.0.2")])
    assert endpoints["subsets"] == [{"addresses": [address("a", "10.88.0.2")]}]


def test_a_pods_hostname_is_listed_for_the_service_of_its_subdomain():
    named = pod("a", "10.88.0.2", hostname="a-0", subdomain="web")
    assert desired_endpoints(service({"app": "web"}), [named])["subsets"][0]["addresses"][0]["hostname"] == "a-0"


@pytest.mark.parametrize(
    "hands_off",
    [
        pytest.param(service(None), id="no selector"),
        pytest.param(service({}), id="empty selector"),
        pytest.param(service({"app": "web"}, kind="ExternalName", cluster_ip=""), id="external name"),
    ],
)
def test_services_without_a_selector_are_left_alone(hands_off):
    assert desired_endpoints(hands_off, [pod("a", "10.88.0.2")]) is None


def test_a_load_balancer_is_given_the_node_address():
    assert desired_load_balancer(service(kind="LoadBalancer"), NODE_IP) == {"ingress": [{"ip": NODE_IP}]}
    assert desired_load_balancer(service(kind="NodePort"), NODE_IP) == {}


# Against the in-process API: the shell writes what the core decided, through the same verbs as kubectl.


def create_service(client, selector, kind="ClusterIP", labels=None):
    spec = {"type": kind, "selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
    meta = {"name": "web", "labels": labels or {"team": "a"}}
    return client.create("services", "default", {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec})


def running_pod(client, name, ip, labels, ready=True):
    created = client.create(
        "pods",
        "default",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": labels},
            "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "busybox"}]},
        },
    )
    condition = {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": format_time(0)}
    created["status"] = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "conditions": [condition]}
    return client.update("pods", created, subresource="status")


def sync(controller, key="default/web"):
    return asyncio.run(controller.reconcile(key))


def test_the_controller_writes_endpoints_and_follows_relabelled_pods(in_process):
    client, _ = in_process
    controller = EndpointsController(client, NODE_IP)
    create_service(client, {"app": "web"})
    running_pod(client, "a", "10.88.0.2", {"app": "web"})
    running_pod(client, "b", "10.88.0.3", {"app": "web"}, ready=False)
    sync(controller)
    endpoints = client.get("endpoints", "default", "web")
    assert endpoints["metadata"]["labels"] == {"team": "a"}
    assert "ownerReferences" not in endpoints["metadata"]
    assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == ["10.88.0.2"]
    assert [a["ip"] for a in endpoints["subsets"][0]["notReadyAddresses"]] == ["10.88.0.3"]
    assert endpoints["subsets"][0]["ports"] == [HTTP]

    relabelled = client.get("pods", "default", "a")
    relabelled["metadata"]["labels"] = {"app": "other"}
    relabelled = client.update("pods", relabelled)
    assert controller.keys_for("pods", relabelled) == ["default/web"], "the service still listing it is queued"
    version = client.get("endpoints", "default", "web")["metadata"]["resourceVersion"]
    sync(controller)
    endpoints = client.get("endpoints", "default", "web")
    assert "addresses" not in endpoints["subsets"][0]
    assert int(endpoints["metadata"]["resourceVersion"]) > int(version)
    unchanged = endpoints["metadata"]["resourceVersion"]
    sync(controller)
    assert client.get("endpoints", "default", "web")["metadata"]["resourceVersion"] == unchanged


def test_the_controller_deletes_endpoints_with_their_service(in_process):
    client, _ = in_process
    controller = EndpointsController(client, NODE_IP)
    create_service(client, {"app": "web"})
    sync(controller)
    assert client.find("endpoints", "default", "web") is not None
    client.delete("services", "default", "web")
    sync(controller)
    assert client.find("endpoints", "default", "web") is None


def test_hand_written_endpoints_of_a_service_without_selector_are_kept(in_process):
    client, _ = in_process
    controller = EndpointsController(client, NODE_IP)
    spec = {"ports": [{"port": 80}]}
    client.create(
        "services", "default", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec}
    )
    manual = {"addresses": [{"ip": "192.0.2.50"}], "ports": [{"port": 80, "protocol": "TCP"}]}
    client.create(
        "endpoints",
        "default",
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}, "subsets": [manual]},
    )
    sync(controller)
    assert client.get("endpoints", "default", "web")["subsets"] == [manual]


def test_a_load_balancer_service_gets_the_node_address_as_ingress(in_process):
    client, _ = in_process
    controller = EndpointsController(client, NODE_IP)
    create_service(client, {"app": "web"}, kind="LoadBalancer")
    sync(controller)
    assert client.get("services", "default", "web")["status"]["loadBalancer"] == {"ingress": [{"ip": NODE_IP}]}


def test_the_running_controller_follows_watch_events(in_process):
    client, _ = in_process

    async def scenario():
        controller = EndpointsController(client, NODE_IP)
        running = asyncio.create_task(controller.run())
        try:
            create_service(client, {"app": "web"})
            running_pod(client, "a", "10.88.0.2", {"app": "web"})
            for _ in range(200):
                endpoints = client.find("endpoints", "default", "web")
                if endpoints and endpoints.get("subsets") and endpoints["subsets"][0].get("addresses"):
                    return endpoints
                await asyncio.sleep(0.01)
            raise AssertionError(f"endpoints never listed the pod: {endpoints}")
        finally:
            running.cancel()

    endpoints = asyncio.run(scenario())
    assert endpoints["subsets"][0]["addresses"][0]["targetRef"]["name"] == "a"
