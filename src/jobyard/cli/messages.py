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
    "Start the embedded Kubernetes cluster (and, later, the console) and run until Ctrl-C or SIGTERM.",
    "启动内置 Kubernetes 集群（以后还有控制台），运行直到 Ctrl-C 或 SIGTERM。",
)

DATA_DIR_HELP = _t(
    "Where the cluster keeps its store, certificates and kubeconfig.", "集群存放数据、证书和 kubeconfig 的目录。"
)
DATA_DIR_DEFAULT = _t(
    "$XDG_DATA_HOME/jobyard, else ~/.local/share/jobyard", "$XDG_DATA_HOME/jobyard，否则 ~/.local/share/jobyard"
)
API_PORT_HELP = _t("HTTPS port of the Kubernetes API.", "Kubernetes API 的 HTTPS 端口。")
CONSOLE_PORT_HELP = _t("Port reserved for the web console (not opened yet).", "为 Web 控制台预留的端口（暂不打开）。")
CONSOLE_HELP = _t(
    "Reserve the console's port; --no-console runs the cluster alone.", "预留控制台端口；--no-console 只运行集群。"
)
HOST_HELP = _t(
    "Address to listen on; also added to the server certificate's names.", "监听地址；也会写入服务器证书的名称中。"
)
JOB_POD_BATCH_HELP = _t(
    "Seconds pod events wait before their Job syncs (upstream: 1); lower lets wide Jobs finish pods faster.",
    "Pod 事件在触发所属 Job 同步前等待的秒数（上游为 1）；调低可让并行度高的 Job 更快完成 Pod。",
)

SAME_PORTS = _t("--console-port must differ from --api-port.", "--console-port 不能与 --api-port 相同。")


def version_line(version: str) -> str:
    return f"jobyard {escape(version)}"


def ready(kubeconfig: Path, server_url: str | None, console_port: int | None) -> str:
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
    if console_port is not None:
        lines += [
            "",
            _t(
                f"The web console is not built yet: port {console_port} is reserved for it and is not opened.",
                f"Web 控制台尚未实现：端口 {console_port} 已为它预留，暂不打开。",
            ),
        ]
    lines += ["", _t("Stop with Ctrl-C.", "按 Ctrl-C 停止。")]
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
