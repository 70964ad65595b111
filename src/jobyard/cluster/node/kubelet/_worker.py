"""One pod on the node, from sandbox to final status: what the kubelet's pod worker does.

The worker runs the init containers in order, then supervises every app
container (image pull with back-off, start, postStart, probes, exit, restart
with CrashLoopBackOff), honours activeDeadlineSeconds, and on deletion runs
preStop, sends SIGTERM and, after the grace period, SIGKILL. It only keeps
:class:`PodState`; ``_status.pod_status`` turns that into the status written.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobyard.cluster.clock import parse_time
from jobyard.cluster.errors import NotFound, StatusError
from jobyard.cluster.kinds import quantity_units
from jobyard.cluster.node import logs
from jobyard.cluster.node.runtime._spec import (
    ContainerExit,
    ContainerSpec,
    Limits,
    Mount,
    PodSandbox,
    RunningContainer,
    Security,
    StartError,
)
from jobyard.cluster.registry import MERGE_PATCH, DeleteOptions

from ._command import container_argv, resolve_user
from ._env import ConfigError, container_env
from ._probes import ProbeTiming, run_handler
from ._status import ContainerState, PodState, Terminated, pod_status
from ._volumes import VolumeError, container_mounts, prepare_volumes, release_volumes

if TYPE_CHECKING:
    from . import Kubelet

__all__ = ["PodWorker", "backoff_delay"]

log = logging.getLogger(__name__)

Obj = dict[str, Any]

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log"
# A container that ran this long without failing starts its back-off over (upstream: 10 min).
BACKOFF_RESET_SECONDS = 600.0
_MAX_TERMINATION_MESSAGE = 4096
_FALLBACK_LOG_LINES = 80
_FALLBACK_LOG_BYTES = 2048
_LOST_MESSAGE = "The container could not be located when the pod was terminated"
# Files a container writes that its log also shows (the console's container-logs tab sets it).
LOG_PATHS_ANNOTATION = "jobyard.io/log-paths"


def backoff_delay(failures: int, base: float, cap: float) -> float:
    """The kubelet's restart back-off: the first restart is at once, then base doubling up to cap."""
    if failures <= 0:
        return 0.0
    return min(base * 2 ** (failures - 1), cap)


def log_path_sources(annotation: str, container: str, mounts: tuple[Mount, ...]) -> dict[Path, list[str]]:
    """Globs of the ``jobyard.io/log-paths`` annotation (JSON: container name → absolute globs) that lie
    inside one of the container's directory mounts, as (host directory → globs relative to it)."""
    try:
        wanted = json.loads(annotation).get(container) or []
    except (ValueError, AttributeError):
        return {}
    directories = sorted((m for m in mounts if m.source.is_dir()), key=lambda m: len(m.target), reverse=True)
    sources: dict[Path, list[str]] = {}
    for pattern in wanted if isinstance(wanted, list) else []:
        for mount in directories:
            prefix = mount.target.rstrip("/") + "/"
            if str(pattern).startswith(prefix):
                sources.setdefault(mount.source, []).append(str(pattern)[len(prefix) :])
                break
    return sources


def _should_restart(policy: str, exit_code: int) -> bool:
    return policy == "Always" or (policy == "OnFailure" and exit_code != 0)


class PodWorker:
    def __init__(self, kubelet: Kubelet, pod: Obj) -> None:
        self.kubelet = kubelet
        self.pod = pod
        meta = pod["metadata"]
        self.uid: str = meta["uid"]
        self.namespace: str = meta.get("namespace", "")
        self.name: str = meta["name"]
        spec: Obj = pod.get("spec") or {}
        self.restart_policy: str = spec.get("restartPolicy", "Always")
        self.state = PodState(
            init=[ContainerState(c["name"], c.get("image", "")) for c in spec.get("initContainers") or []],
            containers=[ContainerState(c["name"], c.get("image", "")) for c in spec.get("containers") or []],
            host_ip=kubelet.node_ip,
        )
        self.pod_dir: Path = kubelet.pods_dir / self.uid
        self.sandbox: PodSandbox | None = None
        self.running: dict[str, RunningContainer] = {}
        self.volume_paths: dict[str, Path] = {}
        self.terminating = asyncio.Event()
        self.grace_seconds = float(spec.get("terminationGracePeriodSeconds", 30))
        self.deleted = False
        self._failures: dict[str, int] = {}
        self._dirty = asyncio.Event()
        self._last_status: Obj | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._deadline: asyncio.Task[None] | None = None
        self.task: asyncio.Task[None] | None = None
        self._recover(pod)

    # -- lifecycle -------------------------------------------------------

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"pod {self.namespace}/{self.name}")

    def update(self, pod: Obj) -> None:
        """A newer version of the pod arrived through the watch."""
        self.pod = pod
        meta = pod["metadata"]
        if meta.get("deletionTimestamp") and not self.terminating.is_set():
            grace = meta.get("deletionGracePeriodSeconds")
            if grace is not None:
                self.grace_seconds = float(grace)
            self.terminating.set()
            self._kill_all("Killing", "Stopping container {name}")

    def gone(self) -> None:
        """The pod was removed from the API: stop everything at once."""
        self.deleted = True
        self.grace_seconds = 0.0
        self.terminating.set()
        self._kill_all(None, "")

    def mark(self) -> None:
        self._dirty.set()

    def _recover(self, pod: Obj) -> None:
        """Carry restart counts over from the status an earlier run of the node wrote."""
        status: Obj = pod.get("status") or {}
        if not status.get("startTime"):
            return
        self.state.start_time = parse_time(status["startTime"])
        for states, key in ((self.state.init, "initContainerStatuses"), (self.state.containers, "containerStatuses")):
            reported = {s.get("name"): s for s in status.get(key) or []}
            for container in states:
                previous = reported.get(container.name)
                if previous is None:
                    continue
                container.restart_count = int(previous.get("restartCount", 0))
                terminated = (previous.get("state") or {}).get("terminated")
                running = (previous.get("state") or {}).get("running")
                if terminated is not None:
                    container.terminated = Terminated(
                        int(terminated.get("exitCode", 0)),
                        terminated.get("reason", ""),
                        parse_time(terminated["startedAt"]) if terminated.get("startedAt") else 0.0,
                        parse_time(terminated["finishedAt"]) if terminated.get("finishedAt") else 0.0,
                        terminated.get("message", ""),
                    )
                    container.waiting = None
                elif running is not None:
                    # It ran under an earlier run of the node and died with it.
                    now = self.kubelet.clock()
                    container.terminated = Terminated(
                        137, "ContainerStatusUnknown", parse_time(running["startedAt"]), now, _LOST_MESSAGE
                    )
                    container.waiting = None

    async def _run(self) -> None:
        writer = asyncio.create_task(self._status_loop())
        try:
            await self._lifecycle()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("kubelet: pod %s/%s failed unexpectedly", self.namespace, self.name)
            self.state.failed_reason = ("UnexpectedAdmissionError", "the node could not run the pod")
        finally:
            await self._finish()
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        self._write_status()
        if self.pod["metadata"].get("deletionTimestamp") and not self.deleted:
            self._final_delete()

    async def _lifecycle(self) -> None:
        if self.state.start_time is None:
            self.state.start_time = self.kubelet.clock()
        self.mark()
        if not await self._create_sandbox():
            return
        deadline = (self.pod.get("spec") or {}).get("activeDeadlineSeconds")
        if deadline is not None:
            self._deadline = asyncio.create_task(self._enforce_deadline(float(deadline)))
        if not await self._prepare_volumes():
            return
        spec: Obj = self.pod.get("spec") or {}
        for container, state in zip(spec.get("initContainers") or [], self.state.init, strict=False):
            if state.terminated is not None and state.terminated.exit_code == 0:
                continue
            while not self.terminating.is_set():
                if state.terminated is not None and state.terminated.reason == "ContainerStatusUnknown":
                    if self.restart_policy == "Never":
                        return
                    await self._back_off(container, state, init=True)
                    continue
                ended = await self._run_container(container, state, init=True)
                if ended is None or ended.exit_code == 0:
                    break
                if self.restart_policy == "Never":
                    return
                await self._back_off(container, state, init=True)
            if self.terminating.is_set():
                return
        for container in self.state.containers:
            container.waiting = ("ContainerCreating", "") if container.never_ran else container.waiting
        if spec.get("initContainers"):
            self.mark()  # Initialized: the app containers are being created now
        await asyncio.gather(
            *(
                self._supervise(container, state)
                for container, state in zip(spec.get("containers") or [], self.state.containers, strict=False)
            )
        )

    async def _supervise(self, container: Obj, state: ContainerState) -> None:
        while not self.terminating.is_set():
            if state.terminated is not None:
                if not _should_restart(self.restart_policy, state.terminated.exit_code):
                    return
                await self._back_off(container, state, init=False)
                continue
            await self._run_container(container, state, init=False)

    # -- steps -----------------------------------------------------------

    async def _create_sandbox(self) -> bool:
        attempt = 0
        while not self.terminating.is_set():
            hostname = (self.pod.get("spec") or {}).get("hostname") or self.name[:63]
            try:
                self.sandbox = await self.kubelet.runtime.create_sandbox(self.uid, hostname)
            except Exception as error:
                attempt += 1
                self.kubelet.event(
                    self.pod, "Warning", "FailedCreatePodSandBox", f"Failed to create pod sandbox: {error}"
                )
                await self._sleep(backoff_delay(attempt, 1.0, 30.0))
                continue
            # Shown with the next change (the container started), as upstream's next sync shows
            # the sandbox's IP: a write of its own would be one more per pod.
            self.state.pod_ip = self.sandbox.ip
            self.state.sandbox_ready = True
            return True
        return False

    async def _prepare_volumes(self) -> bool:
        attempt = 0
        while not self.terminating.is_set():
            try:
                self.volume_paths = await asyncio.to_thread(
                    prepare_volumes,
                    self.pod,
                    self.pod_dir,
                    self.kubelet.lookup(self.namespace),
                    self.state.pod_ip,
                    self.state.host_ip,
                    self.kubelet.allocatable,
                )
                return True
            except (VolumeError, OSError, ConfigError) as error:
                attempt += 1
                message = f"MountVolume.SetUp failed: {error}"
                self.kubelet.event(self.pod, "Warning", "FailedMount", message)
                await self._sleep(backoff_delay(attempt, 2.0, 30.0))
        return False

    async def _ensure_image(self, container: Obj, state: ContainerState) -> Any:
        reference = container.get("image", "")
        policy = container.get("imagePullPolicy") or "IfNotPresent"
        field_path = self._field_path(container)
        images = self.kubelet.images
        failures = 0
        while not self.terminating.is_set():
            present = images.find(reference)
            if present is not None and policy != "Always":
                self.kubelet.event(
                    self.pod,
                    "Normal",
                    "Pulled",
                    f'Container image "{reference}" already present on machine',
                    field_path,
                )
                return present
            if policy == "Never":
                message = f'Container image "{reference}" is not present with pull policy of Never'
                state.waiting = ("ErrImageNeverPull", message)
                self.mark()
                self.kubelet.event(self.pod, "Warning", "ErrImageNeverPull", message, field_path)
                failures += 1
                await self._sleep(self.kubelet.backoff(failures))
                continue
            self.kubelet.event(self.pod, "Normal", "Pulling", f'Pulling image "{reference}"', field_path)
            began = time.monotonic()
            try:
                image = await images.pull(reference, self.kubelet.pull_credentials(self.pod))
            except Exception as error:
                failures += 1
                self.kubelet.event(
                    self.pod, "Warning", "Failed", f'Failed to pull image "{reference}": {error}', field_path
                )
                self.kubelet.event(self.pod, "Warning", "Failed", "Error: ErrImagePull", field_path)
                state.waiting = ("ErrImagePull", str(error))
                self.mark()
                delay = self.kubelet.backoff(failures)
                await self._sleep(min(1.0, delay))
                backoff_message = f'Back-off pulling image "{reference}"'
                state.waiting = ("ImagePullBackOff", backoff_message)
                self.mark()
                self.kubelet.event(self.pod, "Normal", "BackOff", backoff_message, field_path)
                await self._sleep(max(0.0, delay - 1.0))
                continue
            took = time.monotonic() - began
            self.kubelet.event(
                self.pod,
                "Normal",
                "Pulled",
                f'Successfully pulled image "{reference}" in {took:.3f}s ({took:.3f}s including waiting). '
                f"Image size: {image.size} bytes.",
                field_path,
            )
            return image
        return None

    def _field_path(self, container: Obj) -> str:
        spec: Obj = self.pod.get("spec") or {}
        for key in ("containers", "initContainers"):
            if any(c is container or c.get("name") == container.get("name") for c in spec.get(key) or []):
                return f"spec.{key}{{{container.get('name')}}}"
        return ""

    def _container_spec(self, container: Obj, state: ContainerState, image: Any) -> tuple[ContainerSpec, Path]:
        assert self.sandbox is not None
        env = container_env(
            self.pod,
            container,
            image.config.env,
            self.kubelet.lookup(self.namespace),
            self.state.pod_ip,
            self.state.host_ip,
            self.kubelet.allocatable,
        )
        names = {name for name, _ in env}
        if "PATH" not in names:
            env.insert(0, ("PATH", DEFAULT_PATH))
        if "HOSTNAME" not in names:
            env.append(("HOSTNAME", self.sandbox.hostname))
        argv = container_argv(container, image.config.entrypoint, image.config.cmd, dict(env))
        uid, gid, groups = resolve_user(self.pod, container, image.config.user, image.layers)
        context: Obj = container.get("securityContext") or {}
        capabilities: Obj = context.get("capabilities") or {}
        security = Security(
            privileged=bool(context.get("privileged")),
            cap_add=tuple(str(c) for c in capabilities.get("add") or []),
            cap_drop=tuple(str(c) for c in capabilities.get("drop") or []),
            no_new_privs=context.get("allowPrivilegeEscalation") is False,
            uid=uid,
            gid=gid,
            supplementary_gids=groups,
            read_only_root=bool(context.get("readOnlyRootFilesystem")),
        )
        resources: Obj = container.get("resources") or {}
        limits: Obj = resources.get("limits") or {}
        requests: Obj = resources.get("requests") or {}
        cgroup_limits = Limits(
            memory_bytes=quantity_units(limits.get("memory")),
            cpu_millis=quantity_units(limits.get("cpu"), 1000),
            cpu_request_millis=quantity_units(requests.get("cpu"), 1000),
            pids=self.kubelet.config.pod_pids_limit or None,
        )
        mounts = container_mounts(container, self.volume_paths, self.pod)
        mounts += self._node_files(container, state)
        log_dir = self.pod_dir / "logs" / container["name"]
        log_dir.mkdir(parents=True, exist_ok=True)
        container_id = f"{self.uid[:13]}-{container['name']}-{state.restart_count}"
        message_file = self.pod_dir / "termination" / f"{container['name']}-{state.restart_count}"
        spec = ContainerSpec(
            id=container_id,
            layers=tuple(image.layers),
            argv=argv,
            env=tuple(env),
            working_dir=container.get("workingDir") or image.config.working_dir or "/",
            hostname=self.sandbox.hostname,
            mounts=tuple(mounts),
            security=security,
            limits=cgroup_limits,
            log_path=log_dir / f"{state.restart_count}.log",
            log_max_bytes=self.kubelet.config.container_log_max_bytes,
            log_max_files=self.kubelet.config.container_log_max_files,
            stdin=bool(container.get("stdin")),
        )
        return spec, message_file

    def _node_files(self, container: Obj, state: ContainerState) -> list[Mount]:
        """/etc/hosts, /etc/hostname, /etc/resolv.conf and the termination-message file, as the kubelet mounts them."""
        assert self.sandbox is not None
        etc = self.pod_dir / "etc"
        etc.mkdir(parents=True, exist_ok=True)
        hosts = etc / "hosts"
        if not hosts.exists():
            hosts.write_text(
                "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                f"{self.sandbox.ip}\t{self.sandbox.hostname}\n"
            )
            (etc / "hostname").write_text(self.sandbox.hostname + "\n")
            resolv = Path("/etc/resolv.conf")
            (etc / "resolv.conf").write_text(resolv.read_text() if resolv.is_file() else "")
        message_dir = self.pod_dir / "termination"
        message_dir.mkdir(parents=True, exist_ok=True)
        message_file = message_dir / f"{container['name']}-{state.restart_count}"
        message_file.write_bytes(b"")
        message_file.chmod(0o666)
        target = container.get("terminationMessagePath") or DEFAULT_TERMINATION_MESSAGE_PATH
        return [
            Mount(hosts, "/etc/hosts"),
            Mount(etc / "hostname", "/etc/hostname"),
            Mount(etc / "resolv.conf", "/etc/resolv.conf", read_only=True),
            Mount(message_file, target),
        ]

    async def _run_container(self, container: Obj, state: ContainerState, *, init: bool) -> Terminated | None:
        """Pull, start and wait for one run of a container; None when the pod stopped before it ended."""
        image = await self._ensure_image(container, state)
        if image is None:
            return None
        field_path = self._field_path(container)
        state.image_id = image.image_ref
        self.kubelet.images.mark_used(image)
        while True:
            if self.terminating.is_set():
                return None
            try:
                spec, message_file = await asyncio.to_thread(self._container_spec, container, state, image)
                break
            except (ConfigError, VolumeError) as error:
                state.waiting = ("CreateContainerConfigError", str(error))
                self.mark()
                self.kubelet.event(self.pod, "Warning", "Failed", f"Error: {error}", field_path)
                self._failures[container["name"]] = self._failures.get(container["name"], 0) + 1
                await self._sleep(self.kubelet.backoff(self._failures[container["name"]]))
        assert self.sandbox is not None
        now = self.kubelet.clock()
        try:
            running = await self.kubelet.runtime.start(self.sandbox, spec)
        except StartError as error:
            ended = Terminated(
                error.exit_code, "StartError", now, now, error.message, container_id=f"jobyard://{spec.id}"
            )
            state.container_id = f"jobyard://{spec.id}"
            state.waiting = None
            state.terminated = ended
            self.mark()
            self.kubelet.event(self.pod, "Warning", "Failed", f"Error: {error.message}", field_path)
            return ended
        self.running[container["name"]] = running
        self._follow_log_paths(container, spec, running)
        if self.terminating.is_set():
            self._tasks.append(asyncio.create_task(self._stop_container(container, running, self.grace_seconds)))
        state.container_id = f"jobyard://{spec.id}"
        state.waiting = None
        state.terminated = None
        state.running_since = running.started_at
        state.started = not container.get("startupProbe")
        state.ready = False
        self.kubelet.event(self.pod, "Normal", "Created", f"Created container: {container['name']}", field_path)
        self.kubelet.event(self.pod, "Normal", "Started", f"Started container {container['name']}", field_path)
        self.mark()
        probes: list[asyncio.Task[None]] = []
        post_start = (container.get("lifecycle") or {}).get("postStart")
        if post_start and not init:
            result = await run_handler(
                post_start, self.kubelet.runtime, running, container, self.state.pod_ip, self.grace_seconds
            )
            if not result.ok:
                self.kubelet.event(
                    self.pod,
                    "Warning",
                    "FailedPostStartHook",
                    f"PostStartHook failed: {result.message}".strip(),
                    field_path,
                )
                running.signal(signal.SIGKILL)
        if not init:
            probes.append(asyncio.create_task(self._probe_loop(container, state, running)))
        exit_status = await running.wait()
        for task in probes:
            task.cancel()
        self.running.pop(container["name"], None)
        ended = self._terminated(container, state, running, exit_status, message_file, spec)
        state.running_since = None
        state.terminated = ended
        state.ready = False
        state.started = False
        self.mark()
        with contextlib.suppress(Exception):
            await self.kubelet.runtime.remove(spec.id)
        return ended

    def _follow_log_paths(self, container: Obj, spec: ContainerSpec, running: RunningContainer) -> None:
        """Tail the files the ``jobyard.io/log-paths`` annotation names for this container into its log."""
        annotation = (self.pod["metadata"].get("annotations") or {}).get(LOG_PATHS_ANNOTATION)
        if not annotation:
            return
        for root, patterns in log_path_sources(annotation, container["name"], spec.mounts).items():

            def source(writer: Any, exited: Any, root: Path = root, patterns: list[str] = patterns) -> Any:
                return logs.follow_files(root, patterns, writer, exited)

            running.add_log_source(source)

    def _terminated(
        self,
        container: Obj,
        state: ContainerState,
        running: RunningContainer,
        exit_status: ContainerExit,
        message_file: Path,
        spec: ContainerSpec,
    ) -> Terminated:
        message = ""
        with contextlib.suppress(OSError):
            message = message_file.read_bytes()[:_MAX_TERMINATION_MESSAGE].decode("utf-8", "replace")
        policy = container.get("terminationMessagePolicy") or "File"
        if not message and policy == "FallbackToLogsOnError" and exit_status.exit_code != 0 and spec.log_path:
            tail = logs.read_logs(spec.log_path, tail_lines=_FALLBACK_LOG_LINES)
            message = tail[-_FALLBACK_LOG_BYTES:].decode("utf-8", "replace")
        return Terminated(
            exit_status.exit_code,
            exit_status.reason,
            running.started_at,
            exit_status.finished_at,
            message or exit_status.message,
            exit_status.signal,
            container_id=state.container_id,
        )

    async def _back_off(self, container: Obj, state: ContainerState, *, init: bool) -> None:
        """Wait out the restart back-off (CrashLoopBackOff), then count the restart."""
        name = container["name"]
        ran = state.terminated
        if ran is not None and ran.finished_at - ran.started_at >= BACKOFF_RESET_SECONDS:
            self._failures[name] = 0
        self._failures[name] = self._failures.get(name, 0) + 1
        delay = self.kubelet.backoff(self._failures[name] - 1) if self._failures[name] > 1 else 0.0
        state.last_terminated = state.terminated
        state.terminated = None
        if delay > 0:
            message = (
                f"back-off {delay:g}s restarting failed container={name} pod={self.name}_{self.namespace}({self.uid})"
            )
            state.waiting = ("CrashLoopBackOff", message)
            self.mark()
            self.kubelet.event(
                self.pod,
                "Warning",
                "BackOff",
                f"Back-off restarting failed container {name} in pod {self.name}_{self.namespace}({self.uid})",
                self._field_path(container),
            )
            await self._sleep(delay)
        if self.terminating.is_set():
            state.terminated, state.last_terminated = state.last_terminated, None
            return
        state.restart_count += 1
        state.waiting = ("ContainerCreating", "")
        self.mark()

    async def _probe_loop(self, container: Obj, state: ContainerState, running: RunningContainer) -> None:
        """Startup, then liveness and readiness probes, each on its own period, as the kubelet's probe workers."""
        startup = container.get("startupProbe")
        if startup:
            if not await self._run_probe("Startup", startup, container, state, running):
                return
            state.started = True
            self.mark()
        loops = []
        liveness = container.get("livenessProbe")
        readiness = container.get("readinessProbe")
        if liveness:
            loops.append(self._run_probe("Liveness", liveness, container, state, running))
        if readiness:
            loops.append(self._run_probe("Readiness", readiness, container, state, running))
        else:
            state.ready = True
            self.mark()
        await asyncio.gather(*loops)

    async def _run_probe(
        self, kind: str, probe: Obj, container: Obj, state: ContainerState, running: RunningContainer
    ) -> bool:
        """Probe until the outcome decides something: False when the container is being killed."""
        timing = ProbeTiming.of(probe)
        await asyncio.sleep(timing.initial_delay)
        successes = failures = 0
        field_path = self._field_path(container)
        while not self.terminating.is_set():
            result = await run_handler(
                probe, self.kubelet.runtime, running, container, self.state.pod_ip, timing.timeout
            )
            if result.ok:
                successes, failures = successes + 1, 0
            else:
                successes, failures = 0, failures + 1
                self.kubelet.event(
                    self.pod, "Warning", "Unhealthy", f"{kind} probe failed: {result.message}".strip(), field_path
                )
            if kind == "Startup" and successes >= timing.success_threshold:
                return True
            if kind == "Readiness":
                ready = successes >= timing.success_threshold or (state.ready and failures < timing.failure_threshold)
                if ready != state.ready:
                    state.ready = ready
                    self.mark()
            elif failures >= timing.failure_threshold:
                verb = "liveness" if kind == "Liveness" else "startup"
                self.kubelet.event(
                    self.pod,
                    "Normal",
                    "Killing",
                    f"Container {container['name']} failed {verb} probe, will be restarted",
                    field_path,
                )
                grace = probe.get("terminationGracePeriodSeconds", self.grace_seconds)
                await self._stop_container(container, running, float(grace))
                return False
            await asyncio.sleep(timing.period)
        return False

    async def _enforce_deadline(self, seconds: float) -> None:
        assert self.state.start_time is not None
        await asyncio.sleep(max(0.0, self.state.start_time + seconds - self.kubelet.clock()))
        if self.terminating.is_set():
            return
        message = "Pod was active on the node longer than the specified deadline"
        self.state.failed_reason = ("DeadlineExceeded", message)
        self.kubelet.event(self.pod, "Warning", "DeadlineExceeded", message)
        self.terminating.set()
        self._kill_all(None, "")
        self.mark()

    def _kill_all(self, reason: str | None, message: str) -> None:
        spec: Obj = self.pod.get("spec") or {}
        containers = {c["name"]: c for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]}
        for name, running in list(self.running.items()):
            container = containers.get(name, {"name": name})
            if reason:
                self.kubelet.event(self.pod, "Normal", reason, message.format(name=name), self._field_path(container))
            self._tasks.append(asyncio.create_task(self._stop_container(container, running, self.grace_seconds)))

    async def _stop_container(self, container: Obj, running: RunningContainer, grace: float) -> None:
        """preStop, SIGTERM, then SIGKILL once the grace period is over."""
        began = time.monotonic()
        pre_stop = (container.get("lifecycle") or {}).get("preStop")
        if pre_stop and grace > 0:
            try:
                await asyncio.wait_for(
                    run_handler(pre_stop, self.kubelet.runtime, running, container, self.state.pod_ip, grace), grace
                )
            except TimeoutError:
                pass
        left = max(0.0, grace - (time.monotonic() - began))
        with contextlib.suppress(ProcessLookupError):
            running.signal(signal.SIGTERM if left > 0 else signal.SIGKILL)
        if left <= 0:
            return
        try:
            await asyncio.wait_for(asyncio.shield(running.wait()), left)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                running.signal(signal.SIGKILL)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake as soon as the pod starts terminating."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.terminating.wait(), seconds)

    async def _finish(self) -> None:
        """Stop what still runs, mark containers that never ran, and give the sandbox back."""
        if self.running:
            self.terminating.set()
            self._kill_all(None, "")
        if self._deadline is not None:
            self._deadline.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for running in list(self.running.values()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(running.wait(), 5.0)
        now = self.kubelet.clock()
        for state in [*self.state.init, *self.state.containers]:
            if self.terminating.is_set() and state.running_since is None and state.terminated is None:
                if state.last_terminated is not None:
                    state.terminated, state.last_terminated = state.last_terminated, None
                else:
                    state.terminated = Terminated(137, "ContainerStatusUnknown", now, now, _LOST_MESSAGE)
                state.waiting = None
        if self.terminating.is_set():
            self.state.stopped_by_kubelet = True
        if self.sandbox is not None:
            with contextlib.suppress(Exception):
                await self.kubelet.runtime.remove_sandbox(self.sandbox)
        self.state.sandbox_ready = False
        await asyncio.to_thread(release_volumes, self.pod_dir)

    # -- status ----------------------------------------------------------

    async def _status_loop(self) -> None:
        while True:
            await self._dirty.wait()
            # Let a burst of changes (a fast container's sandbox, start and exit) become one write.
            await asyncio.sleep(self.kubelet.config.status_coalesce_seconds)
            self._dirty.clear()
            self._write_status()

    def _write_status(self) -> None:
        if self.deleted:
            return
        status = pod_status(self.pod, self.state, self.kubelet.clock())
        if status.get("qosClass") is None:
            status.pop("qosClass")
        if status.get("startTime") is None:
            status.pop("startTime")
        if status == self._last_status:
            return
        try:
            self.pod = self.kubelet.client.patch(
                "pods", self.namespace, self.name, MERGE_PATCH, {"status": status}, subresource="status"
            )
            self._last_status = status
        except NotFound:
            self.deleted = True
        except StatusError as error:
            log.warning("kubelet: could not write the status of %s/%s: %s", self.namespace, self.name, error)

    def _final_delete(self) -> None:
        """The kubelet's last word on a pod it stopped: delete it now, this very pod only.

        As upstream's registry, a first grace-0 delete of a pod already being deleted only
        shortens its grace period to 0; the second one removes it (or leaves it to its finalizers).
        """
        for _ in range(2):
            try:
                self.kubelet.client.delete(
                    "pods", self.namespace, self.name, DeleteOptions(grace_period_seconds=0, precondition_uid=self.uid)
                )
            except (NotFound, StatusError):
                return
