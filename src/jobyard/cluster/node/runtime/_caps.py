"""Linux capabilities as Kubernetes names them, and the set a container gets."""

from __future__ import annotations

from ._spec import Security, StartError

# Numbers from linux/capability.h.
CAPABILITIES = {
    name: number
    for number, name in enumerate(
        (
            "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE "
            "NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO "
            "SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME "
            "SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG "
            "WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE"
        ).split()
    )
}

# containerd's and Docker's default set for a container that is not privileged.
DEFAULT_CAPABILITIES = frozenset(
    "CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP "
    "NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE".split()
)


def _canonical(name: str) -> str:
    upper = name.upper()
    bare = upper.removeprefix("CAP_")
    if bare != "ALL" and bare not in CAPABILITIES:
        raise StartError(f"failed to generate spec: unknown capability {name!r}")
    return bare


def effective_capabilities(security: Security) -> frozenset[str]:
    """The capabilities a root process of the container holds, decided as containerd's CRI does:
    privileged gets all; else the default set, "ALL" in add or drop first, then each named one."""
    if security.privileged:
        return frozenset(CAPABILITIES)
    added = [_canonical(name) for name in security.cap_add]
    dropped = [_canonical(name) for name in security.cap_drop]
    capabilities = set(DEFAULT_CAPABILITIES)
    if "ALL" in added:
        capabilities = set(CAPABILITIES)
    if "ALL" in dropped:
        capabilities = set()
    capabilities.update(name for name in added if name != "ALL")
    capabilities.difference_update(name for name in dropped if name != "ALL")
    return frozenset(capabilities)
