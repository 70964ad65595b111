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


# The console's API clients: login, user, grant, revoke, cluster, ns, job

URL_HELP = _t(
    "The console's address (default: the one jobyard login saved).", "控制台地址（默认：jobyard login 保存的地址）。"
)
OUTPUT_HELP = _t(
    "How to print the result: a table, or the API's JSON or YAML.", "结果的输出格式：表格，或 API 的 JSON、YAML。"
)
NOT_LOGGED_IN = _t(
    "[bold red]Error:[/] not logged in: run jobyard login URL first (or set JOBYARD_URL and JOBYARD_TOKEN).",
    "[bold red]错误：[/]尚未登录：请先运行 jobyard login URL（或设置 JOBYARD_URL 和 JOBYARD_TOKEN）。",
)


def unreachable(url: str, reason: str) -> str:
    return _t(
        f"[bold red]Error:[/] cannot reach the console at {escape(url)} ({escape(reason)}). Is jobyard up running?",
        f"[bold red]错误：[/]无法连接 {escape(url)} 上的控制台（{escape(reason)}）。jobyard up 是否在运行？",
    )


def api_refused(message: str) -> str:
    return _t(f"[bold red]Error:[/] {escape(message)}", f"[bold red]错误：[/]{escape(message)}")


def field_problem(path: str, option: str | None, message: str) -> str:
    where = f"{path} ({option})" if option else path
    return f"  [bold]{escape(where or '-')}[/]: {escape(message)}"


LOGIN_HELP = _t(
    "Sign in to a console and keep an API token for the other commands ($XDG_CONFIG_HOME/jobyard/config.json).",
    "登录控制台并保存 API 令牌供其他命令使用（$XDG_CONFIG_HOME/jobyard/config.json）。",
)
LOGIN_URL_HELP = _t("The console's address, such as http://127.0.0.1:8080.", "控制台地址，例如 http://127.0.0.1:8080。")
USERNAME_HELP = _t("The user to sign in as.", "登录所用的用户名。")
USERNAME_PROMPT = _t("User name", "用户名")
PASSWORD_PROMPT = _t("Password", "密码")
PASSWORD_STDIN_HELP = _t(
    "Read the password from the first line of standard input instead of prompting.",
    "从标准输入的第一行读取密码，而不是提示输入。",
)


def logged_in(user: str, url: str, config: Path) -> str:
    return _t(
        f"Logged in to {escape(url)} as [bold]{escape(user)}[/]; the API token is kept in {escape(str(config))}.",
        f"已以 [bold]{escape(user)}[/] 身份登录 {escape(url)}；API 令牌保存在 {escape(str(config))}。",
    )


USER_HELP = _t("Manage the console's users (platform admins only).", "管理控制台用户（仅平台管理员）。")
USER_CREATE_HELP = _t("Create a local user.", "创建本地用户。")
USER_LIST_HELP = _t("List every user with their roles.", "列出所有用户及其角色。")
USER_NAME_HELP = _t("The new user's name.", "新用户的用户名。")
ADMIN_HELP = _t("Make the user a platform admin.", "将该用户设为平台管理员。")
USER_COLUMNS = (_t("NAME", "用户名"), _t("ADMIN", "管理员"), _t("DISABLED", "已禁用"), _t("ROLES", "角色"))


def yes_no(value: bool) -> str:
    return _t("yes", "是") if value else _t("no", "否")


def user_created(name: str, admin: bool) -> str:
    if admin:
        return _t(f"Created platform admin {escape(name)}.", f"已创建平台管理员 {escape(name)}。")
    return _t(f"Created user {escape(name)}.", f"已创建用户 {escape(name)}。")


GRANT_HELP = _t(
    "Give a user a role on a cluster (cluster-admin) or on one namespace of it, replacing their role there.",
    "授予用户集群角色（cluster-admin）或某个命名空间的角色，替换其在该处的原有角色。",
)
REVOKE_HELP = _t("Take a role away from a user.", "收回用户的角色。")
ROLE_HELP = _t(
    "cluster-admin (a whole cluster), or ns-admin, ns-editor or ns-viewer (one namespace).",
    "cluster-admin（整个集群），或 ns-admin、ns-editor、ns-viewer（单个命名空间）。",
)
GRANT_USER_HELP = _t("The user's name.", "用户名。")
GRANT_NAMESPACE_HELP = _t(
    "The namespace of a namespace role; none for cluster-admin.", "命名空间角色所在的命名空间；cluster-admin 不指定。"
)


def _place(cluster: str, namespace: str | None) -> str:
    return escape(cluster if namespace is None else f"{cluster}/{namespace}")


def granted(role: str, user: str, cluster: str, namespace: str | None) -> str:
    return _t(
        f"Granted {escape(role)} on {_place(cluster, namespace)} to {escape(user)}.",
        f"已在 {_place(cluster, namespace)} 上授予 {escape(user)} 角色 {escape(role)}。",
    )


def revoked(role: str, user: str, cluster: str, namespace: str | None) -> str:
    return _t(
        f"Revoked {escape(role)} on {_place(cluster, namespace)} from {escape(user)}.",
        f"已收回 {escape(user)} 在 {_place(cluster, namespace)} 上的角色 {escape(role)}。",
    )


CLUSTER_APP_HELP = _t("Join, list and forget clusters.", "接入、列出和移除集群。")
CLUSTER_JOIN_HELP = _t(
    "Join a cluster by its kubeconfig (platform admins).", "通过 kubeconfig 接入集群（平台管理员）。"
)
CLUSTER_LIST_HELP = _t("List the clusters you have a role on, with their status.", "列出您有角色的集群及其状态。")
CLUSTER_REMOVE_HELP = _t(
    "Forget a cluster: the cluster is left as it is; its kubeconfig and the roles on it are dropped.",
    "移除集群：集群本身不受影响；控制台删除其 kubeconfig 及其上的角色。",
)
CLUSTER_HELP = _t(
    "The cluster (as joined to the console; jobyard up's is local).", "集群名称（jobyard up 的集群名为 local）。"
)
CLUSTER_NAME_HELP = _t("The cluster's name in the console.", "集群在控制台中的名称。")
KUBECONFIG_HELP = _t("The kubeconfig file to reach the cluster with.", "用于访问该集群的 kubeconfig 文件。")
CLUSTER_COLUMNS = (
    _t("NAME", "名称"),
    _t("STATUS", "状态"),
    _t("VERSION", "版本"),
    _t("NODES", "节点数"),
    _t("PROBLEM", "问题"),
)


def cluster_removed(name: str) -> str:
    return _t(f"Removed cluster {escape(name)} from the console.", f"已从控制台移除集群 {escape(name)}。")


NS_APP_HELP = _t("Create, list and delete namespaces.", "创建、列出和删除命名空间。")
NS_CREATE_HELP = _t("Create a namespace.", "创建命名空间。")
NS_LIST_HELP = _t("List the namespaces you may see.", "列出您可见的命名空间。")
NS_DELETE_HELP = _t("Delete a namespace and everything in it.", "删除命名空间及其中的所有内容。")
NAMESPACE_HELP = _t("The namespace.", "命名空间。")
NAMESPACE_NAME_HELP = _t("The namespace's name.", "命名空间名称。")
LABEL_HELP = _t("A label KEY=VALUE; repeatable.", "标签 KEY=VALUE，可重复。")
NAMESPACE_COLUMNS = (_t("NAME", "名称"), _t("PHASE", "阶段"), _t("CREATED", "创建时间"))


def namespace_deleted(name: str, cluster: str) -> str:
    return _t(
        f"Deleting namespace {escape(name)} on {escape(cluster)}.",
        f"正在删除集群 {escape(cluster)} 上的命名空间 {escape(name)}。",
    )


def not_a_pair(value: str) -> str:
    return _t(f"expected KEY=VALUE, got {value!r}.", f"应为 KEY=VALUE，实际为 {value!r}。")


JOB_APP_HELP = _t("Create, follow and manage Jobs.", "创建、跟踪和管理任务（Job）。")
JOB_CREATE_HELP = _t(
    "Create a Job from an image, as the console's wizard does (-f sends a wizard form file; options override it).",
    "像控制台向导一样用镜像创建任务（-f 发送向导表单文件，命令行选项覆盖其中的值）。",
)
JOB_NAME_HELP = _t("The Job's name.", "任务名称。")
IMAGE_OPTION_HELP = _t("The container image, such as busybox:1.36.", "容器镜像，例如 busybox:1.36。")
INSTANCES_HELP = _t(
    "How many pods must succeed (completions; the wizard's default is 2).",
    "需要成功的 Pod 数（completions；向导默认 2）。",
)
PARALLELISM_HELP = _t(
    "How many pods run at once (default: 2, at most --instances).",
    "同时运行的 Pod 数（默认 2，且不超过 --instances）。",
)
TIMEOUT_HELP = _t(
    "Seconds the Job may run before it fails (activeDeadlineSeconds).",
    "任务失败前可运行的秒数（activeDeadlineSeconds）。",
)
INDEXED_HELP = _t(
    "Give each pod a completion index (completionMode: Indexed).",
    "为每个 Pod 分配完成索引（completionMode: Indexed）。",
)
COMMAND_HELP = _t(
    "The container's command, split as a shell would: --command 'sh -c \"echo hi\"'.",
    "容器的启动命令，按 shell 规则拆分：--command 'sh -c \"echo hi\"'。",
)
ENV_HELP = _t("An environment variable KEY=VALUE; repeatable.", "环境变量 KEY=VALUE，可重复。")
JOB_LABEL_HELP = _t("A label KEY=VALUE on the Job and its pods; repeatable.", "任务及其 Pod 的标签 KEY=VALUE，可重复。")
ANNOTATION_HELP = _t(
    "An annotation KEY=VALUE on the Job and its pods; repeatable.", "任务及其 Pod 的注解 KEY=VALUE，可重复。"
)
CPU_REQUEST_HELP = _t("CPU request, such as 250m.", "CPU 请求，例如 250m。")
CPU_LIMIT_HELP = _t("CPU limit, such as 1.", "CPU 限制，例如 1。")
MEMORY_REQUEST_HELP = _t("Memory request, such as 128Mi.", "内存请求，例如 128Mi。")
MEMORY_LIMIT_HELP = _t("Memory limit, such as 512Mi.", "内存限制，例如 512Mi。")
# Help is Rich markup: "[/TCP|UDP]" would read as a closing tag.
SERVICE_PORT_HELP = escape(
    _t(
        "A port of a Service for the Job's pods, PORT[:TARGET][/TCP|UDP]; repeatable.",
        "为任务 Pod 创建的 Service 端口，格式 PORT[:TARGET][/TCP|UDP]，可重复。",
    )
)
FORM_FILE_HELP = _t(
    "A YAML (or JSON) wizard form, bare or as {form, rest}, as the console's API takes it.",
    "YAML（或 JSON）向导表单，可以是表单本身或 {form, rest}，与控制台 API 接收的格式相同。",
)
FORM_FILE_NOT_A_MAPPING = _t("the form file must hold a mapping.", "表单文件的内容必须是映射。")
DRY_RUN_HELP = _t(
    "Have the cluster check everything and print what it would create; store nothing.",
    "让集群检查所有内容并显示将要创建的资源，不实际保存。",
)
WAIT_HELP = _t(
    "Follow the Job with a progress bar until it finishes; exit 0 if it completed, 1 if it failed.",
    "以进度条跟踪任务直到结束；执行完成时退出码为 0，失败时为 1。",
)


def not_a_service_port(value: str) -> str:
    return _t(
        f"expected PORT[:TARGET][/TCP|UDP], such as 80:8080/TCP, got {value!r}.",
        f"应为 PORT[:TARGET][/TCP|UDP]，例如 80:8080/TCP，实际为 {value!r}。",
    )


def job_created(name: str, kinds: list[str], dry_run: bool) -> str:
    created = ", ".join(kinds)
    if dry_run:
        return _t(
            f"Dry run: the cluster accepts Job {escape(name)} ({escape(created)}); nothing was stored.",
            f"试运行：集群接受任务 {escape(name)}（{escape(created)}），未保存任何内容。",
        )
    return _t(f"Created Job {escape(name)} ({escape(created)}).", f"已创建任务 {escape(name)}（{escape(created)}）。")


WATCH_ENDED = _t(
    "The console stopped sending the Job's progress before it finished.", "任务结束前，控制台已停止发送其进度。"
)


def job_finished(name: str, completed: bool, label: str) -> str:
    colour = "green" if completed else "red"
    return _t(
        f"Job {escape(name)}: [bold {colour}]{escape(label)}[/]",
        f"任务 {escape(name)}：[bold {colour}]{escape(label)}[/]",
    )


JOB_LIST_HELP = _t(
    "List Jobs: everywhere you may see, in one cluster (--cluster), or in one namespace (with --namespace).",
    "列出任务：所有可见的任务、某个集群（--cluster）或某个命名空间（加 --namespace）中的任务。",
)
JOB_LIST_CLUSTER_HELP = _t("Only this cluster's Jobs.", "只列出该集群的任务。")
JOB_LIST_NAMESPACE_HELP = _t(
    "Only this namespace's Jobs (needs --cluster).", "只列出该命名空间的任务（需要 --cluster）。"
)
NAMESPACE_NEEDS_CLUSTER = _t("--namespace needs --cluster.", "--namespace 需要同时指定 --cluster。")
JOB_COLUMNS = (
    _t("CLUSTER", "集群"),
    _t("NAMESPACE", "命名空间"),
    _t("NAME", "名称"),
    _t("STATUS", "状态"),
    _t("COMPLETIONS", "完成数"),
    _t("DURATION", "耗时"),
)


def jobs_unreachable(cluster: str, namespace: str | None, reason: str) -> str:
    return _t(
        f"[yellow]Warning:[/] the Jobs of {_place(cluster, namespace)} could not be listed: {escape(reason)}",
        f"[yellow]警告：[/]无法列出 {_place(cluster, namespace)} 的任务：{escape(reason)}",
    )


JOB_GET_HELP = _t("Show a Job with its pods.", "显示任务及其 Pod。")
# The rows of `job get`'s summary, in this order: name, cluster/namespace, status, completions, started, finished.
JOB_FACTS = (
    _t("Name", "名称"),
    _t("Place", "位置"),
    _t("Status", "状态"),
    _t("Completions", "完成数"),
    _t("Started", "开始时间"),
    _t("Finished", "结束时间"),
)
POD_COLUMNS = (
    _t("POD", "Pod"),
    _t("PHASE", "阶段"),
    _t("INDEX", "索引"),
    _t("RESTARTS", "重启次数"),
    _t("EXIT", "退出码"),
)
JOB_LOGS_HELP = _t(
    "Print the log of every pod of the Job, each line prefixed with [pod] (one pod's with --pod; with --follow, "
    "the newest pod's unless --pod). Pods a delete with --cascade Orphan kept stay readable.",
    "显示任务所有 Pod 的日志，每行以 [Pod] 开头（指定 --pod 时为该 Pod；--follow 时为最新的 Pod，除非指定 --pod）。"
    "以 --cascade Orphan 删除任务后保留的 Pod 的日志仍可读取。",
)
POD_HELP = _t("The pod whose log to print.", "要显示日志的 Pod。")
CONTAINER_HELP = _t("The container (when the pod has several).", "容器（Pod 有多个容器时）。")
TAIL_HELP = _t("Only the last N lines (of each pod).", "只显示（每个 Pod 的）最后 N 行。")
FOLLOW_HELP = _t("Keep printing the log as it grows, until the container ends.", "持续输出新日志，直到容器结束。")


def no_pods(name: str) -> str:
    return _t(f"Job {name} has no pods yet.", f"任务 {name} 还没有 Pod。")


JOB_SUSPEND_HELP = _t("Suspend a Job: its running pods are stopped.", "暂停任务：停止其正在运行的 Pod。")
JOB_RESUME_HELP = _t("Resume a suspended Job.", "恢复已暂停的任务。")
JOB_RERUN_HELP = _t("Run a finished Job again under its name.", "以原名称重新运行已结束的任务。")
JOB_DELETE_HELP = _t("Delete a Job.", "删除任务。")
CASCADE_HELP = _t(
    "What becomes of the pods: Background (deleted after the Job), Foreground (before it) or Orphan (kept).",
    "Pod 的处理方式：Background（任务删除后删除）、Foreground（任务删除前删除）或 Orphan（保留）。",
)


def job_action_done(verb: str, name: str) -> str:
    done = {
        "suspend": _t(f"Suspended Job {escape(name)}.", f"已暂停任务 {escape(name)}。"),
        "resume": _t(f"Resumed Job {escape(name)}.", f"已恢复任务 {escape(name)}。"),
        "rerun": _t(f"Job {escape(name)} runs again.", f"任务 {escape(name)} 已重新运行。"),
    }
    return done[verb]


def job_deleted(name: str, cascade: str) -> str:
    return _t(f"Deleted Job {escape(name)} (cascade {cascade}).", f"已删除任务 {escape(name)}（级联方式 {cascade}）。")
