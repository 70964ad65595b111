"""Benchmark of the node (scheduler, kubelet, sandbox runtime) against issue 4's targets.

Every run loads the busybox test image (tests/imagetools.py) into a fresh data
dir with ``jobyard image load`` and starts ``jobyard up --no-console`` with the
node on. Pods name the image by tag with imagePullPolicy IfNotPresent, so it
is already present and nothing is pulled. It is a benchmark, not a test: it
prints figures and a table of targets and exits 0 whether or not they are met.

Throughput: one Indexed Job (``--completions``, parallelism 50) of
``sh -c 'echo $JOB_COMPLETION_INDEX'``, timed from its POST to the Complete
condition seen by a watch on the Job; then every pod's log is read and must be
its index. It runs once per pod-event batch period (upstream's 1 s and 0.1 s
by default, ``--batch-seconds``): one Job sync replaces at most
``parallelism`` pods, so at 1 s the rate is capped at parallelism/s. Beside it
two floors run the same number of tasks:

- bwrap: the same commands straight under bubblewrap, ``xargs -P 10``, on one
  overlay of the image's unpacked layers, with the namespaces and mounts the
  sandbox uses (no cgroup, no pod network namespace, no API);
- Slurm: where slurm-wlm is installed, a one-node slurmctld + slurmd (and a
  munged) configured in a temporary directory, with 50 CPUs declared and
  Slurm's default scheduler settings, run ``sbatch --array=0-N%50`` of
  ``true``, timed until squeue no longer lists the array (``sbatch --wait``
  polls with growing sleeps and returns up to 30 s late). Without slurm-wlm
  the row says why.

Pod startup latency: 100 single-pod Jobs POSTed at 5/s. A container prints
when it started: ``touch /tmp/t; stat -c %y /tmp/t`` prints the file's
modification time with nanoseconds (busybox ``date`` has no ``%N``), which is
the host's wall clock because containers share the kernel's clock (fine-grained
on this kernel, else within one jiffy). The latency is that time minus the
client's ``time.time()`` just before the Job's POST; API timestamps are whole
seconds and are not used. A watch on the pods splits it: POST -> pod ADDED
(the Job controller) and ADDED -> container start (scheduler, kubelet,
sandbox); the time the watch first shows the container running or terminated
is printed too.

Overhead: CPU per pod of the server process (utime + stime of its threads,
from /proc/PID/stat) and of its reaped children (cutime + cstime: bwrap, the
containers, ``ip``/``nsenter``...), from an Indexed Job of 2,000 completions
(``--overhead-completions``; 500 with ``--quick``) at the shortest batch
period. The bwrap floor's CPU per task (getrusage of the reaped xargs, bwrap
and sh) is the sandbox's own cost and is subtracted. RSS is sampled every
second during the Job (start/mid/end) and read once it is Complete; its growth
over the second half of the pods is held against the budget that keeps
10,000 finished pods under 300 MB, and RSS at 10,000 pods is extrapolated
from it unless the Job had 10,000 (about 12 minutes on 2 cores today).

    .venv/bin/python benchmarks/node.py                   # everything: about 8 minutes
    .venv/bin/python benchmarks/node.py --quick           # 200 completions, 20 startup Jobs, 500-pod overhead
    .venv/bin/python benchmarks/node.py --only overhead --overhead-completions 10000
    .venv/bin/python benchmarks/node.py --only throughput --completions 10000 --batch-seconds 0.1
    .venv/bin/python benchmarks/node.py --only throughput --py-spy 15   # profile the server meanwhile
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from api_server import JOBYARD, Row, Server, percentile, rss_mb  # noqa: E402  (sibling scripts)

from imagetools import busybox_layout, oci_archive  # noqa: E402  (the tests' image builder)

Obj = dict[str, Any]

NAMESPACE = "bench"
IMAGE = "jobyard.bench/busybox:1"
JOBS = f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs"
PODS = f"/api/v1/namespaces/{NAMESPACE}/pods"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
ECHO_INDEX = "echo $JOB_COMPLETION_INDEX"
# Prints the container's start as the host's wall clock, with nanoseconds.
STAMP = "touch /tmp/t; stat -c %y /tmp/t"

PARALLELISM = 50
FLOOR_PARALLELISM = 10  # xargs -P
BATCH_PERIODS_SECONDS = (1.0, 0.1)
STARTUP_RATE = 5.0  # Jobs per second
LOG_CONCURRENCY = 16
STALL_SECONDS = 60.0  # a Job run gives up when no pod finished for this long
PY_SPY_RATE = 100  # samples per second
PY_SPY_TOP = 30
# Leaf frames of threads that wait (py-spy reports them as active).
PY_SPY_IDLE = ("_do_waitpid", "concurrent/futures/thread.py:81", "Condition.wait")

TARGET_SECONDS_PER_1000 = 10.0
TARGET_SECONDS_PER_10000 = 200.0
TARGET_FLOOR_RATIO = 3.0
TARGET_STARTUP_P50_MS = 200.0
TARGET_STARTUP_P99_MS = 1000.0
TARGET_CPU_MS_PER_POD = 10.0
TARGET_RSS_MB = 300.0
TARGET_RSS_PODS = 10_000  # finished pods the RSS target is for


# Processes


@dataclass(frozen=True)
class Cpu:
    """CPU seconds of a process (its threads) and of its reaped children, user and system."""

    user: float
    system: float
    children_user: float
    children_system: float

    @classmethod
    def of(cls, pid: int) -> Cpu:
        """utime, stime, cutime and cstime: fields 14 to 17 of /proc/PID/stat."""
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        tick = os.sysconf("SC_CLK_TCK")
        return cls(*(int(value) / tick for value in fields[11:15]))

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(
            self.user - other.user,
            self.system - other.system,
            self.children_user - other.children_user,
            self.children_system - other.children_system,
        )

    @property
    def own(self) -> float:
        return self.user + self.system

    @property
    def children(self) -> float:
        return self.children_user + self.children_system


def children_cpu() -> float:
    """CPU seconds of this process's reaped children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def target_seconds(completions: int) -> float:
    """Issue 4: 1,000 pods in 10 s, 10,000 in 200 s; other sizes scale the nearer one."""
    if completions >= 10_000:
        return TARGET_SECONDS_PER_10000 * completions / 10_000
    return TARGET_SECONDS_PER_1000 * completions / 1000


def build_archive(workdir: Path) -> Path:
    layout = busybox_layout(workdir / "layout", tag=IMAGE)
    return oci_archive(layout, workdir / "busybox.tar")


def load_image(archive: Path, data_dir: Path) -> None:
    subprocess.run(
        [str(JOBYARD), "image", "load", str(archive), "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
    )


def image_layers(data_dir: Path) -> list[Path]:
    """The loaded image's unpacked layer directories, lowest first."""
    document = json.loads((data_dir / "images" / "images.json").read_text())
    (image,) = document["images"].values()
    return [data_dir / "images" / "layers" / diff_id.removeprefix("sha256:") for diff_id in image["diff_ids"]]


@contextlib.contextmanager
def node_server(workdir: Path, archive: Path, batch_seconds: float, keep: bool) -> Iterator[Server]:
    """A fresh data dir with the image loaded, and ``jobyard up`` with the node on it."""
    workdir.mkdir(parents=True)
    data_dir = workdir / "data"
    load_image(archive, data_dir)
    server = Server.start(data_dir, ("--job-pod-batch-seconds", str(batch_seconds)), node=True)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def job_manifest(name: str, script: str, completions: int, parallelism: int, indexed: bool = True) -> Obj:
    spec: Obj = {
        "completions": completions,
        "parallelism": parallelism,
        "backoffLimit": 6,
        "template": {
            "spec": {
                "restartPolicy": "Never",
                "containers": [
                    {"name": "main", "image": IMAGE, "imagePullPolicy": "IfNotPresent", "command": ["sh", "-c", script]}
                ],
            }
        },
    }
    if indexed:
        spec["completionMode"] = "Indexed"
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec}


def is_complete(job: Obj) -> bool:
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(c["type"] in ("Complete", "Failed") and c["status"] == "True" for c in conditions)


def condition(job: Obj) -> str:
    conditions = (job.get("status") or {}).get("conditions") or []
    return ",".join(c["type"] for c in conditions if c["status"] == "True" and c["type"] in ("Complete", "Failed"))


async def watch(client: httpx.AsyncClient, path: str, since: str) -> AsyncIterator[tuple[float, Obj]]:
    """(arrival time.monotonic(), event) of a raw watch from ``since``."""
    params = {"watch": "1", "resourceVersion": since}
    async with client.stream("GET", path, params=params, timeout=httpx.Timeout(None)) as response:
        async for line in response.aiter_lines():
            if line:
                yield time.monotonic(), json.loads(line)


async def make_namespace(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/namespaces", json={"metadata": {"name": NAMESPACE}})
    response.raise_for_status()
    # The namespace's default service account is made by a controller; pods wait for it otherwise.
    for _ in range(200):
        if (await client.get(f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/default")).status_code == 200:
            return
        await asyncio.sleep(0.05)


async def read_logs(client: httpx.AsyncClient, names: list[str]) -> dict[str, str]:
    logs: dict[str, str] = {}
    queue = iter(names)

    async def worker() -> None:
        for name in queue:
            response = await client.get(f"{PODS}/{name}/log")
            logs[name] = response.text if response.status_code == 200 else f"<{response.status_code}>"

    await asyncio.gather(*(worker() for _ in range(LOG_CONCURRENCY)))
    return logs


# Throughput


@dataclass
class RssSampler:
    """Samples a process's RSS every second."""

    pid: int
    samples: list[tuple[float, float]] = field(default_factory=list)

    async def run(self) -> None:
        started = time.monotonic()
        while True:
            with contextlib.suppress(OSError, KeyError):
                self.samples.append((time.monotonic() - started, rss_mb(self.pid)[0]))
            await asyncio.sleep(1.0)

    def start_mid_end(self) -> tuple[float, float, float]:
        values = [rss for _, rss in self.samples] or [0.0]
        return values[0], values[len(values) // 2], values[-1]


@dataclass
class JobRun:
    completions: int
    batch_seconds: float
    seconds: float
    outcome: str
    succeeded: int
    pods: int
    failed_pods: list[str]  # why each failed pod failed
    logs_checked: int
    wrong_logs: list[str]
    missing_indexes: int
    cpu: Cpu  # of the server and its reaped children, during the Job
    rss: RssSampler
    final_rss_mb: float
    idle_rss_mb: float
    progress: list[tuple[float, int]]
    profile: list[tuple[str, float]] | None = None

    @property
    def pods_per_second(self) -> float:
        return self.succeeded / self.seconds

    @property
    def server_cpu(self) -> float:
        return self.cpu.own

    @property
    def children_cpu(self) -> float:
        return self.cpu.children


async def run_indexed_job(server: Server, completions: int, batch_seconds: float, py_spy: float) -> JobRun:
    pid = server.process.pid
    idle_rss, _ = rss_mb(pid)
    job_name = "echo"
    async with server.client(connections=LOG_CONCURRENCY + 4) as client:
        await make_namespace(client)
        listed = (await client.get(JOBS)).json()
        progress: list[tuple[float, int]] = []
        done = asyncio.Event()
        finished: Obj = {}
        started = 0.0

        async def follow() -> None:
            since = listed["metadata"]["resourceVersion"]
            while True:
                async for arrived, event in watch(client, JOBS, since):
                    job = event["object"]
                    if event["type"] == "ERROR" or job["metadata"]["name"] != job_name:
                        continue
                    since = job["metadata"]["resourceVersion"]
                    progress.append((arrived - started, (job.get("status") or {}).get("succeeded", 0)))
                    if is_complete(job):
                        finished.update(job, arrived=arrived)
                        done.set()
                        return
                # The watch ended (or expired): look at the Job, then watch again from a fresh list.
                again = (await client.get(JOBS)).json()
                since = again["metadata"]["resourceVersion"]
                for job in again["items"]:
                    if job["metadata"]["name"] == job_name and is_complete(job):
                        finished.update(job, arrived=time.monotonic())
                        done.set()
                        return

        sampler = RssSampler(pid)
        following = asyncio.create_task(follow())
        sampling = asyncio.create_task(sampler.run())
        profiling = asyncio.create_task(profile(pid, py_spy, server.data_dir.parent)) if py_spy else None
        cpu_before = Cpu.of(pid)
        started = time.monotonic()
        response = await client.post(JOBS, json=job_manifest(job_name, ECHO_INDEX, completions, PARALLELISM))
        response.raise_for_status()
        try:
            stalled = await wait_or_stall(done, progress)
        finally:
            following.cancel()
            sampling.cancel()
        if stalled:
            finished.update((await client.get(f"{JOBS}/{job_name}")).json(), arrived=time.monotonic())
            finished["stalled"] = stalled
            await diagnose(client, server)
        seconds = finished["arrived"] - started
        cpu_after = Cpu.of(pid)
        final_rss, _ = rss_mb(pid)
        pods = (await client.get(PODS, params={"labelSelector": f"{JOB_NAME_LABEL}={job_name}"})).json()["items"]
        succeeded = [p for p in pods if (p.get("status") or {}).get("phase") == "Succeeded"]
        logs = await read_logs(client, [p["metadata"]["name"] for p in succeeded])
        top = await profiling if profiling is not None else None
    by_index: dict[str, str] = {}
    wrong = []
    for pod in succeeded:
        index = pod["metadata"]["annotations"][INDEX_ANNOTATION]
        printed = logs[pod["metadata"]["name"]]
        by_index[index] = printed
        if printed != f"{index}\n":
            wrong.append(f"{pod['metadata']['name']} (index {index}): {printed!r}")
    failed = [describe_failure(p) for p in pods if (p.get("status") or {}).get("phase") == "Failed"]
    missing = completions - len(set(by_index) & {str(i) for i in range(completions)})
    status = finished.get("status") or {}
    return JobRun(
        completions=completions,
        batch_seconds=batch_seconds,
        seconds=seconds,
        outcome=finished.get("stalled") or condition(finished),
        succeeded=status.get("succeeded", 0),
        pods=len(pods),
        failed_pods=failed,
        logs_checked=len(logs),
        wrong_logs=wrong,
        missing_indexes=missing,
        cpu=cpu_after - cpu_before,
        rss=sampler,
        final_rss_mb=final_rss,
        idle_rss_mb=idle_rss,
        progress=progress,
        profile=top,
    )


async def wait_or_stall(done: asyncio.Event, progress: list[tuple[float, int]]) -> str:
    """Wait for ``done``; give up (and say why) once no pod has finished for STALL_SECONDS."""
    last, since = -1, time.monotonic()
    while not done.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 1.0)
        count = progress[-1][1] if progress else 0
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since > STALL_SECONDS:
            return f"STALLED: no pod finished for {STALL_SECONDS:g} s at {count} succeeded"
    return ""


async def diagnose(client: httpx.AsyncClient, server: Server) -> None:
    """What the pods are doing, the latest events and the server log's complaints."""
    pods = (await client.get(PODS)).json()["items"]
    states: Counter[str] = Counter()
    for pod in pods:
        status = pod.get("status") or {}
        containers = ",".join(
            f"{next(iter(c.get('state') or {}), '-')}:{next(iter((c.get('state') or {}).values()), {}).get('reason', '')}"
            for c in status.get("containerStatuses") or []
        )
        node = "bound" if (pod.get("spec") or {}).get("nodeName") else "unbound"
        states[f"{status.get('phase')} {node} {containers or 'no container status'}"] += 1
    print("  pods: " + "; ".join(f"{n} x {state}" for state, n in states.most_common()))
    events = (await client.get(f"/api/v1/namespaces/{NAMESPACE}/events")).json()["items"]
    for event in events[-8:]:
        print(f"  event: {event.get('reason')}: {event.get('message', '')[:200]}")
    nodes = (await client.get("/api/v1/nodes")).json()["items"]
    for node_obj in nodes:
        ready = [c for c in (node_obj.get("status") or {}).get("conditions") or [] if c["type"] == "Ready"]
        print(f"  node {node_obj['metadata']['name']}: Ready={ready[0]['status'] if ready else '?'}")
    complaints = [
        line
        for line in server.log_path.read_text(errors="replace").splitlines()
        if re.search(r"WARN|ERROR|Trace", line)
    ]
    for line in complaints[-10:]:
        print(f"  server.log: {line[:300]}")


def describe_failure(pod: Obj) -> str:
    status = pod.get("status") or {}
    parts = [pod["metadata"]["name"], status.get("reason", ""), status.get("message", "")]
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        ended = state.get("terminated") or state.get("waiting") or {}
        parts += [str(ended.get("reason", "")), f"exit {ended.get('exitCode', '-')}", str(ended.get("message", ""))]
    return " | ".join(part.strip() for part in parts if part)[:400]


def report_job(run: JobRun, floor_cpu_per_task: float | None) -> None:
    print(
        f"jobyard: Indexed Job, {run.completions} completions, parallelism {PARALLELISM}, "
        f"pod-event batching {run.batch_seconds:g} s"
    )
    print(
        f"  POST -> {run.outcome or 'no condition'} in {run.seconds:.1f} s ({run.pods_per_second:.0f} pods/s); "
        f"succeeded {run.succeeded}, pods {run.pods} ({len(run.failed_pods)} failed)"
    )
    for failure in run.failed_pods[:5]:
        print(f"    failed: {failure}")
    ceiling = PARALLELISM / run.batch_seconds
    print(f"  ceiling from the batching: parallelism / {run.batch_seconds:g} s = {ceiling:.0f} pods/s")
    verdict = "all correct" if not run.wrong_logs and not run.missing_indexes else "WRONG"
    print(
        f"  logs: {run.logs_checked} read, {len(run.wrong_logs)} wrong, {run.missing_indexes} indexes "
        f"without a Succeeded pod: {verdict}"
    )
    for line in run.wrong_logs[:5]:
        print(f"    {line}")
    per_pod = 1000 / max(run.succeeded, 1)
    cpu = run.cpu
    print(
        f"  server CPU: own {cpu.own:.1f} s = {cpu.own * per_pod:.1f} ms/pod "
        f"(user {cpu.user * per_pod:.1f}, system {cpu.system * per_pod:.1f}); "
        f"children {cpu.children:.1f} s = {cpu.children * per_pod:.1f} ms/pod "
        f"(user {cpu.children_user * per_pod:.1f}, system {cpu.children_system * per_pod:.1f}); "
        f"{100 * (cpu.own + cpu.children) / run.seconds:.0f} % of one core"
    )
    if floor_cpu_per_task is not None:
        extra = run.children_cpu * per_pod - floor_cpu_per_task * 1000
        print(f"  children beyond the bwrap floor's {floor_cpu_per_task * 1000:.2f} ms/task: {extra:.2f} ms/pod")
    start, mid, end = run.rss.start_mid_end()
    print(
        f"  RSS: idle {run.idle_rss_mb:.0f} MB; during the Job start {start:.0f} / mid {mid:.0f} / end {end:.0f} MB; "
        f"after {run.final_rss_mb:.0f} MB"
    )
    if run.profile:
        print("  py-spy: inclusive CPU of the busiest jobyard functions, as % of one core:")
        for frame, share in run.profile:
            print(f"    {100 * share:5.1f} %  {frame}")


async def profile(pid: int, seconds: int, workdir: Path) -> list[tuple[str, float]]:
    """``py-spy record -f raw`` on the server: jobyard functions by inclusive samples, as % of one core.

    py-spy counts a thread blocked in waitpid (asyncio's child watcher, one thread per child
    process) or an idle pool thread as busy, so those stacks are dropped.
    """
    out = workdir / "py-spy.txt"
    py_spy = Path(sys.executable).with_name("py-spy")
    process = await asyncio.create_subprocess_exec(
        str(py_spy),
        *("record", "-p", str(pid), "-d", str(seconds), "-r", str(PY_SPY_RATE), "-f", "raw", "-o", str(out)),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    if not out.exists():
        return [(f"py-spy wrote nothing: {stderr.decode(errors='replace').strip()[-300:]}", 0.0)]
    inclusive: Counter[str] = Counter()
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not count.isdigit() or any(idle in frames[-1] for idle in PY_SPY_IDLE):
            continue
        inclusive["(all threads)"] += int(count)
        if frames[0].startswith("<module>"):
            inclusive["(the event loop's thread)"] += int(count)
        # A frame is "function (path:line)": count each function once per stack.
        for frame in {re.sub(r":\d+\)$", ")", frame) for frame in frames}:
            if "jobyard/" in frame:
                inclusive[re.sub(r"\(.*?jobyard/", "(", frame)] += int(count)
    samples = PY_SPY_RATE * seconds
    return [(frame, count / samples) for frame, count in inclusive.most_common(PY_SPY_TOP)]


# The bwrap floor


@dataclass
class Floor:
    tasks: int
    seconds: float
    cpu_seconds: float
    correct: bool

    @property
    def cpu_per_task(self) -> float:
        return self.cpu_seconds / self.tasks


def bwrap_floor(layers: list[Path], workdir: Path, tasks: int) -> Floor:
    """The same commands straight under bwrap, ``xargs -P 10``, on one overlay of the image's layers."""
    root, upper, work = workdir / "root", workdir / "upper", workdir / "work"
    for directory in (root, upper, work):
        directory.mkdir(parents=True)
    lower = ":".join(str(layer) for layer in reversed(layers))
    options = f"lowerdir={lower},upperdir={upper},workdir={work}"
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(root)], check=True)
    # The sandbox's mounts and namespaces; the index arrives as the environment variable Kubernetes sets.
    bwrap = [
        *("bwrap", "--bind", str(root), "/", "--proc", "/proc", "--dev", "/dev"),
        *("--perms", "1777", "--tmpfs", "/dev/shm"),
        *("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--as-pid-1", "--die-with-parent", "--new-session"),
        *("--hostname", "floor", "--clearenv", "--setenv", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        *("--setenv", "JOB_COMPLETION_INDEX", "{}", "--chdir", "/", "--", "sh", "-c", ECHO_INDEX),
    ]
    try:
        before = children_cpu()
        started = time.monotonic()
        result = subprocess.run(
            ["xargs", "-P", str(FLOOR_PARALLELISM), "-I{}", *bwrap],
            input="".join(f"{i}\n" for i in range(tasks)),
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - started
        cpu = children_cpu() - before
    finally:
        subprocess.run(["umount", str(root)], check=False)
    correct = result.returncode == 0 and sorted(result.stdout.split(), key=int) == [str(i) for i in range(tasks)]
    if result.returncode != 0:
        print(f"  bwrap floor: xargs exited {result.returncode}: {result.stderr.strip()[:500]}")
    return Floor(tasks, seconds, cpu, correct)


# The Slurm floor


SLURM_CONF = """\
ClusterName=jobyardbench
SlurmctldHost={host}
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
StateSaveLocation={dir}/state
SlurmdSpoolDir={dir}/spool
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/slurmctld.log
SlurmdLogFile={dir}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
MaxArraySize={max_array}
MaxJobCount={max_jobs}
NodeName={host} CPUs={cpus} State=UNKNOWN
PartitionName=bench Nodes={host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
"""


@dataclass
class Slurm:
    seconds: float | None
    why: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def slurm_floor(workdir: Path, tasks: int) -> Slurm:
    """``sbatch --array=0-N%50 --wait`` of ``true`` on a one-node Slurm set up in ``workdir``."""
    missing = [name for name in ("slurmctld", "slurmd", "sbatch", "munged") if shutil.which(name) is None]
    if missing:
        return Slurm(None, f"not installed ({', '.join(missing)}): apt-get install -y slurm-wlm")
    workdir.mkdir(parents=True)
    for name in ("state", "spool", "munge"):
        (workdir / name).mkdir()
    (workdir / "munge").chmod(0o700)
    key = workdir / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    socket_path = workdir / "munge" / "munge.socket"
    host = socket.gethostname().split(".")[0]
    conf = workdir / "slurm.conf"
    conf.write_text(
        SLURM_CONF.format(
            host=host,
            ctld_port=free_port(),
            d_port=free_port(),
            munge_socket=socket_path,
            dir=workdir,
            cpus=PARALLELISM,
            max_array=tasks + 1,
            max_jobs=max(10_000, 2 * tasks),
        )
    )
    env = {**os.environ, "SLURM_CONF": str(conf)}
    daemons: list[subprocess.Popen[bytes]] = []
    try:
        munged = [
            *("munged", "--foreground", "--force", f"--key-file={key}", f"--socket={socket_path}"),
            *(f"--pid-file={workdir / 'munge' / 'munged.pid'}", f"--log-file={workdir / 'munge' / 'munged.log'}"),
            f"--seed-file={workdir / 'munge' / 'munged.seed'}",
        ]
        daemons.append(subprocess.Popen(munged, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for _ in range(100):
            if socket_path.exists():
                break
            time.sleep(0.05)
        else:
            return Slurm(None, "munged did not start")
        for daemon in (["slurmctld", "-D", "-i", "-f", str(conf)], ["slurmd", "-D", "-f", str(conf)]):
            daemons.append(subprocess.Popen(daemon, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 30
        while True:
            state = subprocess.run(
                ["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True, check=False
            ).stdout.strip()
            if state in ("idle", "mixed", "allocated"):
                break
            if time.monotonic() > deadline:
                log = (workdir / "slurmctld.log").read_text()[-600:] if (workdir / "slurmctld.log").exists() else ""
                return Slurm(None, f"the node did not come up (sinfo says {state!r}); {log}")
            time.sleep(0.2)
        # sbatch --wait polls with growing sleeps (30 s late here), so squeue is polled instead.
        started = time.monotonic()
        result = subprocess.run(
            [
                *("sbatch", f"--array=0-{tasks - 1}%{PARALLELISM}", "--parsable"),
                *("--output=/dev/null", f"--chdir={workdir}", "--wrap", "true"),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            return Slurm(None, f"sbatch exited {result.returncode}: {result.stderr.strip()[:300]}")
        job_id = result.stdout.strip().split(";")[0]
        while time.monotonic() - started < 600:
            queued = subprocess.run(
                ["squeue", "-h", "-r", "-j", job_id, "-o", "%i"], env=env, capture_output=True, text=True, check=False
            )
            if queued.returncode == 0 and not queued.stdout.strip():
                return Slurm(time.monotonic() - started)
            time.sleep(0.1)
        return Slurm(None, "the array did not finish within 600 s")
    finally:
        for daemon in reversed(daemons):
            daemon.terminate()
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()


# Startup latency


@dataclass
class Startup:
    jobs: int
    latencies: list[float]  # POST -> container start, from the container's own clock
    to_added: list[float]  # POST -> pod ADDED on the watch
    added_to_start: list[float]  # pod ADDED on the watch -> container start
    to_seen_started: list[float]  # POST -> the watch shows the container running or terminated
    send_lag: list[float]
    failures: list[str]


def parse_stamp(text: str) -> float:
    """busybox ``stat -c %y``: ``2026-11-27 08:09:46.843230773 +0000`` as seconds since the epoch."""
    day, clock, zone = text.split()
    whole, _, fraction = clock.partition(".")
    moment = datetime.datetime.strptime(f"{day} {whole} {zone}", "%Y-%m-%d %H:%M:%S %z")
    return moment.timestamp() + float(f"0.{fraction or 0}")


async def startup_latency(server: Server, jobs: int) -> Startup:
    async with server.client(connections=LOG_CONCURRENCY + 4) as client:
        await make_namespace(client)
        # Warm up: the first pod pays for the bridge, the nftables table and cold caches.
        (await client.post(JOBS, json=job_manifest("warm-up", STAMP, 1, 1, indexed=False))).raise_for_status()
        for _ in range(600):
            if is_complete((await client.get(f"{JOBS}/warm-up")).json()):
                break
            await asyncio.sleep(0.1)
        listed = (await client.get(PODS)).json()
        # Monotonic and wall clocks side by side, to put watch arrivals on the wall clock.
        offset = time.time() - time.monotonic()
        added: dict[str, float] = {}
        seen_started: dict[str, float] = {}

        async def follow() -> None:
            async for arrived, event in watch(client, PODS, listed["metadata"]["resourceVersion"]):
                pod = event["object"]
                job = pod["metadata"].get("labels", {}).get(JOB_NAME_LABEL)
                if event["type"] == "ERROR" or job is None:
                    continue
                added.setdefault(job, arrived + offset)
                for status in (pod.get("status") or {}).get("containerStatuses") or []:
                    if "running" in status["state"] or "terminated" in status["state"]:
                        seen_started.setdefault(job, arrived + offset)

        following = asyncio.create_task(follow())
        posted: dict[str, float] = {}
        lags: list[float] = []
        failures: list[str] = []

        async def post(name: str) -> None:
            posted[name] = time.time()
            response = await client.post(JOBS, json=job_manifest(name, STAMP, 1, 1, indexed=False))
            if response.status_code != 201:
                failures.append(f"POST {name}: {response.status_code}")

        tasks = []
        loop = asyncio.get_running_loop()
        begin = loop.time()
        for i in range(jobs):
            due = begin + i / STARTUP_RATE
            await asyncio.sleep(max(0.0, due - loop.time()))
            lags.append(loop.time() - due)
            tasks.append(asyncio.create_task(post(f"start-{i:03d}")))
        await asyncio.gather(*tasks)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            items = (await client.get(JOBS)).json()["items"]
            if sum(1 for job in items if is_complete(job)) >= jobs + 1:
                break
            await asyncio.sleep(0.5)
        following.cancel()
        pods = (await client.get(PODS)).json()["items"]
        names = {p["metadata"]["labels"][JOB_NAME_LABEL]: p["metadata"]["name"] for p in pods if p["status"]}
        logs = await read_logs(client, [names[job] for job in posted if job in names])
    latencies, to_added, added_to_start, to_seen = [], [], [], []
    for job, sent in posted.items():
        log = logs.get(names.get(job, ""), "")
        try:
            began = parse_stamp(log.strip())
        except ValueError:
            failures.append(f"{job}: no timestamp in its log {log!r}")
            continue
        latencies.append(began - sent)
        if job in added:
            to_added.append(added[job] - sent)
            added_to_start.append(began - added[job])
        if job in seen_started:
            to_seen.append(seen_started[job] - sent)
    return Startup(jobs, latencies, to_added, added_to_start, to_seen, lags, failures)


def ms_line(label: str, seconds: list[float]) -> str:
    if not seconds:
        return f"  {label:<40} n=0"
    ms = [s * 1000 for s in seconds]
    return (
        f"  {label:<40} n={len(ms):<4} p50={percentile(ms, 50):7.0f}  p90={percentile(ms, 90):7.0f}  "
        f"p99={percentile(ms, 99):7.0f}  max={max(ms):7.0f} ms"
    )


def report_startup(result: Startup, batch_seconds: float) -> None:
    print(
        f"startup: {result.jobs} single-pod Jobs at {STARTUP_RATE:g}/s (pod-event batching {batch_seconds:g} s), "
        "one warm-up Job before"
    )
    print(ms_line("POST -> container start (its clock)", result.latencies))
    print(ms_line("  POST -> pod ADDED (watch)", result.to_added))
    print(ms_line("  pod ADDED -> container start", result.added_to_start))
    print(ms_line("POST -> watch shows it started", result.to_seen_started))
    if result.send_lag:
        print(f"  client send lag vs schedule: max {1000 * max(result.send_lag):.0f} ms")
    for failure in result.failures[:5]:
        print(f"  {failure}")


# Main


def print_rows(rows: list[Row]) -> None:
    widths = [max(len(r.label) for r in rows), max(len(r.target) for r in rows), max(len(r.measured) for r in rows)]
    print(f"  {'figure':<{widths[0]}}  {'target':<{widths[1]}}  {'measured':<{widths[2]}}  result")
    for row in rows:
        verdict = "met" if row.met else "MISSED"
        print(f"  {row.label:<{widths[0]}}  {row.target:<{widths[1]}}  {row.measured:<{widths[2]}}  {verdict}")


def run_throughput(args: argparse.Namespace, workdir: Path, archive: Path, rows: list[Row]) -> Floor | None:
    print(f"== throughput: {args.completions} tasks ==")
    floor = None
    layers_dir = workdir / "layers"
    load_image(archive, layers_dir)
    floor = bwrap_floor(image_layers(layers_dir), workdir / "floor", args.completions)
    print(
        f"bwrap floor: {floor.tasks} tasks, xargs -P {FLOOR_PARALLELISM}: {floor.seconds:.1f} s "
        f"({floor.tasks / floor.seconds:.0f}/s), CPU {1000 * floor.cpu_per_task:.2f} ms/task, "
        f"output {'correct' if floor.correct else 'WRONG'}"
    )
    if args.slurm:
        slurm = slurm_floor(workdir / "slurm", args.completions)
        if slurm.seconds is None:
            print(f"Slurm: skipped: {slurm.why}")
        else:
            print(
                f"Slurm floor: sbatch --array=0-{args.completions - 1}%{PARALLELISM} of true: {slurm.seconds:.1f} s "
                f"({args.completions / slurm.seconds:.0f}/s)"
            )
    goal = target_seconds(args.completions)
    for batch_seconds in args.batch_seconds:
        with node_server(workdir / f"throughput-{batch_seconds:g}", archive, batch_seconds, args.keep) as server:
            run = asyncio.run(run_indexed_job(server, args.completions, batch_seconds, args.py_spy))
        report_job(run, floor.cpu_per_task)
        ok = run.outcome == "Complete" and not run.wrong_logs and not run.missing_indexes
        label = f"{args.completions} pods, batching {batch_seconds:g} s"
        rows.append(Row(label, f"<= {goal:g} s", f"{run.seconds:.1f} s", run.seconds <= goal and ok))
        ratio = run.seconds / floor.seconds
        rows.append(
            Row("  vs bwrap floor", f"<= {TARGET_FLOOR_RATIO:g}x", f"{ratio:.1f}x", ratio <= TARGET_FLOOR_RATIO)
        )
        rows.append(Row("  logs", "all correct", "correct" if ok else "WRONG", ok))
        if args.completions >= TARGET_RSS_PODS:
            rows.extend(memory_rows(run))
        print()
    return floor


def run_startup(args: argparse.Namespace, workdir: Path, archive: Path, rows: list[Row]) -> None:
    print(f"== startup latency: {args.startup_jobs} Jobs ==")
    batch_seconds = args.batch_seconds[0]
    with node_server(workdir / "startup", archive, batch_seconds, args.keep) as server:
        result = asyncio.run(startup_latency(server, args.startup_jobs))
    report_startup(result, batch_seconds)
    ms = [s * 1000 for s in result.latencies]
    if ms:
        p50, p99 = percentile(ms, 50), percentile(ms, 99)
        rows.append(
            Row("startup p50", f"<= {TARGET_STARTUP_P50_MS:g} ms", f"{p50:.0f} ms", p50 <= TARGET_STARTUP_P50_MS)
        )
        rows.append(
            Row("startup p99", f"<= {TARGET_STARTUP_P99_MS:g} ms", f"{p99:.0f} ms", p99 <= TARGET_STARTUP_P99_MS)
        )
    else:
        rows.append(Row("startup", "measured", "no samples", False))
    print()


def run_overhead(args: argparse.Namespace, workdir: Path, archive: Path, rows: list[Row], floor: Floor | None) -> None:
    print(f"== overhead: {args.overhead_completions} pods ==")
    if floor is None:
        layers_dir = workdir / "layers"
        load_image(archive, layers_dir)
        floor = bwrap_floor(image_layers(layers_dir), workdir / "floor", min(args.overhead_completions, 1000))
        print(f"bwrap floor (the sandbox's own cost): {1000 * floor.cpu_per_task:.2f} ms CPU/task")
    batch_seconds = min(args.batch_seconds)
    with node_server(workdir / "overhead", archive, batch_seconds, args.keep) as server:
        run = asyncio.run(run_indexed_job(server, args.overhead_completions, batch_seconds, 0.0))
    report_job(run, floor.cpu_per_task)
    per_pod = 1000 / max(run.succeeded, 1)
    total_ms = (run.server_cpu + run.children_cpu) * per_pod
    own_ms = total_ms - floor.cpu_per_task * 1000
    rows.append(
        Row(
            "CPU/pod beyond the sandbox",
            f"<= {TARGET_CPU_MS_PER_POD:g} ms",
            f"{own_ms:.1f} ms (server {run.server_cpu * per_pod:.1f})",
            own_ms <= TARGET_CPU_MS_PER_POD,
        )
    )
    rows.extend(memory_rows(run))
    print()


def memory_rows(run: JobRun) -> list[Row]:
    """RSS growth per pod against the budget that keeps 10,000 finished pods under 300 MB; RSS at 10,000.

    Growth is not linear (bounded caches such as the watch history fill first), so the rate over the
    second half of the pods is the one held against the budget and extrapolated from.
    """
    average = (run.final_rss_mb - run.idle_rss_mb) / max(run.succeeded, 1)
    half = next(((t, n) for t, n in run.progress if n >= run.succeeded / 2), (0.0, 0))
    at_half = min(run.rss.samples, key=lambda sample: abs(sample[0] - half[0]), default=(0.0, run.idle_rss_mb))[1]
    late = (run.final_rss_mb - at_half) / max(run.succeeded - half[1], 1)
    budget = (TARGET_RSS_MB - run.idle_rss_mb) / TARGET_RSS_PODS
    start, mid, end = run.rss.start_mid_end()
    print(
        f"  RSS grew {1000 * average:.1f} MB per 1000 pods on average, {1000 * late:.1f} over the second half "
        f"(start/mid/end {start:.0f}/{mid:.0f}/{end:.0f} MB); the budget is {1000 * budget:.1f} MB per 1000 "
        f"from idle {run.idle_rss_mb:.0f} MB"
    )
    rows = [
        Row("  RSS growth, 2nd half", f"<= {1000 * budget:.1f} MB/1000", f"{1000 * late:.1f} MB/1000", late <= budget)
    ]
    if run.succeeded >= TARGET_RSS_PODS:
        rss = run.final_rss_mb
        rows.append(
            Row(f"RSS after {run.succeeded} pods", f"<= {TARGET_RSS_MB:g} MB", f"{rss:.0f} MB", rss <= TARGET_RSS_MB)
        )
    else:
        rss = run.final_rss_mb + late * (TARGET_RSS_PODS - run.succeeded)
        measured = f"{rss:.0f} MB (extrapolated from {run.succeeded})"
        rows.append(
            Row(f"RSS after {TARGET_RSS_PODS} pods", f"<= {TARGET_RSS_MB:g} MB", measured, rss <= TARGET_RSS_MB)
        )
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--completions", type=int, default=None, help="throughput Job size (default 1000; 200 quick)")
    parser.add_argument("--startup-jobs", type=int, default=None, help="single-pod Jobs (default 100; 20 quick)")
    parser.add_argument(
        "--overhead-completions", type=int, default=None, help="overhead Job size (default 2000; 500 quick)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 completions, 20 startup Jobs")
    parser.add_argument("--only", choices=("throughput", "startup", "overhead"), action="append")
    parser.add_argument(
        "--batch-seconds",
        type=float,
        action="append",
        help=f"pod-event batch period; repeatable (default: {', '.join(map(str, BATCH_PERIODS_SECONDS))})",
    )
    parser.add_argument("--no-slurm", dest="slurm", action="store_false", help="skip the Slurm floor")
    parser.add_argument("--py-spy", type=int, default=0, metavar="SECONDS", help="profile the throughput server")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs and server logs")
    args = parser.parse_args(argv)
    if args.completions is None:
        args.completions = 200 if args.quick else 1000
    if args.startup_jobs is None:
        args.startup_jobs = 20 if args.quick else 100
    if args.overhead_completions is None:
        args.overhead_completions = 500 if args.quick else 2000
    args.batch_seconds = args.batch_seconds or list(BATCH_PERIODS_SECONDS)
    args.only = args.only or ["throughput", "startup", "overhead"]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        print("the node's sandbox needs root and bubblewrap", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="jobyard-node-bench-"))
    rows: list[Row] = []
    print(f"{os.cpu_count()} CPUs, load average " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    try:
        archive = build_archive(workdir)
        floor = None
        if "throughput" in args.only:
            floor = run_throughput(args, workdir, archive, rows)
        if "startup" in args.only:
            run_startup(args, workdir, archive, rows)
        if "overhead" in args.only:
            run_overhead(args, workdir, archive, rows, floor)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"issue 4 targets ({os.cpu_count()} CPUs):")
    if rows:
        print_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
