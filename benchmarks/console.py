"""Benchmark of the console's JSON API and web pages against issues 5 and 6's targets.

Starts two embedded clusters (``jobyard up --no-console --no-node``, so pods stay Pending and
nothing runs) and a console (``jobyard console up``) with the first cluster as ``local``, joins
the second through the API, seeds Jobs into both straight through their Kubernetes APIs, then:

1. times the console's job list: all clusters (``GET /api/jobs``), one cluster, one namespace;
2. times the web console's HTML pages, signed in through the web's own form as a browser is: the
   cluster list, a namespace's Jobs list, a Job's detail and the wizard's first step (issue 6:
   any page's HTML in <= 150 ms with 2,000 Jobs);
3. runs 20 users at once, each with its own account and API token and ns-editor on a namespace
   of its own, each POSTing the wizard's form in a loop (a new Job every time) for ``--duration``
   seconds, and times each create from the form's POST to the answer, which comes once the
   cluster has stored the Job.

It is a benchmark, not a test: it exits 0 whether or not the targets are met (1 only when the
servers cannot be started).

    .venv/bin/python benchmarks/console.py            # 2 x 1,000 Jobs, 20 users for 60 s
    .venv/bin/python benchmarks/console.py --quick    # 2 x 200 Jobs, 20 users for 10 s
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_server import JOBYARD, Row, Server, free_port, latency_line, percentile, print_table, rss_mb  # noqa: E402

from node import profile  # noqa: E402  (sibling scripts)

Obj = dict[str, Any]

ADMIN_PASSWORD = "benchmark-first-password"
USER_PASSWORD = "benchmark-user-password"
CLUSTERS = ("local", "second")
SEED_CONCURRENCY = 16

TARGET_LIST_P99_MS = 200.0
TARGET_CREATE_P99_MS = 300.0
TARGET_PAGE_MS = 150.0


# The servers


@dataclass
class Console:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, data_dir: Path, kubeconfig: Path) -> Console:
        port = free_port()
        log_path = data_dir.parent / "console.log"
        environment = {**os.environ, "JOBYARD_ADMIN_PASSWORD": ADMIN_PASSWORD}
        command = [
            str(JOBYARD),
            "console",
            "up",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            "--cluster-kubeconfig",
            str(kubeconfig),
        ]
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
        return cls(data_dir, port, process, log_path)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the console exited with {self.process.returncode}:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/api/me", timeout=2).status_code == 401:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the console was not ready within {timeout:.0f} s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def check(response: httpx.Response, *expected: int) -> Obj | list[Any]:
    if response.status_code not in expected:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return response.json() if response.content else {}


async def token_for(url: str, name: str, password: str) -> str:
    """Sign in as a browser would, then make the API token a CLI would keep."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as browser:
        session = check(await browser.post("/api/session", json={"name": name, "password": password}), 201)
        assert isinstance(session, dict)
        headers = {"X-CSRF-Token": session["csrfToken"]}
        token = check(await browser.post("/api/tokens", json={"name": "bench"}, headers=headers), 201)
        assert isinstance(token, dict)
        return str(token["token"])


def api_client(url: str, token: str, connections: int = 4) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(120.0),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


# Seeding, straight through each cluster's own API


def job_manifest(name: str) -> Obj:
    """A Job as the wizard would make it, one pod; without a node the pod stays Pending (等待中)."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": {"app": name, "bench": "seed"}},
        "spec": {
            "completions": 1,
            "parallelism": 1,
            "backoffLimit": 6,
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {
                            "name": "main",
                            "image": "busybox:1.36",
                            "command": ["sh", "-c", "echo hello"],
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                        }
                    ],
                },
            },
        },
    }


async def seed(server: Server, namespaces: list[str], jobs: int) -> float:
    started = time.perf_counter()
    async with server.client(SEED_CONCURRENCY) as client:
        for namespace in namespaces:
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
            check(await client.post("/api/v1/namespaces", json=body), 201)
        gate = asyncio.Semaphore(SEED_CONCURRENCY)

        async def create(index: int) -> None:
            namespace = namespaces[index % len(namespaces)]
            async with gate:
                response = await client.post(
                    f"/apis/batch/v1/namespaces/{namespace}/jobs", json=job_manifest(f"seed-{index:05d}")
                )
            check(response, 201)

        await asyncio.gather(*(create(index) for index in range(jobs)))
    return time.perf_counter() - started


async def wait_for_pods(server: Server, wanted: int, timeout: float = 300.0) -> int:
    """Until the Job controller has made a pod for every seeded Job, so the list reads a settled cluster."""
    deadline = time.monotonic() + timeout
    count = 0
    async with server.client(2) as client:
        while time.monotonic() < deadline:
            listed = check(await client.get("/api/v1/pods", params={"limit": 1}), 200)
            assert isinstance(listed, dict)
            remaining = listed["metadata"].get("remainingItemCount")
            count = len(listed["items"]) + (remaining or 0)
            if count >= wanted:
                return count
            await asyncio.sleep(1)
    return count


# The job list


@dataclass
class Timings:
    seconds: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    items: int = 0
    body_bytes: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def time_list(client: httpx.AsyncClient, path: str, repeats: int) -> Timings:
    timings = Timings()
    for _ in range(repeats):
        started = time.perf_counter()
        try:
            response = await client.get(path)
        except httpx.HTTPError as error:
            timings.error(type(error).__name__)
            continue
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            timings.error(str(response.status_code))
            continue
        body = response.json()
        if body["unreachable"]:
            timings.error("unreachable: " + ", ".join(problem["cluster"] for problem in body["unreachable"]))
        timings.seconds.append(elapsed)
        timings.items, timings.body_bytes = len(body["items"]), len(response.content)
    return timings


# The web console's pages


@dataclass
class PageTimings(Timings):
    path: str = ""


async def time_page(client: httpx.AsyncClient, path: str, repeats: int) -> PageTimings:
    """Sequential GETs of one page: from sending the request to having read the whole HTML body."""
    timings = PageTimings(path=path)
    for _ in range(repeats):
        started = time.perf_counter()
        try:
            response = await client.get(path)
        except httpx.HTTPError as error:
            timings.error(type(error).__name__)
            continue
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            timings.error(f"{response.status_code} {response.headers.get('content-type', '')}")
            continue
        timings.seconds.append(elapsed)
        timings.body_bytes = len(response.content)
        timings.items = response.text.count("<tr data-job=")
    return timings


async def time_pages(url: str, namespace: str, repeats: int) -> dict[str, PageTimings]:
    """The pages a person opens most, as the admin (who sees every namespace), each warmed once first."""
    jobs = f"/clusters/local/namespaces/{namespace}/jobs"
    pages = {
        "cluster list": "/clusters",
        "cluster detail": "/clusters/local",
        f"Jobs list ({namespace})": jobs,
        "Jobs list, status filter": f"{jobs}?status=Waiting&sort=name",
        "Job detail": f"{jobs}/seed-00000",
        "wizard, first step": f"{jobs}/new",
    }
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(120.0)) as browser:
        signed_in = await browser.post(
            "/sign-in", data={"name": "admin", "password": ADMIN_PASSWORD, "next": "/clusters"}
        )
        if signed_in.status_code != 303:
            raise RuntimeError(f"web sign-in: {signed_in.status_code} {signed_in.text[:200]}")
        for path in pages.values():
            await browser.get(path)
        return {label: await time_page(browser, path, repeats) for label, path in pages.items()}


def page_line(label: str, timings: PageTimings) -> str:
    rows = f", {timings.items} rows" if timings.items else ""
    return latency_line(label, timings.seconds) + f"  ({timings.body_bytes / 1e3:.0f} kB{rows})"


# Concurrent creates


def job_form(name: str) -> Obj:
    """What the wizard posts for a one-container Job: the console validates it, builds the manifest, creates it."""
    return {
        "form": {
            "name": name,
            "description": "benchmark job",
            "instances": 1,
            "containers": [
                {
                    "name": "main",
                    "image": "busybox:1.36",
                    "lifecycle": {"command": ["sh", "-c"], "args": ["echo hello"]},
                    "resources": {
                        "cpuRequest": "100m",
                        "cpuLimit": "200m",
                        "memoryRequest": "64Mi",
                        "memoryLimit": "128Mi",
                    },
                }
            ],
            "advanced": {"parallelism": 1, "labels": [{"key": "bench", "value": "form"}]},
        }
    }


@dataclass
class User:
    name: str
    cluster: str
    namespace: str
    token: str = ""


async def user_loop(url: str, user: User, index: int, stop_at: float, timings: Timings) -> None:
    async with api_client(url, user.token, connections=1) as client:
        number = 0
        while time.perf_counter() < stop_at:
            name = f"u{index:02d}-{number:05d}"
            number += 1
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"/api/clusters/{user.cluster}/namespaces/{user.namespace}/jobs", json=job_form(name)
                )
            except httpx.HTTPError as error:
                timings.error(type(error).__name__)
                continue
            elapsed = time.perf_counter() - started
            if response.status_code != 201:
                timings.error(f"{response.status_code} {response.text[:120]}")
                continue
            timings.seconds.append(elapsed)


# Profiling


def start_profile(
    console: Console, args: argparse.Namespace, phase: str
) -> asyncio.Task[list[tuple[str, float]]] | None:
    """py-spy on the console for the first ``--py-spy`` seconds of a phase (it slows the console down)."""
    if not args.py_spy:
        return None
    workdir = console.data_dir.parent / phase
    workdir.mkdir(exist_ok=True)
    return asyncio.create_task(profile(console.process.pid, args.py_spy, workdir))


async def print_profile(profiling: asyncio.Task[list[tuple[str, float]]] | None, what: str) -> None:
    if profiling is None:
        return
    print(f"  py-spy during {what}: inclusive CPU of the busiest jobyard functions, as % of one core:")
    for frame, share in await profiling:
        print(f"    {share * 100:5.1f} %  {frame}")


# The run


async def benchmark(servers: dict[str, Server], console: Console, args: argparse.Namespace) -> list[Row]:
    url = console.url
    admin_token = await token_for(url, "admin", ADMIN_PASSWORD)
    async with api_client(url, admin_token, connections=8) as admin:
        kubeconfig = (servers["second"].data_dir / "kubeconfig").read_text()
        check(await admin.post("/api/clusters", json={"name": "second", "kubeconfig": kubeconfig}), 201)
        print(
            "joined: " + ", ".join(f"{c['name']} ({c['status']})" for c in check(await admin.get("/api/clusters"), 200))
        )

        namespaces = [f"team-{index:02d}" for index in range(args.namespaces)]
        for cluster in CLUSTERS:
            took = await seed(servers[cluster], namespaces, args.jobs)
            print(f"seeded {args.jobs} Jobs into {cluster} across {len(namespaces)} namespaces in {took:.1f} s")
        for cluster in CLUSTERS:
            pods = await wait_for_pods(servers[cluster], args.jobs)
            print(f"{cluster}: {pods} pods made by the Job controller (Pending: no node)")

        print("load average before the list: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
        await admin.get("/api/jobs")  # warm: connections, clients, caches
        profiling = start_profile(console, args, "list")
        everything = await time_list(admin, "/api/jobs", args.repeats)
        await print_profile(profiling, "the all-clusters job list")
        per_cluster = {c: await time_list(admin, f"/api/clusters/{c}/jobs", args.repeats) for c in CLUSTERS}
        one_namespace = await time_list(admin, f"/api/clusters/local/namespaces/{namespaces[0]}/jobs", args.repeats)

        print(f"\njob list, {args.repeats} sequential requests each (admin, all namespaces visible):")
        print(latency_line(f"all ({everything.items} Jobs)", everything.seconds))
        print(f"  {'':<22} body {everything.body_bytes / 1e6:.2f} MB")
        for cluster, timings in per_cluster.items():
            print(latency_line(f"{cluster} ({timings.items} Jobs)", timings.seconds))
        print(latency_line(f"one ns ({one_namespace.items} Jobs)", one_namespace.seconds))
        for label, timings in (("all", everything), *per_cluster.items(), ("one ns", one_namespace)):
            if timings.errors:
                print(f"  {label} errors: {timings.errors}")

        print("\nload average before the pages: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
        pages = await time_pages(url, namespaces[0], args.repeats)
        print(f"web pages, {args.repeats} sequential requests each (admin, signed in through /sign-in):")
        for label, timings in pages.items():
            print(page_line(label, timings))
            if timings.errors:
                print(f"  {label} errors: {timings.errors}")
        print(
            "  (the web has no all-namespaces Jobs page: a namespace's list shows at most 100 rows of that"
            " namespace; run with --namespaces 1 for the largest list a page can hold)"
        )

        users = [
            User(f"bench-{index:02d}", CLUSTERS[index % 2], namespaces[index // 2 % len(namespaces)])
            for index in range(args.users)
        ]
        for user in users:
            check(await admin.post("/api/users", json={"name": user.name, "password": USER_PASSWORD}), 201)
            grant = {"user": user.name, "role": "ns-editor", "cluster": user.cluster, "namespace": user.namespace}
            check(await admin.post("/api/grants", json=grant), 204)
    for user in users:
        user.token = await token_for(url, user.name, USER_PASSWORD)

    print(f"\n{len(users)} users creating Jobs through the form for {args.duration:g} s ...")
    print("load average before the creates: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    creates = Timings()
    started = time.perf_counter()
    stop_at = started + args.duration
    profiling = start_profile(console, args, "create")
    await asyncio.gather(*(user_loop(url, user, index, stop_at, creates) for index, user in enumerate(users)))
    elapsed = time.perf_counter() - started
    errors = sum(creates.errors.values())
    print("load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(latency_line("create (form -> cluster)", creates.seconds))
    print(f"  created {len(creates.seconds)} Jobs, {errors} errors, {len(creates.seconds) / elapsed:.1f} Jobs/s")
    for what, count in creates.errors.items():
        print(f"  error x{count}: {what}")
    await print_profile(profiling, "the creates")
    # The list is served from the console's cache: every Job it created must be in it at once.
    async with api_client(url, admin_token) as admin:
        listed = check(await admin.get("/api/jobs"), 200)
    assert isinstance(listed, dict)
    expected = args.jobs * len(CLUSTERS) + len(creates.seconds)
    print(f"job list right after the creates: {len(listed['items'])} Jobs (seeded + created: {expected})")
    console_rss, console_peak = rss_mb(console.process.pid)
    print(f"console RSS {console_rss:.0f} MB (peak {console_peak:.0f} MB)")

    def p99(timings: Timings) -> str:
        return f"{percentile([s * 1000 for s in timings.seconds], 99):.1f} ms" if timings.seconds else "no samples"

    def p50_p99(timings: Timings) -> str:
        if not timings.seconds:
            return "no samples"
        ms = [s * 1000 for s in timings.seconds]
        return f"p50 {percentile(ms, 50):.1f} / p99 {percentile(ms, 99):.1f} ms"

    def met(timings: Timings, target: float) -> bool:
        return (
            bool(timings.seconds)
            and not timings.errors
            and percentile([s * 1000 for s in timings.seconds], 99) <= target
        )

    return [
        Row(
            f"job list, {everything.items} Jobs, 2 clusters",
            f"p99 <= {TARGET_LIST_P99_MS:g} ms",
            p99(everything),
            met(everything, TARGET_LIST_P99_MS),
        ),
        *(
            Row(f"  one cluster ({c})", f"p99 <= {TARGET_LIST_P99_MS:g} ms", p99(t), met(t, TARGET_LIST_P99_MS))
            for c, t in per_cluster.items()
        ),
        Row(
            "  one namespace",
            f"p99 <= {TARGET_LIST_P99_MS:g} ms",
            p99(one_namespace),
            met(one_namespace, TARGET_LIST_P99_MS),
        ),
        *(
            Row(
                ("web: " if index == 0 else "  ") + label,
                f"p99 <= {TARGET_PAGE_MS:g} ms",
                p50_p99(timings),
                met(timings, TARGET_PAGE_MS),
            )
            for index, (label, timings) in enumerate(pages.items())
        ),
        Row(f"{len(users)} users creating: errors", "0", str(errors), errors == 0),
        Row(
            "  create p99 (form -> cluster)",
            f"p99 <= {TARGET_CREATE_P99_MS:g} ms",
            p99(creates),
            met(creates, TARGET_CREATE_P99_MS),
        ),
        Row("  throughput", "(no target)", f"{len(creates.seconds) / elapsed:.1f} Jobs/s", True),
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--jobs", type=int, default=None, help="Jobs seeded per cluster (default 1000; 200 with --quick)"
    )
    parser.add_argument("--namespaces", type=int, default=10, help="namespaces per cluster the Jobs spread over (10)")
    parser.add_argument(
        "--repeats", type=int, default=None, help="requests per job-list figure (default 100; 20 with --quick)"
    )
    parser.add_argument("--users", type=int, default=20, help="concurrent users creating Jobs (20)")
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds of creating (default 60; 10 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 Jobs per cluster, 10 s of creates")
    parser.add_argument(
        "--py-spy", type=int, default=0, metavar="SECONDS", help="profile the console in each phase (py-spy in .venv)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dirs and server logs afterwards")
    args = parser.parse_args(argv)
    if args.jobs is None:
        args.jobs = 200 if args.quick else 1000
    if args.repeats is None:
        args.repeats = 20 if args.quick else 100
    if args.duration is None:
        args.duration = 10.0 if args.quick else 60.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="jobyard-bench-console-"))
    servers: dict[str, Server] = {}
    console: Console | None = None
    try:
        try:
            for cluster in CLUSTERS:
                (workdir / cluster).mkdir()
                servers[cluster] = Server.start(workdir / cluster / "data")
            for server in servers.values():
                server.wait_ready()
            (workdir / "console").mkdir()
            console = Console.start(workdir / "console" / "data", servers["local"].data_dir / "kubeconfig")
            console.wait_ready()
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 1
        rows = asyncio.run(benchmark(servers, console, args))
    finally:
        if console is not None:
            console.stop()
        for server in servers.values():
            server.stop()
        if args.keep:
            print(f"\nkept {workdir} (data dirs, server.log and console.log)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nissue 5 and 6 targets ({os.cpu_count()} CPUs; clusters, console and client share them):")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
