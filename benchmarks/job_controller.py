"""Benchmark of the Job controller's own cost against issue 3's targets.

Starts ``jobyard up --no-console`` on a temporary data dir, creates one
Indexed Job and plays the kubelet: a watch on the Job's pods marks each new
pod Succeeded (a terminated container, exit code 0) through pods/status as
soon as it appears. No runtime runs anything, so what is measured is the
control plane: the Job controller creating pods, counting them through the
tracking finalizer and writing status, plus the API serving the benchmark's
writes. Prints pods/s, server CPU per completed pod (utime + stime of the
server process from /proc/PID/stat) and peak RSS (VmHWM). It is a benchmark,
not a test: it exits 0 whether or not the targets are met.

    .venv/bin/python benchmarks/job_controller.py              # 10,000 completions, parallelism 100
    .venv/bin/python benchmarks/job_controller.py --quick      # 1,000 completions
    .venv/bin/python benchmarks/job_controller.py --completions 5000 --parallelism 500
    .venv/bin/python benchmarks/job_controller.py --batch-seconds 0.1   # one period only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from api_server import Server, rss_mb  # noqa: E402  (a sibling script, not a package)

Obj = dict[str, Any]

NAMESPACE = "bench"
JOB = "wide"
JOBS = f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs"
PODS = f"/api/v1/namespaces/{NAMESPACE}/pods"
SELECTOR = f"batch.kubernetes.io/job-name={JOB}"
MERGE = {"Content-Type": "application/merge-patch+json"}
# Status writes in flight at once: the kubelet side of the benchmark.
KUBELET_CONCURRENCY = 16
PATCH_ATTEMPTS = 5
# Upstream batches pod events for 1 s before a Job syncs, so a sync round
# takes at least that long and at most `parallelism` pods finish per round.
# The benchmark runs upstream's period and a shorter one (`jobyard up
# --job-pod-batch-seconds`), which shows what the controller itself can do.
BATCH_PERIODS_SECONDS = (1.0, 0.1)

TARGET_PODS_PER_SECOND = 200.0
TARGET_CPU_MS_PER_POD = 5.0
TARGET_PEAK_RSS_MB = 300.0

SUCCEEDED = {
    "status": {
        "phase": "Succeeded",
        "containerStatuses": [
            {
                "name": "main",
                "image": "busybox",
                "imageID": "",
                "ready": False,
                "restartCount": 0,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
            }
        ],
    }
}


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` in seconds (fields 14 and 15 of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def job_manifest(completions: int, parallelism: int) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": JOB},
        "spec": {
            "completionMode": "Indexed",
            "completions": completions,
            "parallelism": parallelism,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {"name": "main", "image": "busybox", "command": ["sh", "-c", "echo $JOB_COMPLETION_INDEX"]}
                    ],
                }
            },
        },
    }


@dataclass
class Kubelet:
    """Marks every pod of the Job Succeeded as soon as the watch shows it."""

    client: httpx.AsyncClient
    marked: set[str] = field(default_factory=set)
    errors: int = 0
    _slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(KUBELET_CONCURRENCY))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(self, resource_version: str) -> None:
        params = {"watch": "1", "labelSelector": SELECTOR, "resourceVersion": resource_version}
        while True:
            async with self.client.stream("GET", PODS, params=params, timeout=None) as response:
                async for line in response.aiter_lines():
                    if not line:
                        continue
                    event = json.loads(line)
                    if event["type"] == "ERROR":
                        break
                    pod = event["object"]
                    params["resourceVersion"] = pod["metadata"]["resourceVersion"]
                    if event["type"] == "ADDED":
                        self._complete(pod)
            # The watch expired (410): list again and carry on from there.
            listed = (await self.client.get(PODS, params={"labelSelector": SELECTOR})).json()
            for pod in listed["items"]:
                if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                    self._complete(pod)
            params["resourceVersion"] = listed["metadata"]["resourceVersion"]

    def _complete(self, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        if name in self.marked or pod["metadata"].get("deletionTimestamp"):
            return
        self.marked.add(name)
        task = asyncio.create_task(self._patch(name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _patch(self, name: str) -> None:
        # A refused or lost write is tried again: a pod left running would hold the Job open forever.
        for _ in range(PATCH_ATTEMPTS):
            try:
                async with self._slots:
                    response = await self.client.patch(f"{PODS}/{name}/status", json=SUCCEEDED, headers=MERGE)
            except httpx.HTTPError:
                self.errors += 1
                continue
            if response.status_code == 200 or response.status_code == 404:
                return
            self.errors += 1
        self.marked.discard(name)


@dataclass
class Figures:
    completions: int
    parallelism: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    idle_rss_mb: float
    succeeded: int
    completed_indexes: str
    kubelet_errors: int
    progress: list[tuple[float, int]]

    @property
    def pods_per_second(self) -> float:
        return self.succeeded / self.seconds

    @property
    def cpu_ms_per_pod(self) -> float:
        return 1000 * self.cpu_seconds / max(self.succeeded, 1)


def is_complete(job: Obj) -> bool:
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(c["type"] in ("Complete", "Failed") and c["status"] == "True" for c in conditions)


async def benchmark(server: Server, completions: int, parallelism: int, timeout: float) -> Figures:
    pid = server.process.pid
    idle_rss, _ = rss_mb(pid)
    async with server.client(connections=KUBELET_CONCURRENCY + 4) as client:
        response = await client.post("/api/v1/namespaces", json={"metadata": {"name": NAMESPACE}})
        response.raise_for_status()
        listed = (await client.get(PODS)).json()
        kubelet = Kubelet(client)
        watching = asyncio.create_task(kubelet.run(listed["metadata"]["resourceVersion"]))
        cpu_before = cpu_seconds(pid)
        started = time.monotonic()
        (await client.post(JOBS, json=job_manifest(completions, parallelism))).raise_for_status()
        progress: list[tuple[float, int]] = []
        try:
            while True:
                await asyncio.sleep(0.25)
                job = (await client.get(f"{JOBS}/{JOB}")).json()
                elapsed = time.monotonic() - started
                progress.append((elapsed, (job.get("status") or {}).get("succeeded", 0)))
                if is_complete(job):
                    break
                if elapsed > timeout:
                    raise RuntimeError(f"the Job did not finish within {timeout:.0f} s: {job.get('status')}")
        finally:
            watching.cancel()
        seconds = time.monotonic() - started
        cpu = cpu_seconds(pid) - cpu_before
    _, peak = rss_mb(pid)
    status = job["status"]
    return Figures(
        completions=completions,
        parallelism=parallelism,
        seconds=seconds,
        cpu_seconds=cpu,
        peak_rss_mb=peak,
        idle_rss_mb=idle_rss,
        succeeded=status.get("succeeded", 0),
        completed_indexes=status.get("completedIndexes", ""),
        kubelet_errors=kubelet.errors,
        progress=progress,
    )


def report(figures: Figures, batch_seconds: float) -> None:
    print(
        f"Indexed Job: {figures.completions} completions, parallelism {figures.parallelism}, "
        f"pod-event batching {batch_seconds:g} s"
    )
    print(
        f"  finished in {figures.seconds:.1f} s: succeeded {figures.succeeded}, completedIndexes {figures.completed_indexes!r}"
    )
    if figures.kubelet_errors:
        print(f"  status writes refused: {figures.kubelet_errors}")
    steady = [p for p in figures.progress if 0 < p[1] < figures.completions]
    if len(steady) >= 2:
        (t0, n0), (t1, n1) = steady[0], steady[-1]
        print(f"  steady-state rate: {(n1 - n0) / (t1 - t0):.0f} pods/s")
    bound = figures.parallelism / batch_seconds
    print(f"  ceiling from the batching: parallelism / {batch_seconds:g} s = {bound:.0f} pods/s")
    print(
        f"  server CPU: {figures.cpu_seconds:.1f} s ({100 * figures.cpu_seconds / figures.seconds:.0f} % of one core)"
    )
    print(f"  RSS: idle {figures.idle_rss_mb:.0f} MB, peak {figures.peak_rss_mb:.0f} MB")
    print()
    rows = [
        (
            "pods/s",
            figures.pods_per_second,
            f">= {TARGET_PODS_PER_SECOND:.0f}",
            figures.pods_per_second >= TARGET_PODS_PER_SECOND,
        ),
        (
            "CPU ms per pod",
            figures.cpu_ms_per_pod,
            f"<= {TARGET_CPU_MS_PER_POD:.0f}",
            figures.cpu_ms_per_pod <= TARGET_CPU_MS_PER_POD,
        ),
        ("peak RSS MB", figures.peak_rss_mb, f"<= {TARGET_PEAK_RSS_MB:.0f}", figures.peak_rss_mb <= TARGET_PEAK_RSS_MB),
    ]
    print(f"{'figure':<16}{'measured':>10}  {'target':<8}  result")
    for label, value, target, met in rows:
        print(f"{label:<16}{value:>10.1f}  {target:<8}  {'met' if met else 'MISSED'}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--completions", type=int, default=10_000)
    parser.add_argument("--parallelism", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="1,000 completions: a smoke run")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and server.log")
    parser.add_argument(
        "--batch-seconds",
        type=float,
        action="append",
        help=f"pod-event batch period to run with; repeatable (default: {', '.join(map(str, BATCH_PERIODS_SECONDS))})",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.completions = 1_000
    return args


def run_once(args: argparse.Namespace, batch_seconds: float) -> Figures | None:
    workdir = Path(tempfile.mkdtemp(prefix="jobyard-job-bench-"))
    server = Server.start(workdir / "data", ("--job-pod-batch-seconds", str(batch_seconds)))
    try:
        try:
            server.wait_ready()
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return None
        return asyncio.run(benchmark(server, args.completions, args.parallelism, args.timeout))
    finally:
        server.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for batch_seconds in args.batch_seconds or BATCH_PERIODS_SECONDS:
        figures = run_once(args, batch_seconds)
        if figures is None:
            return 1
        report(figures, batch_seconds)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
