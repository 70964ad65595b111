"""The seed page walked in a real browser, on a cluster whose node really runs the pods.

An NS Editor signs in, opens the cluster, Workloads → Jobs → Create by image, fills the four steps
as the seed page describes them, and watches the Job run to 执行完成 with its pods, logs and events.
Jobs that fail or cannot pull their image show why; rerun, suspend, resume and delete (orphan)
act on real pods. The images are the busybox test image in a local docker-registry; commands are
short, so the module stays well under two minutes. Screenshots (``test-output/screenshots``)
feed the user guide.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from conftest import RunningCluster
from console.api.conftest import ConsoleThread
from e2e.support import Api
from jobyard.console.forms import message

from .conftest import PASSWORD, browser_page, user_with

# Pods really start here: an image pull and a sandbox each, on a busy 2-core machine.
TIMEOUT = 15_000
RUN_TIMEOUT = 60_000

# What the walk's main container prints, once per pod; GREETING comes from the ConfigMap.
GREETING = "ni hao"
MAIN_SCRIPT = 'echo "$GREETING from $HOSTNAME"; sleep 2'


def required(label: str) -> re.Pattern[str]:
    """A required field's label: its text, then the asterisk."""
    return re.compile(f"^{re.escape(label)} ?\\*?$")


@pytest.fixture
def editor(node_admin: httpx.Client, node_namespace: str) -> str:
    return user_with(node_admin, "ns-editor", node_namespace)


@pytest.fixture
def zh_page(chromium: Browser, node_console: ConsoleThread) -> Iterator[Page]:
    """A browser that asks for Chinese first, as the seed page's readers do."""
    with browser_page(chromium, node_console, locale="zh-CN") as opened:
        opened.set_default_timeout(TIMEOUT)
        yield opened


def sign_in_zh(page: Page, name: str) -> None:
    page.goto("/clusters")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="集群列表")).to_be_visible()


def jobs_url(namespace: str) -> str:
    return f"/clusters/local/namespaces/{namespace}/jobs"


def row(page: Page, name: str) -> Locator:
    return page.locator(f'tr[data-job="{name}"]')


def seconds(span: str) -> int:
    """``7s`` or ``1m5s`` as the list shows a short span."""
    found = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", span.strip())
    assert found is not None and span.strip(), span
    return int(found.group(1) or 0) * 60 + int(found.group(2) or 0)


def detail(admin: httpx.Client, namespace: str, name: str = "seed-walk") -> dict[str, Any]:
    response = admin.get(f"/api{jobs_url(namespace)}/{name}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def create_job(admin: httpx.Client, namespace: str, name: str, image: str, script: str, **advanced: Any) -> None:
    """A one-container Job through the API, as the wizard would make it."""
    form = {
        "name": name,
        "instances": 1,
        "containers": [{"name": "main", "image": image, "lifecycle": {"command": ["sh", "-c", script]}}],
        "advanced": {"parallelism": 1, **advanced},
    }
    response = admin.post(f"/api/clusters/local/namespaces/{namespace}/jobs", json={"form": form})
    assert response.status_code == 201, response.text


def test_an_ns_editor_walks_the_seed_page_to_a_completed_job(
    zh_page: Page, node_admin: httpx.Client, node_namespace: str, editor: str, busybox_image: str, screenshots: Path
):
    page, namespace = zh_page, node_namespace
    configmap = {"name": "settings", "data": {"greeting": GREETING}}
    response = node_admin.post(f"/api/clusters/local/namespaces/{namespace}/configmaps", json=configmap)
    assert response.status_code == 201, response.text

    # Sign in → the cluster list → a cluster → Workloads → the Jobs tab → Create by image.
    sign_in_zh(page, editor)
    expect(page.locator("#clusters")).to_contain_text("local")
    page.screenshot(path=screenshots / "seed-1-clusters-zh.png")
    page.get_by_role("link", name="local", exact=True).click()
    expect(page.get_by_role("heading", name="集群详情: local")).to_be_visible()
    page.locator(".sidenav").get_by_role("link", name="工作负载").click()
    expect(page).to_have_url(re.compile(f"{jobs_url(namespace)}$"))
    page.get_by_role("navigation", name="工作负载类型").get_by_role("link", name="任务").click()
    page.get_by_role("button", name="镜像创建").click()
    # The wizard's own fields (the page also holds dialogs with fields of their own).
    form = page.locator("#wizard")
    step_title = page.locator("#step-title")
    expect(step_title).to_have_text("基本信息")

    # Step 1, basic info: name, namespace (the one open), 4 instances, a description.
    form.get_by_label(required("名称")).fill("seed-walk")
    expect(form.get_by_label("命名空间")).to_have_value(namespace)
    form.get_by_label("实例数").fill("4")
    form.get_by_label("描述").fill("按种子页面创建的任务：两个容器，四个实例。")
    page.screenshot(path=screenshots / "seed-2-basic-zh.png")
    page.get_by_role("button", name="下一步").click()
    expect(step_title).to_have_text("容器配置")

    # Step 2, containers: the main one with its command, an env var from the ConfigMap and a health check.
    main = page.locator("#panel-containers-0")
    main.get_by_label(required("容器名称")).fill("main")
    main.get_by_label(required("镜像")).fill(busybox_image)
    main.get_by_role("tab", name="生命周期").click()
    main.get_by_label("启动命令，每行一个参数").fill(f"sh\n-c\n{MAIN_SCRIPT}")
    main.get_by_role("tab", name="环境变量").click()
    main.get_by_role("button", name="+ 添加变量").click()
    variable = page.locator("#panel-containers-0 .rows .row").first
    expect(variable).to_be_visible()
    variable.get_by_label("类型").select_option("configMapKey")
    variable.get_by_label("变量名").fill("GREETING")
    variable.get_by_label("配置项", exact=True).fill("settings")
    expect(variable.get_by_label("配置项", exact=True)).to_have_attribute("list", "configmaps")
    variable.get_by_label("键", exact=True).fill("greeting")
    page.screenshot(path=screenshots / "seed-3-env-zh.png")
    page.locator("#panel-containers-0").get_by_role("tab", name="健康检查").click()
    liveness = page.locator("#panel-containers-0 fieldset", has_text="存活检查")
    liveness.get_by_label("检查方式").select_option("exec")
    liveness.get_by_label("命令，每行一个参数").fill("true")
    page.screenshot(path=screenshots / "seed-3-health-zh.png")

    # A second container by "+", which prints and ends.
    page.get_by_role("button", name="+ 容器").click()
    sidecar = page.locator("#panel-containers-1")
    expect(sidecar).to_be_visible()
    sidecar.get_by_label(required("容器名称")).fill("sidecar")
    sidecar.get_by_label(required("镜像")).fill(busybox_image)
    page.screenshot(path=screenshots / "seed-3-containers-zh.png")
    sidecar.get_by_role("tab", name="生命周期").click()
    sidecar.get_by_label("启动命令，每行一个参数").fill("sh\n-c\necho sidecar done")
    page.get_by_role("button", name="下一步").click()
    expect(step_title).to_have_text("服务配置")

    # Step 3, a Service with one port.
    form.get_by_label("创建服务").check()
    page.get_by_role("button", name="+ 添加端口").click()
    form.get_by_label("端口名称").fill("http")
    form.get_by_label("服务端口").fill("80")
    form.get_by_label("容器端口").fill("8080")
    page.screenshot(path=screenshots / "seed-4-service-zh.png")
    page.get_by_role("button", name="下一步").click()
    expect(step_title).to_have_text("高级配置")

    # Step 4, advanced: parallelism 2, a timeout, a label.
    form.get_by_label("并行数").fill("2")
    form.get_by_label("超时时间（秒）").fill("300")
    labels = form.locator("fieldset", has=page.locator("legend", has_text=re.compile("^标签$")))
    labels.get_by_role("button", name="+ 添加").click()
    labels.get_by_label("键").fill("team")
    labels.get_by_label("值").fill("data")
    page.screenshot(path=screenshots / "seed-5-advanced-zh.png")
    page.get_by_role("button", name="创建", exact=True).click()
    expect(page).to_have_url(re.compile(f"{jobs_url(namespace)}/seed-walk$"))

    # The list: 执行中 while pods run, then 执行完成 with 4/4, without reloading.
    page.get_by_role("navigation", name="面包屑导航").get_by_role("link", name="任务").click()
    job = row(page, "seed-walk")
    expect(job.locator(".badge")).to_have_text("执行中", timeout=RUN_TIMEOUT)
    page.screenshot(path=screenshots / "seed-6-jobs-executing-zh.png")
    expect(job.locator(".badge")).to_have_text("执行完成", timeout=RUN_TIMEOUT)
    expect(job.locator(".progress-text")).to_have_text("4/4")
    # Live rows count the age to the update, not to when the page opened: a Job is older than its run.
    duration, age = (seconds(job.locator("td").nth(column).inner_text()) for column in (3, 4))
    assert age >= duration, (age, duration)
    page.screenshot(path=screenshots / "seed-7-jobs-completed-zh.png")

    # The detail: four pods that succeeded, each one's output in the merged log, the events.
    job.get_by_role("link", name="seed-walk").click()
    pods = page.locator("#pods tbody tr")
    phases = [
        (pod["name"], pod["phase"], pod.get("reason"), pod.get("message"))
        for pod in detail(node_admin, namespace)["pods"]
    ]
    assert [phase for _, phase, _, _ in phases] == ["Succeeded"] * 4, phases
    expect(pods.locator(".phase")).to_have_text(["Succeeded"] * 4)
    expect(page.locator("#events tbody")).to_contain_text("SuccessfulCreate")
    expect(page.locator("#events tbody")).to_contain_text("Completed")
    page.get_by_label("容器", exact=True).select_option("main")
    log = page.locator("#logs [data-output]")
    for name in pods.locator("td:first-child a").all_inner_texts():
        expect(log).to_contain_text(f"[{name}] {GREETING} from {name}")
    page.screenshot(path=screenshots / "seed-8-job-detail-zh.png")
    page.locator("#logs").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "seed-9-job-logs-zh.png")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Pods")).to_be_visible()
    page.screenshot(path=screenshots / "seed-8-job-detail-en.png")
    page.locator("#events").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "seed-9-job-events-en.png")
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Jobs").click()
    expect(row(page, "seed-walk").locator(".badge")).to_have_text("Completed")
    page.screenshot(path=screenshots / "seed-7-jobs-completed-en.png")

    created = detail(node_admin, namespace)
    spec = created["job"]["spec"]
    assert (spec["completions"], spec["parallelism"], spec["activeDeadlineSeconds"]) == (4, 2, 300)
    assert spec["template"]["metadata"]["labels"]["team"] == "data"
    assert [c["name"] for c in spec["template"]["spec"]["containers"]] == ["main", "sidecar"]
    assert [port["port"] for port in created["service"]["spec"]["ports"]] == [80]


def test_a_job_past_its_retries_shows_failed_with_the_reason_and_reruns(
    zh_page: Page, node_admin: httpx.Client, node_namespace: str, editor: str, busybox_image: str, screenshots: Path
):
    page = zh_page
    create_job(node_admin, node_namespace, "job-fails", busybox_image, "echo giving up; exit 1", backoffLimit=0)
    sign_in_zh(page, editor)
    page.goto(jobs_url(node_namespace))
    badge = row(page, "job-fails").locator(".badge")
    expect(badge).to_have_text("执行失败", timeout=RUN_TIMEOUT)
    expect(badge).to_have_attribute("title", re.compile("backoffLimit"))
    page.screenshot(path=screenshots / "jobs-failed-zh.png")

    row(page, "job-fails").get_by_role("link", name="job-fails").click()
    expect(page.locator("#overview .notice")).to_contain_text("已达到重试次数上限（backoffLimit）")
    expect(page.locator("#conditions tbody")).to_contain_text("BackoffLimitExceeded")
    history = page.locator("#history tbody tr")
    expect(history).to_have_count(1)
    first_uid = detail(node_admin, node_namespace, "job-fails")["job"]["metadata"]["uid"]
    page.locator(".job-head").get_by_role("button", name="重新运行").click()
    expect(page.get_by_role("status").filter(has_text="已重新运行")).to_be_visible()
    # The newest run is listed first; runs are matched by the Job's uid, so a live read of the old
    # Job racing the rerun cannot add a third.
    expect(history.first.locator("td").first).to_have_text("2", timeout=RUN_TIMEOUT)
    expect(page.locator(".job-head .badge")).to_have_text("执行失败", timeout=RUN_TIMEOUT)
    expect(history.first.locator("td").nth(3)).to_have_text("执行失败", timeout=RUN_TIMEOUT)
    expect(history.first.locator("td").nth(4)).to_have_text("BackoffLimitExceeded")
    expect(history).to_have_count(2)
    assert detail(node_admin, node_namespace, "job-fails")["job"]["metadata"]["uid"] != first_uid


def test_a_job_whose_image_is_missing_shows_an_exception_with_the_reason(
    zh_page: Page,
    node_admin: httpx.Client,
    node_namespace: str,
    editor: str,
    image_registry: Any,
    screenshots: Path,
):
    page = zh_page
    missing = f"{image_registry.host}/jobyard/no-such-image:1"
    create_job(node_admin, node_namespace, "job-no-image", missing, "true")
    sign_in_zh(page, editor)
    page.goto(jobs_url(node_namespace))
    badge = row(page, "job-no-image").locator(".badge")
    expect(badge).to_have_text("异常", timeout=RUN_TIMEOUT)
    # ErrImagePull first, then ImagePullBackOff once the kubelet backs off.
    expect(badge).to_have_attribute("title", re.compile("无法拉取镜像，正在以递增的间隔重试"), timeout=RUN_TIMEOUT)
    page.screenshot(path=screenshots / "jobs-exception-zh.png")
    row(page, "job-no-image").get_by_role("link", name="job-no-image").click()
    expect(page.locator("#overview .notice")).to_contain_text("无法拉取镜像")
    expect(page.locator("#pods tbody")).to_contain_text("ImagePullBackOff")
    expect(page.locator("#events tbody tr.warning").first).to_be_visible()
    page.screenshot(path=screenshots / "job-exception-zh.png")
    page.get_by_role("link", name="English").click()
    expect(page.locator("#overview .notice")).to_contain_text("The image cannot be pulled")
    page.screenshot(path=screenshots / "job-exception-en.png")


def test_suspend_resume_and_delete_with_orphan_act_on_running_pods(
    zh_page: Page,
    node_cluster: RunningCluster,
    node_admin: httpx.Client,
    node_namespace: str,
    editor: str,
    busybox_image: str,
    screenshots: Path,
):
    page, namespace = zh_page, node_namespace
    # Ends at once on SIGTERM, so a suspend does not wait out the grace period.
    create_job(
        node_admin, namespace, "job-long", busybox_image, "trap 'exit 0' TERM; echo started; while :; do sleep 1; done"
    )
    sign_in_zh(page, editor)
    page.goto(f"{jobs_url(namespace)}/job-long")
    head = page.locator(".job-head")
    expect(head.locator(".badge")).to_have_text("执行中", timeout=RUN_TIMEOUT)

    head.get_by_role("button", name="暂停").click()
    expect(head.locator(".badge")).to_have_text("已暂停")
    expect(page.locator("#pods .phase")).to_have_count(0, timeout=RUN_TIMEOUT)
    head.get_by_role("button", name="恢复").click()
    expect(head.locator(".badge")).to_have_text("执行中", timeout=RUN_TIMEOUT)
    running = page.locator("#pods tbody tr", has=page.locator(".phase", has_text="Running"))
    expect(running).to_have_count(1, timeout=RUN_TIMEOUT)
    kept = running.locator("td:first-child a").inner_text()

    head.get_by_role("button", name="删除").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("保留容器组，以便继续查看日志（孤立）").check()
    page.screenshot(path=screenshots / "job-delete-dialog-zh.png")
    dialog.get_by_role("button", name="删除").click()
    expect(page).to_have_url(re.compile(f"{jobs_url(namespace)}$"))
    expect(row(page, "job-long")).to_have_count(0, timeout=TIMEOUT)
    # The orphaned pod runs on, without an owner, and its log is still there.
    kube = Api(node_cluster)
    try:
        pod = kube.get(f"/api/v1/namespaces/{namespace}/pods/{kept}")
        log = kube.request("GET", f"/api/v1/namespaces/{namespace}/pods/{kept}/log").text
    finally:
        kube.close()
    assert pod["status"]["phase"] == "Running" and not pod["metadata"].get("ownerReferences")
    assert "started" in log


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-CN")])
def test_a_request_above_its_limit_is_refused_next_to_the_field(
    chromium: Browser,
    node_console: ConsoleThread,
    node_namespace: str,
    editor: str,
    locale: str,
    lang: str,
    screenshots: Path,
):
    names = {
        "en": ("User name", "Password", "Sign in", "Next step", "Container name", "Image", "CPU request", "CPU limit"),
        "zh-CN": ("用户名", "密码", "登录", "下一步", "容器名称", "镜像", "CPU 请求", "CPU 限制"),
    }
    user_name, password, sign_in, next_step, container_name, image, cpu_request, cpu_limit = names[lang]
    short = lang.split("-")[0]
    description = {"en": "Backs up the logs.", "zh-CN": "备份日志。"}[lang]
    with browser_page(chromium, node_console, locale=locale) as page:
        page.set_default_timeout(TIMEOUT)
        page.goto(f"{jobs_url(node_namespace)}/new")
        page.get_by_label(user_name).fill(editor)
        page.get_by_label(password).fill(PASSWORD)
        page.get_by_role("button", name=sign_in).click()
        form = page.locator("#wizard")
        form.locator('[name="name"]').fill("job-cpu")
        form.locator('[name="description"]').fill(description)
        page.screenshot(path=screenshots / f"wizard-basic-{short}.png")
        page.get_by_role("button", name=next_step).click()
        form.get_by_label(required(container_name)).fill("main")
        form.get_by_label(required(image)).fill("busybox:1.36")
        form.get_by_label(cpu_request, exact=True).fill("2")
        form.get_by_label(cpu_limit, exact=True).fill("500")
        form.locator('select[name="containers[0].resources.cpuLimit@unit"]').select_option("m")
        page.get_by_role("button", name=next_step).click()
        error = page.locator('[data-error-for="containers[0].resources.cpuRequest"]')
        expect(error).to_have_text(message("requestExceedsLimit", lang, limit="500m"))
        expect(form.get_by_label(cpu_request, exact=True)).to_have_attribute("aria-invalid", "true")
        page.screenshot(path=screenshots / f"wizard-request-above-limit-{short}.png")
        # The YAML view shows what the form makes so far, the request above the limit included.
        page.get_by_role("button", name="YAML", exact=True).click()
        expect(form.locator("textarea[name=yaml]")).to_contain_text("cpu: 500m")
        page.screenshot(path=screenshots / f"wizard-yaml-{short}.png")
