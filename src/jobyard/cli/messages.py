"""Every piece of text the ``jobyard`` command shows, in English and Chinese (zh-CN).

The language comes from ``JOBYARD_LANG``, else the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``): Chinese for ``zh*``, English otherwise.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

from rich.markup import escape

__all__ = ["LANGUAGE", "language_of"]


def language_of(environ: Mapping[str, str]) -> str:
    for variable in ("JOBYARD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


LANGUAGE = language_of(os.environ)


def _t(english: str, chinese: str) -> str:
    return chinese if LANGUAGE == "zh-CN" else english


APP_HELP = _t("Run Kubernetes Jobs from container images.", "用容器镜像运行 Kubernetes 任务（Job）。")
VERSION_HELP = _t("Print jobyard's version.", "显示 jobyard 的版本。")
UP_HELP = _t(
    "Start the embedded Kubernetes cluster and the console, and run until Ctrl-C or SIGTERM.",
    "启动内置 Kubernetes 集群和控制台，运行直到 Ctrl-C 或 SIGTERM。",
)

DATA_DIR_HELP = _t(
    "Where the cluster keeps its store, certificates and kubeconfig.", "集群存放数据、证书和 kubeconfig 的目录。"
)
DATA_DIR_DEFAULT = _t(
    "$XDG_DATA_HOME/jobyard, else ~/.local/share/jobyard", "$XDG_DATA_HOME/jobyard，否则 ~/.local/share/jobyard"
)
API_PORT_HELP = _t("HTTPS port of the Kubernetes API.", "Kubernetes API 的 HTTPS 端口。")
CONSOLE_PORT_HELP = _t(
    "Port of the web console and its JSON API (/api, documented at /api/docs).",
    "Web 控制台及其 JSON API（/api，文档见 /api/docs）的端口。",
)
CONSOLE_HELP = _t(
    "Run the console beside the cluster; --no-console runs the cluster alone.",
    "在集群旁运行控制台；--no-console 只运行集群。",
)
DATABASE_URL_HELP = _t(
    "The console's database (default: SQLite in the data dir; postgresql://user@host/db for PostgreSQL).",
    "控制台的数据库（默认：数据目录中的 SQLite；PostgreSQL 用 postgresql://user@host/db）。",
)
HOST_HELP = _t(
    "Address to listen on; also added to the server certificate's names.", "监听地址；也会写入服务器证书的名称中。"
)
NODE_HELP = _t(
    "Run the node (scheduler and kubelet) so pods really run; --no-node serves the control plane alone.",
    "运行节点（调度器和 kubelet），让 Pod 真正运行；--no-node 只运行控制平面。",
)
NODE_NAME_HELP = _t("The Node's name (default: this host's name).", "节点名称（默认：本机主机名）。")
RUNTIME_HELP = _t(
    "sandbox runs containers under bubblewrap; process runs them WITHOUT isolation.",
    "sandbox 在 bubblewrap 沙箱中运行容器；process 不做任何隔离地运行容器。",
)
INSECURE_REGISTRY_HELP = _t(
    "A registry (host[:port]) to pull from over plain HTTP; repeatable. Loopback registries always may.",
    "允许通过明文 HTTP 拉取的镜像仓库（host[:port]），可重复。回环地址上的仓库总是允许。",
)
POD_CIDR_HELP = _t(
    "Pod addresses when running as root (default: a /24 of 10.88.0.0/16 picked from the data dir).",
    "以 root 运行时 Pod 的地址段（默认：按数据目录从 10.88.0.0/16 中选一个 /24）。",
)
BAD_POD_CIDR = _t("must be a network such as 10.88.0.0/16.", "必须是网段，例如 10.88.0.0/16。")
JOB_POD_BATCH_HELP = _t(
    "Seconds pod events wait before their Job syncs (upstream: 1); lower lets wide Jobs finish pods faster.",
    "Pod 事件在触发所属 Job 同步前等待的秒数（上游为 1）；调低可让并行度高的 Job 更快完成 Pod。",
)

SAME_PORTS = _t("--console-port must differ from --api-port.", "--console-port 不能与 --api-port 相同。")


def version_line(version: str) -> str:
    return f"jobyard {escape(version)}"


def ready(kubeconfig: Path, server_url: str | None) -> str:
    """What ``jobyard up`` prints once the API answers: where it is and how to use it."""
    export = f"export KUBECONFIG={shlex.quote(str(kubeconfig))}"
    lines = [_t("[bold green]jobyard is up[/]", "[bold green]jobyard 已启动[/]")]
    if server_url is not None:
        lines.append(f"  Kubernetes API  {escape(server_url)}")
    lines += [
        f"  kubeconfig      {escape(str(kubeconfig))}",
        "",
        _t("Point kubectl at it:", "让 kubectl 使用它："),
        f"  [bold]{escape(export)}[/]",
        "  [bold]kubectl get ns[/]",
    ]
    lines += ["", _t("Stop with Ctrl-C.", "按 Ctrl-C 停止。")]
    return "\n".join(lines)


def console_ready(url: str, admin_password: str | None, password_file: Path) -> str:
    """What the console prints once it answers; the first admin's password only on the start that made it."""
    lines = [
        _t("[bold green]The console is up[/]", "[bold green]控制台已启动[/]"),
        f"  {_t('Web console', 'Web 控制台')}     {escape(url)}",
        f"  {_t('API docs', 'API 文档')}        {escape(url)}/api/docs",
    ]
    if admin_password is not None:
        lines += [
            "",
            _t(
                f"Sign in as [bold]admin[/] with this password, shown only now (also in {escape(str(password_file))}):",
                f"请以 [bold]admin[/] 身份用以下密码登录，密码只显示这一次（也保存在 {escape(str(password_file))}）：",
            ),
            f"  [bold]{escape(admin_password)}[/]",
        ]
    return "\n".join(lines)


def data_dir_in_use(data_dir: Path, pid: int | None) -> str:
    holder = f"(pid {pid})" if pid is not None else _t("(pid unknown)", "（pid 未知）")
    return _t(
        f"[bold red]Error:[/] another jobyard {holder} is already using "
        f"{escape(str(data_dir))}. Stop it first, or pass a different --data-dir.",
        f"[bold red]错误：[/]另一个 jobyard {holder} 正在使用 {escape(str(data_dir))}。"
        "请先停止它，或指定其他 --data-dir。",
    )


def cannot_start(reason: str) -> str:
    return _t(
        f"[bold red]Error:[/] jobyard could not start: {escape(reason)}",
        f"[bold red]错误：[/]jobyard 无法启动：{escape(reason)}",
    )


# jobyard console

CONSOLE_APP_HELP = _t("Run the console on its own.", "单独运行控制台。")
CONSOLE_UP_HELP = _t(
    "Start the console alone, reaching clusters only through their kubeconfigs, and run until Ctrl-C or SIGTERM.",
    "单独启动控制台（只通过 kubeconfig 访问集群），运行直到 Ctrl-C 或 SIGTERM。",
)
CONSOLE_DATA_DIR_HELP = _t(
    "Where the console keeps its database, secret key and the first admin's password.",
    "控制台存放数据库、密钥和初始管理员密码的目录。",
)
CLUSTER_KUBECONFIG_HELP = _t(
    "A kubeconfig to keep as the cluster 'local' (jobyard up's DATA/kubeconfig, say).",
    "作为集群 “local” 接入的 kubeconfig（例如 jobyard up 的 DATA/kubeconfig）。",
)
PORT_HELP = _t("Port of the web console and its JSON API.", "Web 控制台及其 JSON API 的端口。")


# jobyard image

IMAGE_HELP = _t(
    "Manage the images of the embedded cluster's node (DATA/images).", "管理内置集群节点上的镜像（DATA/images）。"
)
IMAGE_LOAD_HELP = _t(
    "Load images from a docker save / docker-archive tar, an OCI archive tar or an OCI layout directory.",
    "从 docker save / docker-archive 归档、OCI 归档或 OCI 布局目录加载镜像。",
)
IMAGE_LS_HELP = _t("List the node's images.", "列出节点上的镜像。")
IMAGE_RM_HELP = _t(
    "Remove an image by reference or id; with several names, only the name given is removed.",
    "按引用或 ID 删除镜像；镜像有多个名称时只删除给出的名称。",
)
IMAGE_FILE_HELP = _t("The archive (or OCI layout directory) to load.", "要加载的归档（或 OCI 布局目录）。")
IMAGE_REF_HELP = _t("Image reference (busybox:1.36) or id (prefix).", "镜像引用（如 busybox:1.36）或 ID（前缀）。")
IMAGE_LOADING = _t("Loading", "正在加载")
IMAGE_COLUMNS = (
    _t("REPOSITORY", "仓库"),
    _t("TAG", "标签"),
    _t("IMAGE ID", "镜像 ID"),
    _t("SIZE", "大小"),
)
IMAGE_NONE = "<none>"
NO_IMAGES = _t("No images.", "没有镜像。")


def image_loaded(names: list[str], short_id: str) -> str:
    if names:
        return _t(f"Loaded image: {escape(', '.join(names))}", f"已加载镜像：{escape('、'.join(names))}")
    return _t(f"Loaded image ID: {short_id}", f"已加载镜像 ID：{short_id}")


def image_removed(reference: str) -> str:
    return _t(f"Removed: {escape(reference)}", f"已删除：{escape(reference)}")


def image_load_failed(path: Path, reason: str) -> str:
    return _t(
        f"[bold red]Error:[/] cannot load {escape(str(path))}: {escape(reason)}",
        f"[bold red]错误：[/]无法加载 {escape(str(path))}：{escape(reason)}",
    )


def image_not_found(reference: str) -> str:
    return _t(
        f"[bold red]Error:[/] no such image: {escape(reference)}",
        f"[bold red]错误：[/]没有这个镜像：{escape(reference)}",
    )


def image_in_use(reference: str) -> str:
    return _t(
        f"[bold red]Error:[/] image {escape(reference)} is in use by a container.",
        f"[bold red]错误：[/]镜像 {escape(reference)} 正被容器使用。",
    )
