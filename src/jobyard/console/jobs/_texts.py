"""What the job pages say, in English and Chinese.

A typed table rather than a gettext catalog like the form's: the statuses and reasons are a closed
set keyed by code, so mypy and one test check that every code has both languages, and nothing
has to be kept in step with a ``.po`` file. (The form's catalog loader is private to
``console.forms`` and reads only its own domain.) Kubernetes' own messages stay in English, as
kubectl shows them.
"""

from __future__ import annotations

from typing import NamedTuple

from jobyard.console.forms import FieldError, Language

from ._status import JobStatus, StatusCode

__all__ = ["EDIT_MESSAGES", "REASON_TEXTS", "STATUS_LABELS", "Texts", "edit_error", "status_label", "status_tooltip"]


class Texts(NamedTuple):
    en: str
    zh: str

    def pick(self, lang: Language) -> str:
        return self.en if lang == "en" else self.zh


STATUS_LABELS: dict[StatusCode, Texts] = {
    StatusCode.WAITING: Texts("Waiting", "等待中"),
    StatusCode.EXECUTING: Texts("Executing", "执行中"),
    StatusCode.COMPLETED: Texts("Completed", "执行完成"),
    StatusCode.FAILED: Texts("Failed", "执行失败"),
    StatusCode.SUSPENDED: Texts("Suspended", "已暂停"),
    StatusCode.DELETING: Texts("Deleting", "删除中"),
    StatusCode.EXCEPTION: Texts("Exception", "异常"),
}

# The reasons a status tooltip explains; any other reason is shown as the cluster gave it.
REASON_TEXTS: dict[str, Texts] = {
    "BackoffLimitExceeded": Texts(
        "Too many pods failed: the retry limit (backoffLimit) was reached.",
        "失败的容器组过多，已达到重试次数上限（backoffLimit）。",
    ),
    "DeadlineExceeded": Texts(
        "The Job ran longer than its timeout (activeDeadlineSeconds).",
        "任务运行时间超过了超时时间（activeDeadlineSeconds）。",
    ),
    "PodFailurePolicy": Texts(
        "A pod failure matched a rule that fails the Job (podFailurePolicy).",
        "容器组的失败匹配了使任务失败的规则（podFailurePolicy）。",
    ),
    "MaxFailedIndexesExceeded": Texts(
        "More indexes failed than allowed (maxFailedIndexes).",
        "失败的索引数超过了上限（maxFailedIndexes）。",
    ),
    "FailedIndexes": Texts("Some indexes failed.", "部分索引执行失败。"),
    "CompletionsReached": Texts("All required pods succeeded.", "所需的容器组均已成功。"),
    "SuccessPolicy": Texts("The Job's success policy was met.", "已满足任务的成功策略。"),
    "JobSuspended": Texts("The Job is suspended; its pods were stopped.", "任务已暂停，其容器组已停止。"),
    "ImagePullBackOff": Texts(
        "The image cannot be pulled and is retried with a growing delay. Check the image name, tag and pull secret.",
        "无法拉取镜像，正在以递增的间隔重试。请检查镜像名称、标签和拉取密钥。",
    ),
    "ErrImagePull": Texts(
        "Pulling the image failed. Check the image name, tag and pull secret.",
        "拉取镜像失败。请检查镜像名称、标签和拉取密钥。",
    ),
    "InvalidImageName": Texts("The image name is not valid.", "镜像名称无效。"),
    "ErrImageNeverPull": Texts(
        "The image is not on the node and the pull policy forbids pulling it.",
        "节点上没有该镜像，且拉取策略禁止拉取。",
    ),
    "CrashLoopBackOff": Texts(
        "A container keeps exiting and is restarted with a growing delay.",
        "容器反复退出，正在以递增的间隔重启。",
    ),
    "CreateContainerConfigError": Texts(
        "A container cannot be configured: a ConfigMap, Secret or key it refers to is probably missing.",
        "无法配置容器：其引用的配置项、密钥或键可能不存在。",
    ),
    "CreateContainerError": Texts("The container cannot be created.", "无法创建容器。"),
    "RunContainerError": Texts("The container cannot be started; check its command.", "无法启动容器，请检查启动命令。"),
    "PostStartHookError": Texts("The container's post-start command failed.", "容器的启动后命令执行失败。"),
    "Unschedulable": Texts(
        "No node can run the pod: not enough free resources, or no node matches its requirements.",
        "没有节点可以运行该容器组：资源不足，或没有符合要求的节点。",
    ),
    "PodStatusUnknown": Texts("The pod's node stopped reporting.", "容器组所在的节点失去联系。"),
    "ClusterUnreachable": Texts(
        "The cluster cannot be reached, so the Job's state is unknown.",
        "无法连接集群，任务状态未知。",
    ),
}

EDIT_MESSAGES: dict[str, Texts] = {
    "notEditable": Texts(
        "This cannot be changed once the Job exists; clone the Job to change it.",
        "任务创建后不能修改此项；如需修改，请克隆任务。",
    ),
    "nonNegativeInteger": Texts("Must be a whole number, 0 or more.", "必须是不小于 0 的整数。"),
    "boolean": Texts("Must be true or false.", "必须为 true 或 false。"),
    "labels": Texts("Labels are pairs of a text key and a text value.", "标签必须是文本键与文本值的键值对。"),
}


def status_label(code: StatusCode, lang: Language) -> str:
    return STATUS_LABELS[code].pick(lang)


def status_tooltip(status: JobStatus, lang: Language) -> str | None:
    """The explanation of the reason, then the cluster's message; None when there is neither."""
    explained = REASON_TEXTS.get(status.reason or "")
    if explained is None and status.reason and not status.message:
        return status.reason
    parts = [text for text in (explained.pick(lang) if explained else None, status.message) if text]
    return "\n".join(parts) or None


def edit_error(path: str, code: str, lang: Language) -> FieldError:
    return FieldError(path=path, code=code, message=EDIT_MESSAGES[code].pick(lang))
