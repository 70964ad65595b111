"""One case per field rule, each with its English and Chinese message."""

from collections.abc import Callable

import pytest

from jobyard.console.forms import (
    ContainerForm,
    EnvVarForm,
    HandlerForm,
    JobForm,
    KeyValue,
    LogForm,
    PortForm,
    ProbeForm,
    ServiceForm,
    ServicePortForm,
    StorageForm,
    validate,
)

from .builders import valid_form

Change = Callable[[JobForm], None]


def _container(form: JobForm) -> ContainerForm:
    return form.containers[0]


def _set(**fields: object) -> Change:
    return lambda form: [setattr(form, k, v) for k, v in fields.items()] and None


def _second_container(**fields: object) -> Change:
    def change(form: JobForm) -> None:
        form.containers.append(ContainerForm(**{"name": "side", "image": "busybox", **fields}))  # type: ignore[arg-type]

    return change


def _service(**fields: object) -> Change:
    def change(form: JobForm) -> None:
        form.service = ServiceForm(**{"ports": [ServicePortForm(port=80, target_port=8080)], **fields})  # type: ignore[arg-type]

    return change


def _env(**fields: object) -> Change:
    return lambda form: _container(form).env.append(EnvVarForm(**fields))  # type: ignore[arg-type]


def _storage(**fields: object) -> Change:
    return lambda form: _container(form).storage.append(StorageForm(**fields))  # type: ignore[arg-type]


def _probe(kind: str, **fields: object) -> Change:
    return lambda form: setattr(_container(form).health_checks, kind, ProbeForm(**fields))  # type: ignore[arg-type]


def _resources(**fields: object) -> Change:
    return lambda form: [setattr(_container(form).resources, k, v) for k, v in fields.items()] and None


def _security(**fields: object) -> Change:
    return lambda form: [setattr(_container(form).security, k, v) for k, v in fields.items()] and None


def _advanced(**fields: object) -> Change:
    return lambda form: [setattr(form.advanced, k, v) for k, v in fields.items()] and None


def _ports(*ports: PortForm) -> Change:
    return lambda form: _container(form).ports.extend(ports)


def _logs(*paths: str) -> Change:
    return lambda form: _container(form).logs.extend(LogForm(path=p) for p in paths)


def _hook(hook: str, **fields: object) -> Change:
    return lambda form: setattr(_container(form).lifecycle, hook, HandlerForm(**fields))  # type: ignore[arg-type]


NAME_LENGTH = ("nameLength", "Must be 4 to 63 characters long.", "长度须为 4 到 63 个字符。")
NAME_CHARS = (
    "nameCharacters",
    "Use only lowercase letters, digits and '-'.",
    "只能包含小写英文字母、数字和中划线（-）。",
)
NAME_START = ("nameStart", "Must start with a lowercase letter.", "须以小写英文字母开头。")
NAME_END = ("nameEnd", "Must end with a lowercase letter or a digit.", "须以小写英文字母或数字结尾。")
REQUIRED = ("required", "This field is required.", "此项为必填项。")
DNS_LABEL = (
    "dnsLabelInvalid",
    "Use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
    "最多 63 个小写英文字母、数字和中划线（-），并以字母或数字开头和结尾。",
)
QUANTITY = (
    "quantityInvalid",
    "Not a quantity: use a number with an optional suffix, such as 250m, 0.5, 512Mi or 2Gi.",
    "不是有效的配额值：请输入数字，可带单位，例如 250m、0.5、512Mi 或 2Gi。",
)
NEGATIVE = ("negative", "Must not be negative.", "不能为负数。")
AT_LEAST_1 = ("atLeast", "Must be at least 1.", "不能小于 1。")
PORT_RANGE = ("portRange", "Must be a port number from 1 to 65535.", "端口须为 1 到 65535 之间的数字。")
PORT_NAME = (
    "portNameInvalid",
    "Port names have at most 15 lowercase letters, digits and '-', at least one letter, no '-' at either end and no '--'.",
    "端口名称最多 15 个小写英文字母、数字和中划线（-），至少包含一个字母，不能以中划线开头或结尾，也不能包含连续的中划线。",
)
PATH = ("pathInvalid", "Must be an absolute path starting with '/'.", "须为以 / 开头的绝对路径。")
COMMAND = ("commandRequired", "Enter a command.", "请输入命令。")
OBJECT_NAME = (
    "objectNameInvalid",
    "Use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.",
    "最多 253 个小写英文字母、数字、中划线（-）和点（.），并以字母或数字开头和结尾。",
)
LABEL_KEY = (
    "labelKeyInvalid",
    "Keys are an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.",
    "键由可选的 DNS 前缀加 / 和最多 63 个英文字母、数字、中划线（-）、下划线（_）和点（.）组成，并以字母或数字开头和结尾。",
)


def _duplicate(value: str) -> tuple[str, str, str]:
    return ("duplicate", f"{value} is already used.", f"{value} 已被使用。")


RESOURCES = (
    "limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory, requests.ephemeral-storage"
)
FIELDS = (
    "metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'], metadata.annotations['<key>'], "
    "spec.nodeName, spec.serviceAccountName, status.hostIP, status.hostIPs, status.podIP, status.podIPs"
)

CASES: dict[str, tuple[Change, str, tuple[str, str, str]]] = {
    "the name is required": (_set(name=""), "name", REQUIRED),
    "the name has at least 4 characters": (_set(name="job"), "name", NAME_LENGTH),
    "the name has at most 63 characters": (_set(name="j" * 64), "name", NAME_LENGTH),
    "the name uses lowercase letters, digits and '-'": (_set(name="Job-01"), "name", NAME_CHARS),
    "the name starts with a letter": (_set(name="1job"), "name", NAME_START),
    "the name ends with a letter or digit": (_set(name="job-"), "name", NAME_END),
    "the cluster is required": (_set(cluster=""), "cluster", REQUIRED),
    "the namespace is required": (_set(namespace=""), "namespace", REQUIRED),
    "the namespace is a DNS label": (_set(namespace="Namespace-01"), "namespace", DNS_LABEL),
    "instances are at least 1": (_set(instances=0), "instances", AT_LEAST_1),
    "the description has at most 512 characters": (
        _set(description="x" * 513),
        "description",
        ("tooLong", "Must be at most 512 characters (513 given).", "最多 512 个字符（当前 513 个）。"),
    ),
    "a job has at least one container": (
        _set(containers=[]),
        "containers",
        ("containersRequired", "Add at least one container.", "请至少添加一个容器。"),
    ),
    "a container name follows the name rule": (_second_container(name="backup_log"), "containers[1].name", NAME_CHARS),
    "container names are unique across init and work containers": (
        lambda f: f.init_containers.append(ContainerForm(name="main", image="busybox")),
        "containers[0].name",
        _duplicate("main"),
    ),
    "an image is required": (lambda f: setattr(_container(f), "image", ""), "containers[0].image", REQUIRED),
    "an image has no spaces": (
        lambda f: setattr(_container(f), "image", "busy box"),
        "containers[0].image",
        (
            "imageInvalid",
            "An image reference has no spaces, such as nginx:1.27 or registry.example.com/team/app:v1.",
            "镜像地址不能包含空格，例如 nginx:1.27 或 registry.example.com/team/app:v1。",
        ),
    ),
    "a pull secret is an object name": (
        lambda f: setattr(_container(f), "image_pull_secret", "My_Secret"),
        "containers[0].imagePullSecret",
        OBJECT_NAME,
    ),
    "a CPU limit is a quantity": (_resources(cpu_limit="lots"), "containers[0].resources.cpuLimit", QUANTITY),
    "a memory request is a quantity": (
        _resources(memory_request="1 Gi"),
        "containers[0].resources.memoryRequest",
        QUANTITY,
    ),
    "a quantity is not negative": (_resources(cpu_request="-1"), "containers[0].resources.cpuRequest", NEGATIVE),
    "a CPU request does not exceed its limit": (
        _resources(cpu_request="500m", cpu_limit="0.25"),
        "containers[0].resources.cpuRequest",
        ("requestExceedsLimit", "The request must not exceed the limit (0.25).", "申请值不能大于限制值（0.25）。"),
    ),
    "a memory request does not exceed its limit across suffixes": (
        _resources(memory_request="1Gi", memory_limit="1000Mi"),
        "containers[0].resources.memoryRequest",
        ("requestExceedsLimit", "The request must not exceed the limit (1000Mi).", "申请值不能大于限制值（1000Mi）。"),
    ),
    "a container port is 1 to 65535": (
        _ports(PortForm(container_port=70000)),
        "containers[0].ports[0].containerPort",
        PORT_RANGE,
    ),
    "a container port name is an IANA service name": (
        _ports(PortForm(name="http--x", container_port=80)),
        "containers[0].ports[0].name",
        PORT_NAME,
    ),
    "container port names are unique": (
        _ports(PortForm(name="http", container_port=80), PortForm(name="http", container_port=81)),
        "containers[0].ports[1].name",
        _duplicate("http"),
    ),
    "containers of a pod do not share a port": (
        lambda f: (
            (
                _container(f).ports.append(PortForm(container_port=8080)),
                f.containers.append(ContainerForm(name="side", image="busybox", ports=[PortForm(container_port=8080)])),
            )
            and None
        ),
        "containers[1].ports[0].containerPort",
        (
            "portConflict",
            "Port 8080/TCP is already used by container main; the containers of a pod must not share a port.",
            "端口 8080/TCP 已被容器 main 使用；同一实例中的容器不能使用相同端口。",
        ),
    ),
    "a postStart command is required": (
        _hook("post_start", type="exec"),
        "containers[0].lifecycle.postStart.command",
        COMMAND,
    ),
    "a preStop HTTP port is a port": (
        _hook("pre_stop", type="httpGet", port=0),
        "containers[0].lifecycle.preStop.port",
        PORT_RANGE,
    ),
    "a preStop HTTP path is absolute": (
        _hook("pre_stop", type="httpGet", port=80, path="stop"),
        "containers[0].lifecycle.preStop.path",
        PATH,
    ),
    "an exec health check needs a command": (
        _probe("liveness", type="exec"),
        "containers[0].healthChecks.liveness.command",
        COMMAND,
    ),
    "an HTTP health check needs a port": (
        _probe("readiness", type="httpGet", port=0),
        "containers[0].healthChecks.readiness.port",
        PORT_RANGE,
    ),
    "a named health check port is a port name": (
        _probe("readiness", type="tcpSocket", port="-http"),
        "containers[0].healthChecks.readiness.port",
        PORT_NAME,
    ),
    "a health check's initial delay is not negative": (
        _probe("startup", type="tcpSocket", port=80, initial_delay_seconds=-1),
        "containers[0].healthChecks.startup.initialDelaySeconds",
        NEGATIVE,
    ),
    "a health check's period is at least 1": (
        _probe("liveness", type="tcpSocket", port=80, period_seconds=0),
        "containers[0].healthChecks.liveness.periodSeconds",
        AT_LEAST_1,
    ),
    "a health check's timeout is at least 1": (
        _probe("liveness", type="tcpSocket", port=80, timeout_seconds=0),
        "containers[0].healthChecks.liveness.timeoutSeconds",
        AT_LEAST_1,
    ),
    "a health check's failure threshold is at least 1": (
        _probe("liveness", type="tcpSocket", port=80, failure_threshold=0),
        "containers[0].healthChecks.liveness.failureThreshold",
        AT_LEAST_1,
    ),
    "a readiness success threshold is at least 1": (
        _probe("readiness", type="tcpSocket", port=80, success_threshold=0),
        "containers[0].healthChecks.readiness.successThreshold",
        AT_LEAST_1,
    ),
    "a liveness success threshold is 1": (
        _probe("liveness", type="tcpSocket", port=80, success_threshold=2),
        "containers[0].healthChecks.liveness.successThreshold",
        (
            "successThresholdMustBeOne",
            "Must be 1 for liveness and startup checks.",
            "存活检查和启动检查的成功阈值须为 1。",
        ),
    ),
    "an environment variable needs a name": (_env(type="keyValue", value="1"), "containers[0].env[0].name", REQUIRED),
    "an environment variable name has no '='": (
        _env(type="keyValue", name="A=B"),
        "containers[0].env[0].name",
        (
            "envNameInvalid",
            "Variable names are printable ASCII characters without '='.",
            "变量名须由可打印的 ASCII 字符组成，且不能包含 =。",
        ),
    ),
    "a resource reference names a container resource": (
        _env(type="resource", name="MEM", resource="limits.gpu"),
        "containers[0].env[0].resource",
        ("notSupported", f"Choose one of: {RESOURCES}.", f"请从以下选项中选择：{RESOURCES}。"),
    ),
    "a pod field reference names a downward-API field": (
        _env(type="podField", name="POD", field_path="metadata.owner"),
        "containers[0].env[0].fieldPath",
        ("notSupported", f"Choose one of: {FIELDS}.", f"请从以下选项中选择：{FIELDS}。"),
    ),
    "a ConfigMap key reference needs a ConfigMap": (
        _env(type="configMapKey", name="A", key="a"),
        "containers[0].env[0].source",
        REQUIRED,
    ),
    "a Secret key reference needs a key": (
        _env(type="secretKey", name="A", source="creds"),
        "containers[0].env[0].key",
        REQUIRED,
    ),
    "a key is letters, digits, '-', '_' and '.'": (
        _env(type="secretKey", name="A", source="creds", key="a/b"),
        "containers[0].env[0].key",
        (
            "keyInvalid",
            "Keys have at most 253 letters, digits, '-', '_' and '.'.",
            "键最多 253 个英文字母、数字、中划线（-）、下划线（_）和点（.）。",
        ),
    ),
    "a whole-ConfigMap import names a valid ConfigMap": (
        _env(type="configMap", source="Bad_Name"),
        "containers[0].env[0].source",
        OBJECT_NAME,
    ),
    "a whole-Secret prefix is a valid variable name": (
        _env(type="secret", source="creds", prefix="A="),
        "containers[0].env[0].prefix",
        (
            "envNameInvalid",
            "Variable names are printable ASCII characters without '='.",
            "变量名须由可打印的 ASCII 字符组成，且不能包含 =。",
        ),
    ),
    "a ConfigMap volume names its ConfigMap": (
        _storage(type="configMap", mount_path="/etc/cfg"),
        "containers[0].storage[0].source",
        REQUIRED,
    ),
    "a hostPath is absolute": (
        _storage(type="hostPath", source="data", mount_path="/data"),
        "containers[0].storage[0].source",
        PATH,
    ),
    "a mount path is required": (_storage(type="emptyDir"), "containers[0].storage[0].mountPath", REQUIRED),
    "a mount path is absolute": (
        _storage(type="emptyDir", mount_path="data"),
        "containers[0].storage[0].mountPath",
        PATH,
    ),
    "mount paths are unique in a container": (
        lambda f: _container(f).storage.extend(
            [
                StorageForm(type="emptyDir", mount_path="/data"),
                StorageForm(type="secret", source="s", mount_path="/data"),
            ]
        ),
        "containers[0].storage[1].mountPath",
        _duplicate("/data"),
    ),
    "a sub-path is relative without '..'": (
        _storage(type="emptyDir", mount_path="/data", sub_path="../etc"),
        "containers[0].storage[0].subPath",
        ("subPathInvalid", "Must be a relative path without '..'.", "须为不含 .. 的相对路径。"),
    ),
    "a shared volume keeps one source": (
        lambda f: (
            (
                _container(f).storage.append(StorageForm(type="emptyDir", mount_path="/a", volume_name="shared")),
                f.containers.append(
                    ContainerForm(
                        name="side",
                        image="busybox",
                        storage=[StorageForm(type="secret", source="s", mount_path="/a", volume_name="shared")],
                    )
                ),
            )
            and None
        ),
        "containers[1].storage[0].volumeName",
        ("volumeConflict", "Volume shared is already used with another source.", "数据卷 shared 已用于其他来源。"),
    ),
    "a volume name is a DNS label": (
        _storage(type="emptyDir", mount_path="/a", volume_name="Shared"),
        "containers[0].storage[0].volumeName",
        DNS_LABEL,
    ),
    "a UID is not negative": (_security(run_as_user=-1), "containers[0].security.runAsUser", NEGATIVE),
    "a UID fits 32 bits": (
        _security(run_as_user=2**31),
        "containers[0].security.runAsUser",
        ("atMost", "Must be at most 2147483647.", "不能大于 2147483647。"),
    ),
    "a non-root container does not run as UID 0": (
        _security(run_as_user=0, run_as_non_root=True),
        "containers[0].security.runAsNonRoot",
        (
            "runAsNonRootConflict",
            "A container that must not run as root cannot run as UID 0.",
            "禁止以 root 运行的容器不能使用 UID 0。",
        ),
    ),
    "a capability is an upper-case name": (
        _security(capabilities_add=["net_admin"]),
        "containers[0].security.capabilitiesAdd[0]",
        (
            "capabilityInvalid",
            "Capability names are uppercase letters, digits and '_', such as NET_ADMIN.",
            "能力名称由大写英文字母、数字和下划线组成，例如 NET_ADMIN。",
        ),
    ),
    "a log path is absolute": (_logs("var/log"), "containers[0].logs[0].path", PATH),
    "a log path is not the root": (
        _logs("/*.log"),
        "containers[0].logs[0].path",
        (
            "logPathRoot",
            "Logs cannot be collected from '/' itself; name a directory.",
            "不能采集根目录 / 的日志，请指定一个目录。",
        ),
    ),
    "log paths are unique": (
        _logs("/var/log/app", "/var/log/app"),
        "containers[0].logs[1].path",
        _duplicate("/var/log/app"),
    ),
    "a log directory is not already a mount path": (
        lambda f: (_storage(type="emptyDir", mount_path="/var/log")(f), _logs("/var/log/*.log")(f)) and None,
        "containers[0].logs[0].path",
        _duplicate("/var/log"),
    ),
    "a service name follows the name rule": (_service(name="Svc-01"), "service.name", NAME_CHARS),
    "a service has a port": (
        _service(ports=[]),
        "service.ports",
        ("servicePortsRequired", "Add at least one port.", "请至少添加一个端口。"),
    ),
    "a service port is 1 to 65535": (
        _service(ports=[ServicePortForm(port=0, target_port=80)]),
        "service.ports[0].port",
        PORT_RANGE,
    ),
    "a service target port is a port": (
        _service(ports=[ServicePortForm(port=80, target_port=0)]),
        "service.ports[0].targetPort",
        PORT_RANGE,
    ),
    "service ports are named when there are several": (
        _service(ports=[ServicePortForm(name="a", port=80, target_port=80), ServicePortForm(port=81, target_port=81)]),
        "service.ports[1].name",
        (
            "servicePortNameRequired",
            "Name every port when a service has more than one.",
            "服务有多个端口时，每个端口都须填写名称。",
        ),
    ),
    "service ports are unique by port and protocol": (
        _service(
            ports=[
                ServicePortForm(name="a", port=80, target_port=80),
                ServicePortForm(name="b", port=80, target_port=81),
            ]
        ),
        "service.ports[1].port",
        _duplicate("80/TCP"),
    ),
    "a node port is 30000 to 32767": (
        _service(type="NodePort", ports=[ServicePortForm(port=80, target_port=80, node_port=80)]),
        "service.ports[0].nodePort",
        ("nodePortRange", "Must be from 30000 to 32767.", "须在 30000 到 32767 之间。"),
    ),
    "a ClusterIP service has no node port": (
        _service(ports=[ServicePortForm(port=80, target_port=80, node_port=30080)]),
        "service.ports[0].nodePort",
        (
            "nodePortNotAllowed",
            "Only NodePort and LoadBalancer services have node ports.",
            "只有节点访问（NodePort）和负载均衡（LoadBalancer）服务才有节点端口。",
        ),
    ),
    "a service selector is not empty": (
        _service(selector=[]),
        "service.selector",
        ("selectorRequired", "Add at least one selector label.", "请至少添加一个标签选择器。"),
    ),
    "session affinity lasts at least 1 s": (
        _service(session_affinity=True, session_affinity_timeout=0),
        "service.sessionAffinityTimeout",
        AT_LEAST_1,
    ),
    "session affinity lasts at most a day": (
        _service(session_affinity=True, session_affinity_timeout=86401),
        "service.sessionAffinityTimeout",
        ("atMost", "Must be at most 86400.", "不能大于 86400。"),
    ),
    "a ClusterIP service has no external traffic policy": (
        _service(external_traffic_policy="Local"),
        "service.externalTrafficPolicy",
        (
            "trafficPolicyNotAllowed",
            "Only NodePort and LoadBalancer services have an external traffic policy.",
            "只有节点访问（NodePort）和负载均衡（LoadBalancer）服务才有外部流量策略。",
        ),
    ),
    "parallelism is not negative": (_advanced(parallelism=-1), "advanced.parallelism", NEGATIVE),
    "parallelism does not exceed the instances": (
        _advanced(parallelism=3),
        "advanced.parallelism",
        ("parallelismExceedsInstances", "Must not exceed the number of instances (2).", "并行数不能大于实例数（2）。"),
    ),
    "a timeout is at least 1 s": (_advanced(timeout_seconds=0), "advanced.timeoutSeconds", AT_LEAST_1),
    "retries are not negative": (_advanced(backoff_limit=-1), "advanced.backoffLimit", NEGATIVE),
    "a TTL is not negative": (_advanced(ttl_seconds_after_finished=-1), "advanced.ttlSecondsAfterFinished", NEGATIVE),
    "a label key is required": (_advanced(labels=[KeyValue(value="x")]), "advanced.labels[0].key", REQUIRED),
    "a label key is a qualified name": (
        _advanced(labels=[KeyValue(key="-bad", value="x")]),
        "advanced.labels[0].key",
        LABEL_KEY,
    ),
    "label keys are unique": (
        _advanced(labels=[KeyValue(key="team", value="a"), KeyValue(key="team", value="b")]),
        "advanced.labels[1].key",
        _duplicate("team"),
    ),
    "a label value is at most 63 label characters": (
        _advanced(labels=[KeyValue(key="team", value="a b")]),
        "advanced.labels[0].value",
        (
            "labelValueInvalid",
            "Values have at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.",
            "值最多 63 个英文字母、数字、中划线（-）、下划线（_）和点（.），并以字母或数字开头和结尾。",
        ),
    ),
    "an annotation key is a qualified name": (
        _advanced(annotations=[KeyValue(key="example.com/", value="x")]),
        "advanced.annotations[0].key",
        LABEL_KEY,
    ),
}


def test_a_valid_form_has_no_errors() -> None:
    assert validate(valid_form()) == []


@pytest.mark.parametrize("change, path, expected", CASES.values(), ids=CASES.keys())
def test_rule(change: Change, path: str, expected: tuple[str, str, str]) -> None:
    code, english, chinese = expected
    form = valid_form()
    change(form)
    for lang, text in (("en", english), ("zh-CN", chinese)):
        errors = validate(form, lang)  # type: ignore[arg-type]
        assert [(e.path, e.code, e.message) for e in errors] == [(path, code, text)]


def test_the_name_is_unique_in_its_namespace() -> None:
    form = valid_form()
    en = validate(form, "en", existing_names={"job-01"})
    zh = validate(form, "zh-CN", existing_names={"job-01"})
    assert [(e.path, e.code, e.message) for e in en] == [
        ("name", "nameTaken", "job-01 already exists in namespace default.")
    ]
    assert [e.message for e in zh] == ["命名空间 default 中已存在 job-01。"]


def test_defaults_pass_without_any_value_but_name_cluster_and_container() -> None:
    form = JobForm(name="job-01", cluster="c", containers=[ContainerForm(name="main", image="busybox")])
    assert validate(form) == []
