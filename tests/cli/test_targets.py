"""Where an export may go: devices, FIFOs, descriptors, symlinks, pipes, odd names.

Every test that names a path under /dev or /proc runs with ``os.replace`` and ``os.rename``
refusing any destination that is not a regular file or a new path, so no version of the
exporter can replace a device or a /dev symlink on the machine running the tests.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from later_reporting.cli import main
from tests.reliability.processes import cli_env

CAMPAIGNS = ["export", "campaigns", "--quiet"]
POSTS = ["export", "posts-performance", "--start", "2025-01-01", "--end", "2025-01-31", "-q"]
VISIBLE_CAMPAIGNS = 35  # of the demo client (instances abc and def)


@pytest.fixture
def env(sandbox_url: str) -> dict[str, str]:
    return cli_env(sandbox_url)


@pytest.fixture(autouse=True)
def _never_replace_special_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A safety net for the machine: renaming over anything but a regular file fails."""

    def guarded(real: Any) -> Any:
        def rename(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
            try:
                info = os.lstat(dst)
            except FileNotFoundError:
                info = None
            if str(dst).startswith(("/dev", "/proc")) or (
                info is not None and not stat.S_ISREG(info.st_mode)
            ):
                raise AssertionError(f"refused to rename over {dst}")
            real(src, dst, *args, **kwargs)

        return rename

    monkeypatch.setattr(os, "replace", guarded(os.replace))
    monkeypatch.setattr(os, "rename", guarded(os.rename))
    null_before = os.stat("/dev/null")
    yield
    null_after = os.stat("/dev/null")
    assert stat.S_ISCHR(null_after.st_mode) and null_after.st_rdev == null_before.st_rdev


def run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, args, env=env)


@pytest.mark.parametrize("name", ["pipe.csv", "pipe.parquet"])
def test_a_fifo_is_written_in_place_and_stays_a_fifo(
    name: str, tmp_path: Path, env: dict[str, str]
) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    # A reader is open before the export starts, so the writer's open() does not block,
    # and the campaigns fit in the pipe's buffer, so no thread is needed to drain it.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = run([*CAMPAIGNS, "-o", str(fifo)], env)
        assert result.exit_code == 0, result.output
        data = b""
        while chunk := _read(reader):
            data += chunk
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    if name.endswith(".csv"):
        lines = data.decode().splitlines()
        assert lines[0].startswith("campaign_id,") and len(lines) == 1 + VISIBLE_CAMPAIGNS
    else:
        assert pq.read_table(io.BytesIO(data)).num_rows == VISIBLE_CAMPAIGNS


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return b""


def test_dev_null_is_written_not_replaced(env: dict[str, str]) -> None:
    result = run([*CAMPAIGNS, "-o", "/dev/null"], env)
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not [p for p in os.listdir("/dev") if p.startswith(".null.")]


def test_dev_stdout_writes_through_the_descriptor(
    env: dict[str, str], capfd: pytest.CaptureFixture[str]
) -> None:
    result = run([*CAMPAIGNS, "--format", "jsonl", "-o", "/dev/stdout"], env)
    assert result.exit_code == 0, result.output
    lines = capfd.readouterr().out.splitlines()
    assert len(lines) == VISIBLE_CAMPAIGNS
    assert all(json.loads(line)["campaign_id"] for line in lines)
    assert os.path.islink("/dev/stdout")


def test_a_descriptor_from_process_substitution_gets_the_data(
    tmp_path: Path, sandbox_url: str
) -> None:
    """What ``-o >(gzip > x.gz)`` hands the command: /dev/fd/N, the write end of a pipe."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "later_reporting.cli", *CAMPAIGNS, "-o", f"/dev/fd/{write_end}"],
        pass_fds=(write_end,),
        env=cli_env(sandbox_url),
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        data = reader.read()
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr.decode()
    lines = data.decode().splitlines()
    assert lines[0].startswith("campaign_id,") and len(lines) == 1 + VISIBLE_CAMPAIGNS
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "campaigns.csv"
    real.write_text("yesterday\n")
    real.chmod(0o640)
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    result = run([*CAMPAIGNS, "-o", str(link)], env)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text().startswith("campaign_id,")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["campaigns.csv"]


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(
    tmp_path: Path, env: dict[str, str]
) -> None:
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "new.csv"
        assert run([*CAMPAIGNS, "-o", str(fresh)], env).exit_code == 0
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        os.umask(0o027)
        group = tmp_path / "group.csv"
        assert run([*CAMPAIGNS, "-o", str(group)], env).exit_code == 0
        assert stat.S_IMODE(group.stat().st_mode) == 0o640
        shared = tmp_path / "shared.parquet"
        shared.write_bytes(b"old")
        shared.chmod(0o664)
        assert run([*CAMPAIGNS, "-o", str(shared)], env).exit_code == 0
        assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    finally:
        os.umask(old)


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("c.parquet", lambda p: pq.read_table(p).num_rows == VISIBLE_CAMPAIGNS),
        ("c.PARQUET", lambda p: pq.read_table(p).num_rows == VISIBLE_CAMPAIGNS),
        ("c.jsonl", lambda p: all(json.loads(x) for x in p.read_text().splitlines())),
        ("c.ndjson", lambda p: all(json.loads(x) for x in p.read_text().splitlines())),
        ("c.csv", lambda p: p.read_text().startswith("campaign_id,")),
    ],
)
def test_the_format_follows_the_file_name(
    name: str, check: Any, tmp_path: Path, env: dict[str, str]
) -> None:
    target = tmp_path / name
    result = run([*CAMPAIGNS, "-o", str(target)], env)
    assert result.exit_code == 0, result.output
    assert check(target)


def test_a_format_that_contradicts_the_file_name_is_refused(
    tmp_path: Path, env: dict[str, str]
) -> None:
    result = run([*CAMPAIGNS, "--format", "csv", "-o", str(tmp_path / "c.parquet")], env)
    assert result.exit_code == 2
    assert "--format csv contradicts the file name" in result.output
    assert list(tmp_path.iterdir()) == []


def test_folders_are_refused(tmp_path: Path, env: dict[str, str], monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    for output in ("out/", "existing", "existing/"):
        result = run([*CAMPAIGNS, "-o", output], env)
        assert result.exit_code == 2, (output, result.output)
        assert "folder" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"]
    assert list((tmp_path / "existing").iterdir()) == []


def test_a_255_byte_file_name_works(tmp_path: Path, env: dict[str, str]) -> None:
    name = "é" * 125 + "x.csv"  # 250 + 1 + 4 bytes: the longest name a file system allows
    assert len(name.encode()) == 255
    result = run([*CAMPAIGNS, "-o", str(tmp_path / name)], env)
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_closed_pipe_ends_quietly(sandbox_url: str) -> None:
    """``export ... -o - | head -5``, with a real pipe and a reader that goes away."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "later_reporting.cli", *POSTS, "-o", "-"],
        env=cli_env(sandbox_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    head = [proc.stdout.readline() for _ in range(5)]
    proc.stdout.close()  # what `head` does after five lines
    _, stderr = proc.communicate(timeout=60)
    assert head[0].startswith(b"post") and all(head)
    assert proc.returncode in (0, 141), stderr.decode()
    assert stderr == b""


def test_nothing_reaches_stdout_before_auth_and_validation_pass(env: dict[str, str]) -> None:
    wrong = run([*CAMPAIGNS, "-o", "-"], {**env, "LATER_REPORTING_CLIENT_SECRET": "wrong"})
    assert wrong.exit_code == 3
    assert wrong.stdout == ""
    refused = run([*POSTS, "--metrics", "avgWatchTime", "-o", "-"], env)  # by the SDK
    assert refused.exit_code == 2
    assert refused.stdout == ""
    rejected = run([*POSTS, "--instance-id", "instance_xyz", "-o", "-"], env)  # by the server
    assert rejected.exit_code == 3
    assert rejected.stdout == ""
