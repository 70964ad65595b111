import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jobyard.cluster.datadir import DataDirInUse, DataDirLock, prepare

HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from jobyard.cluster.datadir import DataDirLock

    lock = DataDirLock(Path(sys.argv[1]))
    lock.acquire()
    print("locked", flush=True)
    sys.stdin.read()
    """
)


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock on ``tmp_path`` until the test ends."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "locked\n"
    yield process
    process.kill()
    process.wait()


def test_prepare_creates_a_private_directory_with_its_parents(tmp_path):
    data_dir = prepare(tmp_path / "a" / "b")

    assert data_dir == tmp_path / "a" / "b"
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_prepare_returns_an_absolute_path_for_a_relative_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    assert prepare(Path("data")) == tmp_path / "data"


def test_prepare_keeps_an_existing_directory_and_its_contents(tmp_path):
    (tmp_path / "store.db").write_text("kept")

    prepare(tmp_path)

    assert (tmp_path / "store.db").read_text() == "kept"


def test_lock_file_names_the_holder(tmp_path):
    with DataDirLock(tmp_path):
        assert (tmp_path / "jobyard.lock").read_text() == f"{os.getpid()}\n"


def test_second_lock_in_another_process_refuses_naming_the_holder_pid(tmp_path, holder):
    with pytest.raises(DataDirInUse) as refused:
        DataDirLock(tmp_path).acquire()

    assert refused.value.pid == holder.pid
    assert refused.value.data_dir == tmp_path
    assert f"process {holder.pid}" in str(refused.value)
    assert str(tmp_path) in str(refused.value)


def test_second_lock_object_in_the_same_process_refuses(tmp_path):
    with DataDirLock(tmp_path):
        with pytest.raises(DataDirInUse) as refused:
            DataDirLock(tmp_path).acquire()

    assert refused.value.pid == os.getpid()


def test_refused_lock_holds_nothing(tmp_path, holder):
    lock = DataDirLock(tmp_path)
    with pytest.raises(DataDirInUse):
        lock.acquire()

    assert not lock.held


def test_lock_of_a_killed_process_does_not_block(tmp_path, holder):
    holder.send_signal(signal.SIGKILL)
    holder.wait()

    with DataDirLock(tmp_path) as lock:
        assert lock.held
        assert (tmp_path / "jobyard.lock").read_text() == f"{os.getpid()}\n"


def test_stale_lock_file_with_a_dead_pid_does_not_block(tmp_path):
    (tmp_path / "jobyard.lock").write_text("999999999\n")

    with DataDirLock(tmp_path) as lock:
        assert lock.held


def test_lock_is_released_on_exit_even_after_an_error(tmp_path):
    with pytest.raises(RuntimeError):
        with DataDirLock(tmp_path):
            raise RuntimeError("boom")

    with DataDirLock(tmp_path) as again:
        assert again.held


def test_released_lock_leaves_an_empty_file(tmp_path):
    lock = DataDirLock(tmp_path)
    lock.acquire()
    lock.release()

    assert not lock.held
    assert (tmp_path / "jobyard.lock").read_text() == ""


def test_refusal_without_a_readable_pid_says_another_process(tmp_path):
    refusal = DataDirInUse(tmp_path, None)

    assert refusal.pid is None
    assert "another process" in str(refusal)
