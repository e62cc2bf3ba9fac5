"""Where an export goes, and how it gets there without damaging anything.

- A regular file, or a path that does not exist yet, is written to a temporary file beside
  it and renamed over it only when complete: an error or an interruption leaves no partial
  file, and any earlier file untouched. A new file gets the usual permissions (``0666``
  less the umask, so ``0644`` under umask ``022``); a replaced file keeps its mode.
- A symlink is followed: its target is replaced that way, and the link stays a link.
- Anything that is not a regular file (``/dev/null``, a FIFO, a terminal, ``/dev/stdout``,
  ``/dev/fd/N`` from a shell's ``>(...)``) is written in place, streaming, and never
  replaced: such targets cannot be written atomically, so a failure part-way leaves what
  was already written.
- The format follows the file name (``.csv``, ``.jsonl`` / ``.ndjson``, ``.parquet``);
  ``--format`` is needed only where the name says nothing (``-``, ``/dev/stdout``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from later_reporting._errors import OptionError

__all__ = ["FORMATS", "TargetError", "check_target", "format_for", "open_target"]

FORMATS = ("csv", "jsonl", "parquet")
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
# A file descriptor named as a path: written through the descriptor itself, so a shell's
# ``>>`` keeps appending and ``>(...)`` gets the data.
_FD_PATH = re.compile(r"/dev/(?:std(?P<std>out|err)|fd/(?P<fd>\d+))|/proc/self/fd/(?P<pfd>\d+)")
_NAME_MAX = 255  # bytes in one file name on every common file system
_TEMP_SUFFIX = ".partial"


class TargetError(OptionError):
    """An output target that cannot be written (a folder, a missing folder, a bad suffix).

    An ``OptionError`` of the ``output`` option (``--output``), or of ``fmt`` (``--format``)
    where the format contradicts the file name."""


def format_for(output: str, explicit: str | None) -> str:
    """The format to write: ``explicit``, else the one the file name says, else CSV.

    A ``--format`` that contradicts the file name is an error: ``-o x.parquet --format csv``
    would leave CSV in a file every tool opens as Parquet.
    """
    inferred = None if output == "-" else SUFFIX_FORMATS.get(Path(output).suffix.lower())
    if explicit is not None and inferred is not None and explicit != inferred:
        raise TargetError(
            "fmt",
            f"--format {explicit} contradicts the file name {output} (a "
            f"{Path(output).suffix} file is {inferred}); drop --format or rename the file",
        )
    return explicit or inferred or "csv"


def check_target(output: str) -> Path | None:
    """The path to write (None for stdout), refused early if it cannot be a file."""
    if output == "-":
        return None
    if not output:
        raise TargetError("output", "--output is empty; name a file, or - for stdout")
    if output.endswith(("/", os.sep)):
        raise TargetError("output", f"--output {output} names a folder; name a file in it")
    path = Path(output)
    if path.is_dir():
        raise TargetError("output", f"--output {output} is a folder; name a file in it")
    if _fd_of(output) is None and not _exists(path):
        folder = Path(os.path.realpath(path)).parent
        if not folder.is_dir():
            raise TargetError("output", f"the output folder {folder} does not exist")
    return path


def _exists(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError:
        return False
    return True


def _fd_of(output: str) -> int | None:
    match = _FD_PATH.fullmatch(output)
    if match is None:
        return None
    if match["std"]:
        return 1 if match["std"] == "out" else 2
    return int(match["fd"] or match["pfd"])


@contextlib.contextmanager
def open_target(path: Path) -> Iterator[IO[bytes]]:
    """A binary stream to ``path``, replacing a regular file atomically when the block ends
    without error, or writing a device, FIFO or descriptor in place."""
    descriptor = _fd_of(str(path))
    if descriptor is not None:
        with open(os.dup(descriptor), "wb", closefd=True) as stream:
            yield stream
        return
    try:
        info: os.stat_result | None = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise TargetError("output", f"--output {path} is a folder; name a file in it")
    if info is not None and not stat.S_ISREG(info.st_mode):
        # A device, FIFO or socket: never replaced, written as it is.
        with open(path, "wb") as stream:
            yield stream
        return
    final = Path(os.path.realpath(path))  # a symlink's target; the link itself stays
    with _atomic(final, None if info is None else stat.S_IMODE(info.st_mode)) as stream:
        yield stream


def temporary_name(name: str) -> str:
    """A hidden name beside ``name`` that stays within the 255-byte file-name limit."""
    token = secrets.token_hex(4)
    room = _NAME_MAX - len(f"..{token}{_TEMP_SUFFIX}")
    stem = name.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return f".{stem}.{token}{_TEMP_SUFFIX}"


@contextlib.contextmanager
def _atomic(final: Path, mode: int | None) -> Iterator[IO[bytes]]:
    folder = final.parent
    if not folder.is_dir():
        raise TargetError("output", f"the output folder {folder} does not exist")
    for _attempt in range(100):  # pragma: no branch - a clash of 32 random bits is rare
        temporary = folder / temporary_name(final.name)
        try:
            # 0o666 less the umask, like any tool creating a file.
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:  # pragma: no cover - see above
            continue
    else:  # pragma: no cover
        raise TargetError("output", f"cannot create a temporary file in {folder}")
    try:
        with open(fd, "wb", closefd=True) as stream:
            if mode is not None:
                os.fchmod(fd, mode)  # the replaced file keeps its permissions
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
