"""Run a command inside a running container: ``python -I -S _enter.py '<json>'``.

It joins the container's cgroups and namespaces and root, then forks (a process
joins a PID namespace only through its children) and the child takes the
container's user, groups and capability bounding set before it execs. The
parent waits and exits as the child did, so the runtime sees one process.

Run as a script with only the standard library: nsenter(1) cannot be used,
because what it execs keeps nsenter's own capabilities (CAP_SYS_ADMIN among them),
and no helper can be expected inside an arbitrary image.
The environment it is started with is the container's.
"""

import ctypes
import ctypes.util
import json
import os
import sys

_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38
# Mount last: after it, /proc/<pid> is the container's /proc.
_NAMESPACES = ("ipc", "uts", "net", "pid", "mnt")


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def main() -> None:
    request = json.loads(sys.argv[1])
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    target = request["pid"]
    for procs in request["cgroup_procs"]:
        with open(procs, "w") as handle:
            handle.write(str(os.getpid()))
    last_cap = int(open("/proc/sys/kernel/cap_last_cap").read())
    namespaces = [os.open(f"/proc/{target}/ns/{name}", os.O_RDONLY) for name in _NAMESPACES]
    root = os.open(f"/proc/{target}/root", os.O_RDONLY | os.O_DIRECTORY)
    for name, descriptor in zip(_NAMESPACES, namespaces, strict=True):
        _check(libc.setns(descriptor, 0), f"setns {name}")
        os.close(descriptor)
    os.fchdir(root)
    os.chroot(".")
    os.close(root)
    child = os.fork()
    if child:
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
    argv = request["argv"]
    try:
        os.chdir(request["cwd"])
    except OSError as error:
        sys.stderr.write(f"chdir to cwd ({request['cwd']!r}) set in config.json failed: {error.strerror}\n")
        os._exit(128)
    try:
        os.setgroups(request["groups"])
        os.setresgid(request["gid"], request["gid"], request["gid"])
        kept = request["caps"]
        if kept is not None:
            for cap in range(last_cap + 1):
                if cap not in kept:
                    _check(libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0), "drop capability")
        # A uid change away from 0 clears the permitted and effective sets.
        os.setresuid(request["uid"], request["uid"], request["uid"])
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        os.execvpe(argv[0], argv, os.environ)
    except FileNotFoundError:
        sys.stderr.write(f'exec: "{argv[0]}": executable file not found in $PATH\n')
        os._exit(127)
    except OSError as error:
        sys.stderr.write(f'exec: "{argv[0]}": {error.strerror}\n')
        os._exit(126)


if __name__ == "__main__":
    main()
