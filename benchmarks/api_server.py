"""Benchmark of the embedded API server against issue 2's targets.

Starts ``jobyard up --no-console`` on a temporary data dir, seeds pods into one
namespace, then drives an open-loop mix of creates, updates, merge patches,
gets and namespace LISTs at a fixed rate while a raw watch stream records when
each write's event arrives. Prints latency percentiles, idle RSS and a table
against the targets. It is a benchmark, not a test: it exits 0 whether or not
the targets are met (1 only when the server cannot be started).

    .venv/bin/python benchmarks/api_server.py            # 3,000 pods, 20 req/s, 30 s
    .venv/bin/python benchmarks/api_server.py --quick    # 300 pods, 10 s
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

Obj = dict[str, Any]

NAMESPACE = "bench"
JOBYARD = Path(sys.executable).with_name("jobyard")

# Share of each operation in the load, in percent. LISTs are rare but heavy:
# one in twenty requests returns every pod in the namespace.
MIX = {"create": 20, "update": 20, "patch": 20, "get": 35, "list": 5}
WRITES = ("create", "update", "patch")

# Requests in flight while seeding: enough to keep the server busy, no more.
SEED_CONCURRENCY = 16
# Connections opened before the load starts, so a burst queued behind a LIST
# does not also pay for TLS handshakes on the server's only thread.
WARM_CONNECTIONS = 16

TARGETS_MS = {"writes": 50.0, "get": 20.0, "list": 1000.0, "watch": 100.0}
TARGET_IDLE_RSS_MB = 150.0


# The server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB: current and peak resident memory."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024  # kB
    return fields["VmRSS"], fields["VmHWM"]


@dataclass
class Server:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""
    token: str = ""
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def start(cls, data_dir: Path, extra_args: tuple[str, ...] = (), *, node: bool = False) -> Server:
        """``jobyard up`` on ``data_dir`` and a free port; without the node unless ``node``."""
        port = free_port()
        log_path = data_dir.parent / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    str(JOBYARD),
                    "up",
                    "--data-dir",
                    str(data_dir),
                    "--api-port",
                    str(port),
                    "--no-console",
                    *(() if node else ("--no-node",)),
                    *extra_args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return cls(data_dir, port, process, log_path)

    def wait_ready(self, timeout: float = 60.0) -> None:
        # The kubeconfig is written before /readyz answers, so its CA can
        # verify the readiness probe itself.
        deadline = time.monotonic() + timeout
        kubeconfig = self.data_dir / "kubeconfig"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_path.read_text()}")
            if kubeconfig.exists():
                try:
                    self._read_kubeconfig(kubeconfig)
                    response = httpx.get(f"{self.url}/readyz", verify=self.ssl_context or True, timeout=2)
                    if response.status_code == 200:
                        return
                except (httpx.HTTPError, yaml.YAMLError, KeyError, TypeError, ValueError):
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"the server was not ready within {timeout:.0f} s:\n{self.log_path.read_text()}")

    def _read_kubeconfig(self, path: Path) -> None:
        document = yaml.safe_load(path.read_text())
        cluster = document["clusters"][0]["cluster"]
        self.url = cluster["server"]
        self.token = document["users"][0]["user"]["token"]
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        self.ssl_context = ssl.create_default_context(cadata=ca)

    def client(self, connections: int = 64) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url,
            verify=self.ssl_context or True,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=httpx.Timeout(60.0),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# Pods


def pod_manifest(name: str, index: int) -> Obj:
    """A pod as a Job controller would make it: about 1.5 KB of JSON."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/name": "trainer",
                "app.kubernetes.io/part-of": "bench",
                "batch.kubernetes.io/job-name": f"train-{index // 10}",
                "shard": str(index % 10),
            },
            "annotations": {"jobyard.dev/submitted-by": "benchmark", "jobyard.dev/attempt": "1"},
        },
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 30,
            "containers": [
                {
                    "name": "trainer",
                    "image": "registry.example.com/ml/trainer:1.4.2",
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["python", "-m", "trainer.main"],
                    "args": ["--epochs=10", "--batch-size=64", f"--shard={index % 10}", "--output=/data/out"],
                    "env": [
                        {"name": "JOB_INDEX", "value": str(index)},
                        {"name": "LOG_LEVEL", "value": "info"},
                        {"name": "DATA_DIR", "value": "/data"},
                        {"name": "PYTHONUNBUFFERED", "value": "1"},
                        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    ],
                    "resources": {
                        "requests": {"cpu": "500m", "memory": "512Mi"},
                        "limits": {"cpu": "1", "memory": "1Gi"},
                    },
                    "ports": [{"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
            "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}}],
        },
    }


def pods_path(name: str | None = None) -> str:
    base = f"/api/v1/namespaces/{NAMESPACE}/pods"
    return f"{base}/{name}" if name else base


# Measurements


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with ``q`` % at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats creeping in
    return ordered[int(rank) - 1]


@dataclass
class Write:
    op: str
    sent: float  # perf_counter when the request left
    resource_version: str


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, dict[int | str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    writes: list[Write] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)  # how late each request left versus its schedule
    list_bytes: int = 0


class WatchRecorder:
    """Reads a raw watch stream and notes when each resourceVersion arrives."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.connected = asyncio.Event()
        self.error: str | None = None

    async def run(self, client: httpx.AsyncClient, since: str) -> None:
        params = {"watch": "1", "resourceVersion": since}
        try:
            async with client.stream("GET", pods_path(), params=params, timeout=httpx.Timeout(None)) as response:
                self.connected.set()
                async for line in response.aiter_lines():
                    arrived = time.perf_counter()
                    if not line:
                        continue
                    event = json.loads(line)
                    if event["type"] == "ERROR":
                        self.error = json.dumps(event["object"])
                        return
                    self.arrivals[event["object"]["metadata"]["resourceVersion"]] = arrived
        except httpx.HTTPError as exc:
            self.error = repr(exc)
        finally:
            self.connected.set()


# Seeding


async def seed(client: httpx.AsyncClient, count: int) -> tuple[dict[str, Obj], float]:
    """Create ``count`` pods; returns them by name and the seconds it took."""
    pods: dict[str, Obj] = {}
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:
            name = f"seed-{index:05d}"
            response = await client.post(pods_path(), json=pod_manifest(name, index))
            if response.status_code != 201:
                raise RuntimeError(f"seeding {name}: {response.status_code} {response.text[:500]}")
            pods[name] = response.json()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(SEED_CONCURRENCY)))
    return pods, time.perf_counter() - started


# The load


class Load:
    """Open-loop load: requests leave on a Poisson schedule, never waiting for answers."""

    def __init__(self, client: httpx.AsyncClient, pods: dict[str, Obj], rate: float, seconds: float) -> None:
        self.client = client
        self.latest = pods  # the newest copy of each pod, so PUTs carry its resourceVersion
        self.names = list(pods)
        self.busy: set[str] = set()  # pods with a write in flight: a second one would conflict
        self.rate = rate
        self.seconds = seconds
        self.random = random.Random(2)
        self.results = Results()
        self.created = 0
        self.counter = 0

    async def run(self) -> Results:
        loop = asyncio.get_running_loop()
        ops, weights = list(MIX), list(MIX.values())
        tasks: set[asyncio.Task[None]] = set()
        start = loop.time()
        due = start
        while True:
            due += self.random.expovariate(self.rate)
            if due - start >= self.seconds:
                break
            await asyncio.sleep(max(0.0, due - loop.time()))
            self.results.lags.append(loop.time() - due)
            op = self.random.choices(ops, weights)[0]
            task = asyncio.create_task(self._one(op))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
        return self.results

    def _idle_pod(self) -> str | None:
        for _ in range(20):
            name = self.random.choice(self.names)
            if name not in self.busy:
                return name
        return None

    async def _one(self, op: str) -> None:
        self.counter += 1
        name: str | None = None
        if op in ("update", "patch"):
            name = self._idle_pod()
            if name is None:
                self.results.errors[op]["no idle pod"] += 1
                return
            self.busy.add(name)
        try:
            await self._send(op, name)
        finally:
            self.busy.discard(name or "")

    async def _send(self, op: str, name: str | None) -> None:
        counter = str(self.counter)
        request: httpx.Request
        if op == "create":
            self.created += 1
            name = f"load-{self.created:05d}"
            request = self.client.build_request("POST", pods_path(), json=pod_manifest(name, self.created))
        elif op == "update":
            assert name is not None
            body = copy.deepcopy(self.latest[name])
            body["metadata"].setdefault("annotations", {})["jobyard.dev/updated"] = counter
            request = self.client.build_request("PUT", pods_path(name), json=body)
        elif op == "patch":
            assert name is not None
            patch = {"metadata": {"labels": {"bench-patch": counter}}}
            request = self.client.build_request(
                "PATCH",
                pods_path(name),
                content=json.dumps(patch),
                headers={"Content-Type": "application/merge-patch+json"},
            )
        elif op == "get":
            request = self.client.build_request("GET", pods_path(self.random.choice(self.names)))
        else:
            request = self.client.build_request("GET", pods_path())
        sent = time.perf_counter()
        try:
            response = await self.client.send(request)
        except httpx.HTTPError as exc:
            self.results.errors[op][type(exc).__name__] += 1
            return
        elapsed = time.perf_counter() - sent
        if response.status_code >= 300:
            self.results.errors[op][response.status_code] += 1
            return
        self.results.latencies[op].append(elapsed)
        if op == "list":
            self.results.list_bytes = max(self.results.list_bytes, len(response.content))
        if op in WRITES:
            obj = response.json()
            self.latest[obj["metadata"]["name"]] = obj
            if op == "create":
                self.names.append(obj["metadata"]["name"])
            self.results.writes.append(Write(op, sent, obj["metadata"]["resourceVersion"]))


# Reporting


@dataclass
class Row:
    label: str
    target: str
    measured: str
    met: bool


def latency_line(label: str, seconds: list[float]) -> str:
    if not seconds:
        return f"  {label:<22} n=0"
    ms = [s * 1000 for s in seconds]
    return (
        f"  {label:<22} n={len(ms):<5} p50={percentile(ms, 50):8.1f}  p95={percentile(ms, 95):8.1f}  "
        f"p99={percentile(ms, 99):8.1f}  max={max(ms):8.1f} ms"
    )


def p99_ms(seconds: list[float]) -> float | None:
    return percentile([s * 1000 for s in seconds], 99) if seconds else None


def target_row(label: str, seconds: list[float], target_ms: float) -> Row:
    p99 = p99_ms(seconds)
    if p99 is None:
        return Row(label, f"p99 <= {target_ms:g} ms", "no samples", False)
    return Row(label, f"p99 <= {target_ms:g} ms", f"{p99:.1f} ms", p99 <= target_ms)


def print_table(rows: list[Row]) -> None:
    widths = [max(len(r.label) for r in rows), max(len(r.target) for r in rows), max(len(r.measured) for r in rows)]
    header = f"  {'target':<{widths[0]}}  {'goal':<{widths[1]}}  {'measured':<{widths[2]}}  verdict"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for row in rows:
        verdict = "met" if row.met else "NOT MET"
        print(f"  {row.label:<{widths[0]}}  {row.target:<{widths[1]}}  {row.measured:<{widths[2]}}  {verdict}")


# Main


async def benchmark(server: Server, args: argparse.Namespace) -> list[Row]:
    pid = server.process.pid
    idle_rss, _ = rss_mb(pid)
    print(f"server pid {pid}, {server.url}, data dir {server.data_dir}")
    # Other work on the machine shows up in every percentile: say how busy it was.
    print("load average before: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(f"idle RSS after start (nothing stored): {idle_rss:.1f} MB")

    async with server.client() as client, server.client(connections=1) as watch_client:
        response = await client.post(
            "/api/v1/namespaces", json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        )
        response.raise_for_status()

        pods, took = await seed(client, args.pods)
        sample = next(iter(pods.values()))
        sent_size = len(json.dumps(pod_manifest("seed-00000", 0), separators=(",", ":")))
        stored_size = len(json.dumps(sample, separators=(",", ":")))
        print(
            f"seeded {args.pods} pods in {took:.1f} s ({args.pods / took:.0f} pods/s, "
            f"{SEED_CONCURRENCY} in flight); a pod is {sent_size} B as sent, {stored_size} B as stored"
        )
        seeded_rss, _ = rss_mb(pid)
        print(f"RSS after seeding: {seeded_rss:.1f} MB")

        listed = await client.get(pods_path())
        listed.raise_for_status()
        items = len(listed.json()["items"])
        print(f"LIST returns {items} pods, {len(listed.content) / 1e6:.1f} MB")

        await asyncio.gather(*(client.get("/readyz") for _ in range(WARM_CONNECTIONS)))

        recorder = WatchRecorder()
        watch_task = asyncio.create_task(recorder.run(watch_client, listed.json()["metadata"]["resourceVersion"]))
        await recorder.connected.wait()

        mix = ", ".join(f"{op} {share}%" for op, share in MIX.items())
        print(f"\nload: {args.rate:g} req/s open loop (Poisson) for {args.seconds:g} s; mix {mix}")
        load = Load(client, pods, args.rate, args.seconds)
        results = await load.run()

        # Give the stream a moment to deliver the last writes' events.
        wanted = {w.resource_version for w in results.writes}
        deadline = time.perf_counter() + 5
        while not wanted <= recorder.arrivals.keys() and time.perf_counter() < deadline and not watch_task.done():
            await asyncio.sleep(0.05)
        watch_task.cancel()
        try:
            await watch_task
        except asyncio.CancelledError:
            pass

    loaded_rss, peak_rss = rss_mb(pid)
    print("load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))

    lat = results.latencies
    writes = [s for op in WRITES for s in lat[op]]
    arrivals = recorder.arrivals
    watch = [arrivals[w.resource_version] - w.sent for w in results.writes if w.resource_version in arrivals]
    missed = len(results.writes) - len(watch)

    print("\nlatency (client-side, from request sent to response read):")
    print(latency_line("create+update+patch", writes))
    for op in (*WRITES, "get", "list"):
        print(latency_line(op, lat[op]))
    print(latency_line("write -> watch event", watch))
    if results.list_bytes:
        print(f"  (LIST bodies up to {results.list_bytes / 1e6:.1f} MB)")
    if missed or recorder.error:
        print(f"  watch: {missed} write(s) never seen on the stream; stream error: {recorder.error}")
    lags_ms = [lag * 1000 for lag in results.lags]
    if lags_ms:
        print(f"  client send lag vs schedule: p99 {percentile(lags_ms, 99):.1f} ms, max {max(lags_ms):.1f} ms")
    for op, counts in results.errors.items():
        print(f"  {op} failures: " + ", ".join(f"{code} x{n}" for code, n in counts.items()))
    print(f"RSS after load: {loaded_rss:.1f} MB (peak {peak_rss:.1f} MB)")

    rows = [
        target_row("create/update/patch", writes, TARGETS_MS["writes"]),
        *(target_row(f"  {op}", lat[op], TARGETS_MS["writes"]) for op in WRITES),
        target_row("get", lat["get"], TARGETS_MS["get"]),
        target_row(f"LIST of {items} pods", lat["list"], TARGETS_MS["list"]),
        target_row("write -> watcher", watch, TARGETS_MS["watch"]),
        Row("idle RSS", f"<= {TARGET_IDLE_RSS_MB:g} MB", f"{idle_rss:.1f} MB", idle_rss <= TARGET_IDLE_RSS_MB),
    ]
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=None, help="pods to seed (default 3000; 300 with --quick)")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second during the load (default 20)")
    parser.add_argument("--seconds", type=float, default=None, help="load duration (default 30; 10 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 pods, 10 s")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and server log afterwards")
    args = parser.parse_args(argv)
    if args.pods is None:
        args.pods = 300 if args.quick else 3000
    if args.seconds is None:
        args.seconds = 10.0 if args.quick else 30.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="jobyard-bench-"))
    server = Server.start(workdir / "data")
    try:
        try:
            server.wait_ready()
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 1
        rows = asyncio.run(benchmark(server, args))
    finally:
        server.stop()
        if args.keep:
            print(f"\nkept {workdir} (data dir and server.log)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nissue 2 targets ({os.cpu_count()} CPUs):")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
