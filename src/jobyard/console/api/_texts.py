"""What the API itself says, in English and Chinese: refusals that come from no service's catalog.

A typed table like the job pages' (``jobyard.console.jobs.Texts``): a closed set keyed by code,
so a test checks that every code has both languages.
"""

from __future__ import annotations

from typing import Any

from jobyard.console.forms import Language
from jobyard.console.jobs import Texts

__all__ = ["API_TEXTS", "api_text", "language_of"]

API_TEXTS: dict[str, Texts] = {
    "unauthenticated": Texts(
        "Sign in first: send an API token (Authorization: Bearer …) or the session cookie.",
        "请先登录：发送 API 令牌（Authorization: Bearer …）或会话 Cookie。",
    ),
    "invalidCredentials": Texts("Wrong user name or password.", "用户名或密码错误。"),
    "signInLocked": Texts(
        "Too many failed sign-ins: try again in {seconds} s.", "登录失败次数过多，请在 {seconds} 秒后重试。"
    ),
    "csrfMissing": Texts(
        "This change needs the session's CSRF token in the X-CSRF-Token header.",
        "此操作需要在 X-CSRF-Token 请求头中提供本会话的 CSRF 令牌。",
    ),
    "forbidden": Texts("You may not do this here ({action}).", "您无权在此执行该操作（{action}）。"),
    "weakPassword": Texts("{detail}", "密码不符合要求：至少 {minimum} 个字符，且不能包含用户名。"),
    "invalidUserName": Texts(
        "User names have 1 to 63 lowercase letters, digits, '.', '_' and '-', starting and ending with a letter or digit.",
        "用户名为 1 到 63 个小写字母、数字、“.”、“_” 或 “-”，并以字母或数字开头和结尾。",
    ),
    "userExists": Texts("A user named {name} already exists.", "用户 {name} 已存在。"),
    "unknownUser": Texts("There is no user named {name}.", "没有名为 {name} 的用户。"),
    "unknownCluster": Texts("There is no cluster named {name}.", "没有名为 {name} 的集群。"),
    "unknownToken": Texts("You have no API token {id}.", "您没有编号为 {id} 的 API 令牌。"),
    "roleScope": Texts(
        "Cluster Admin is granted on a whole cluster (no namespace); the namespace roles on one namespace.",
        "集群管理员授予整个集群（不指定命名空间）；命名空间角色授予单个命名空间。",
    ),
    "noRoute": Texts("There is no such API endpoint.", "没有这个 API 接口。"),
    "invalid": Texts("Some fields need attention.", "部分字段需要修改。"),
    "badValue": Texts("Not a valid value: {detail}", "值无效：{detail}"),
    "notFound": Texts("Not found on the cluster: {detail}", "集群上不存在：{detail}"),
    "conflict": Texts("The cluster refused the change: {detail}", "集群拒绝了此更改：{detail}"),
    "clusterUnreachable": Texts("The cluster cannot be reached: {detail}", "无法连接集群：{detail}"),
    "clusterError": Texts("The cluster answered with an error: {detail}", "集群返回错误：{detail}"),
    "notFinished": Texts(
        "Job {name} has not finished; only a completed or failed Job can run again.",
        "任务 {name} 尚未结束；只有执行完成或失败的任务才能重新运行。",
    ),
    "alreadyFinished": Texts(
        "Job {name} has finished; there is nothing to suspend or resume.",
        "任务 {name} 已结束，无法暂停或恢复。",
    ),
    "notOwned": Texts("Job {name} has no pod {pod}.", "任务 {name} 没有容器组 {pod}。"),
    "deletionTimeout": Texts(
        "Job {name} was still being deleted after the wait; it was not created again.",
        "等待后任务 {name} 仍在删除中，未重新创建。",
    ),
    "rerunInterrupted": Texts(
        "Job {name} is gone: its rerun stopped after deleting it. Rerun it again to create it.",
        "任务 {name} 已不存在：重新运行在删除旧任务后中断。请再次重新运行以创建它。",
    ),
    "yamlInvalid": Texts("Not valid YAML: {detail}", "不是有效的 YAML：{detail}"),
    "yamlKinds": Texts(
        "Give one batch/v1 Job and at most one v1 Service, in one namespace.",
        "请提供一个 batch/v1 任务（Job），最多再加一个 v1 服务（Service），且位于同一命名空间。",
    ),
    "namespaceMismatch": Texts(
        "The manifest is for namespace {given}, but the request is for {namespace}.",
        "清单属于命名空间 {given}，但请求针对的是 {namespace}。",
    ),
}


def api_text(code: str, lang: Language, **params: Any) -> str:
    return API_TEXTS[code].pick(lang).format(**params)


def language_of(accept_language: str | None) -> Language:
    """The caller's language from ``Accept-Language``: the most preferred of zh (any region) or English."""
    best: tuple[float, Language] = (0.0, "en")
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                continue
        tag = tag.strip().lower()
        if tag.startswith("zh") or tag.startswith("en"):
            # Earlier tags win ties, as the header lists them in order of preference.
            score = quality - position * 1e-6
            if score > best[0]:
                best = (score, "zh-CN" if tag.startswith("zh") else "en")
    return best[1]
