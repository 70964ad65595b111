"""Container runtimes: the bubblewrap sandbox, and the process runtime that does not isolate."""

from ._spec import (
    ContainerExit,
    ContainerSpec,
    ExecResult,
    Limits,
    Mount,
    NetworkProvider,
    PodSandbox,
    RunningContainer,
    Runtime,
    Security,
    StartError,
)
from .host_network import HostNetwork
from .process import ProcessRuntime
from .sandbox import SandboxRuntime

__all__ = [
    "ContainerExit",
    "ContainerSpec",
    "ExecResult",
    "HostNetwork",
    "Limits",
    "Mount",
    "NetworkProvider",
    "PodSandbox",
    "ProcessRuntime",
    "Runtime",
    "RunningContainer",
    "SandboxRuntime",
    "Security",
    "StartError",
]
