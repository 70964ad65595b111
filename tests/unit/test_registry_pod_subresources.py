import pytest

from jobyard.cluster import kinds
from jobyard.cluster.errors import Conflict, NotFound


@pytest.fixture
def registry(in_process):
    return in_process[0].registry


def pod(name="p"):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


def binding(node="node-1"):
    return {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"}, "target": {"kind": "Node", "name": node}}


def test_binding_assigns_the_node_and_marks_the_pod_scheduled(registry):
    registry.create(kinds.POD, "default", pod())
    registry.bind("default", "p", binding())
    bound = registry.get(kinds.POD, "default", "p")
    assert bound["spec"]["nodeName"] == "node-1"
    assert {"type": "PodScheduled", "status": "True"}.items() <= bound["status"]["conditions"][-1].items()


def test_a_bound_pod_cannot_be_bound_again(registry):
    registry.create(kinds.POD, "default", pod())
    registry.bind("default", "p", binding())
    with pytest.raises(Conflict):
        registry.bind("default", "p", binding("node-2"))


def test_an_unscheduled_pod_is_evicted_at_once(registry):
    registry.create(kinds.POD, "default", pod())
    registry.evict("default", "p", {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p"}})
    with pytest.raises(NotFound):
        registry.get(kinds.POD, "default", "p")


def test_a_running_pod_on_a_node_gets_disruption_target_and_a_grace_period(registry):
    registry.create(kinds.POD, "default", pod())
    registry.bind("default", "p", binding())
    registry.evict("default", "p", {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p"}})
    evicted = registry.get(kinds.POD, "default", "p")
    condition = evicted["status"]["conditions"][-1]
    assert (condition["type"], condition["reason"]) == ("DisruptionTarget", "EvictionByEvictionAPI")
    assert evicted["metadata"]["deletionGracePeriodSeconds"] == 30
