"""CRI log files: writing, partial lines, rotation, and reading them back as the kubelet does."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from jobyard.cluster.node.logs import (
    MAX_LINE_BYTES,
    LogWriter,
    follow_files,
    follow_logs,
    parse_line,
    read_logs,
    rotated_paths,
)

CRI_LINE = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) (F|P) .*$")


def test_lines_are_written_in_cri_format(tmp_path: Path) -> None:
    writer = LogWriter(tmp_path / "c.log")
    writer.write("stdout", b"one\ntw")
    writer.write("stderr", b"oops\n")
    writer.write("stdout", b"o\n")
    writer.close()
    raw = (tmp_path / "c.log").read_bytes().splitlines()
    assert all(CRI_LINE.match(line) for line in raw)
    assert [line.split(b" ", 1)[1] for line in raw] == [b"stdout F one", b"stderr F oops", b"stdout F two"]
    assert read_logs(tmp_path / "c.log") == b"one\noops\ntwo\n"


def test_long_and_unterminated_lines_are_partial(tmp_path: Path) -> None:
    writer = LogWriter(tmp_path / "c.log")
    long = b"x" * (MAX_LINE_BYTES * 2 + 10)
    writer.write("stdout", long + b"\nexact" + b"y" * (MAX_LINE_BYTES - 5) + b"\nend")
    writer.close()
    entries = [parse_line(line) for line in (tmp_path / "c.log").read_bytes().splitlines()]
    assert [(entry.partial, len(entry.content)) for entry in entries if entry] == [
        (True, MAX_LINE_BYTES),
        (True, MAX_LINE_BYTES),
        (False, 10),
        (False, MAX_LINE_BYTES),
        (True, 3),
    ]
    assert read_logs(tmp_path / "c.log") == long + b"\nexact" + b"y" * (MAX_LINE_BYTES - 5) + b"\nend"


def test_rotation_keeps_max_files(tmp_path: Path) -> None:
    path = tmp_path / "c.log"
    writer = LogWriter(path, max_bytes=200, max_files=3)
    for index in range(40):
        writer.write("stdout", b"line %02d\n" % index)
    writer.close()
    assert [p.name for p in rotated_paths(path)] == ["c.log.2", "c.log.1", "c.log"]
    assert all(p.stat().st_size <= 200 for p in rotated_paths(path))
    numbers = [int(line.split()[1]) for line in read_logs(path).decode().splitlines()]
    assert numbers == list(range(numbers[0], 40)) and numbers[0] > 0


def test_tail_since_timestamps_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "c.log"
    writer = LogWriter(path, max_bytes=120, max_files=10)
    for index in range(5):
        writer.write("stdout", b"early %d\n" % index)
    time.sleep(0.05)
    boundary = time.time()
    for index in range(3):
        writer.write("stdout", b"late %d\n" % index)
    writer.close()
    assert read_logs(path, tail_lines=2) == b"late 1\nlate 2\n"
    assert read_logs(path, tail_lines=0) == b""
    assert read_logs(path, since_time=boundary) == b"late 0\nlate 1\nlate 2\n"
    stamped = read_logs(path, tail_lines=1, timestamps=True)
    assert re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z late 2\n", stamped)
    assert read_logs(path, limit_bytes=10) == b"early 0\nea"


def test_follow_yields_new_lines_across_rotation_until_done(tmp_path: Path) -> None:
    path = tmp_path / "c.log"
    writer = LogWriter(path, max_bytes=100, max_files=3)
    writer.write("stdout", b"before 1\nbefore 2\n")
    finished = False

    async def produce() -> None:
        nonlocal finished
        for index in range(12):
            writer.write("stdout", b"after %02d\n" % index)
            await asyncio.sleep(0.03)
        writer.write("stdout", b"no newline")
        writer.close()
        finished = True

    async def scenario() -> list[bytes]:
        producer = asyncio.ensure_future(produce())
        lines = [line async for line in follow_logs(path, lambda: finished, tail_lines=1)]
        await producer
        return lines

    lines = asyncio.run(scenario())
    assert lines == [b"before 2\n"] + [b"after %02d\n" % index for index in range(12)] + [b"no newline"]


def test_follow_stops_at_limit_bytes(tmp_path: Path) -> None:
    path = tmp_path / "c.log"
    writer = LogWriter(path)
    writer.write("stdout", b"abcdef\nghijkl\n")

    async def scenario() -> list[bytes]:
        return [line async for line in follow_logs(path, lambda: False, limit_bytes=9)]

    assert asyncio.run(scenario()) == [b"abcdef\n", b"gh"]
    writer.close()


def test_follow_files_prefixes_lines_and_finds_new_files(tmp_path: Path) -> None:
    volume = tmp_path / "volume"
    (volume / "sub").mkdir(parents=True)
    (volume / "app.log").write_text("first\n")
    (volume / "ignored.txt").write_text("not matched\n")
    writer = LogWriter(tmp_path / "c.log")
    finished = False

    async def scenario() -> None:
        nonlocal finished
        follower = asyncio.ensure_future(follow_files(volume, ["*.log", "sub/*.log"], writer, lambda: finished))
        await asyncio.sleep(0.25)
        with open(volume / "app.log", "a") as handle:
            handle.write("second\npart")
        (volume / "sub" / "late.log").write_text("hello\n")
        await asyncio.sleep(0.25)
        finished = True
        await follower

    asyncio.run(scenario())
    writer.close()
    assert read_logs(tmp_path / "c.log").decode().splitlines() == [
        "[app.log] first",
        "[app.log] second",
        "[sub/late.log] hello",
        "[app.log] part",
    ]
