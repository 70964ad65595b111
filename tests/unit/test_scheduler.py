"""The scheduler's fit rules and its messages, in upstream's words."""

from __future__ import annotations

from jobyard.cluster.controllers.scheduler import fit_failures, pod_requests, unschedulable_message

NODE = {
    "metadata": {"name": "n1", "labels": {"kubernetes.io/hostname": "n1", "disk": "ssd", "rank": "5"}},
    "spec": {},
    "status": {"allocatable": {"cpu": "2", "memory": "1Gi", "pods": "3", "ephemeral-storage": "10Gi"}},
}


def pod(cpu: str = "", memory: str = "", **spec) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    return {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "resources": {"requests": requests}}], **spec},
    }


def test_requests_add_up_and_init_containers_take_the_max():
    spec = pod("500m", "100Mi")
    spec["spec"]["containers"].append({"name": "d", "resources": {"requests": {"cpu": "250m"}}})
    spec["spec"]["initContainers"] = [{"name": "i", "resources": {"requests": {"cpu": "1", "memory": "10Mi"}}}]
    requests = pod_requests(spec)
    assert (requests.cpu_millis, requests.memory_bytes) == (1000, 100 * 1024 * 1024)


def held(*pods: dict) -> list:
    return [pod_requests(p) for p in pods]


def test_resources_that_do_not_fit_are_named():
    assert fit_failures(pod("1500m"), NODE, held(pod("1"))) == ["Insufficient cpu"]
    assert fit_failures(pod(memory="2Gi"), NODE, []) == ["Insufficient memory"]
    assert fit_failures(pod(), NODE, held(pod(), pod(), pod())) == ["Too many pods"]
    assert fit_failures(pod("1", "512Mi"), NODE, held(pod("1", "512Mi"))) == []


def test_selectors_affinity_and_taints():
    assert fit_failures(pod(nodeSelector={"disk": "hdd"}), NODE, []) == [
        "node(s) didn't match Pod's node affinity/selector"
    ]
    assert fit_failures(pod(nodeSelector={"disk": "ssd"}), NODE, []) == []
    expression = {"key": "rank", "operator": "Gt", "values": ["3"]}
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [expression]}]
            }
        }
    }
    assert fit_failures(pod(affinity=affinity), NODE, []) == []
    tainted = {**NODE, "spec": {"taints": [{"key": "gpu", "value": "yes", "effect": "NoSchedule"}]}}
    assert fit_failures(pod(), tainted, []) == ["node(s) had untolerated taint {gpu: yes}"]
    tolerated = pod(tolerations=[{"key": "gpu", "operator": "Exists"}])
    assert fit_failures(tolerated, tainted, []) == []
    cordoned = {**NODE, "spec": {"unschedulable": True}}
    assert fit_failures(pod(), cordoned, []) == ["node(s) were unschedulable"]


def test_message_as_kube_scheduler_words_it():
    assert unschedulable_message(1, [["Insufficient memory"]]) == (
        "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod."
    )
    assert unschedulable_message(0, []) == "no nodes available to schedule pods"
