"""The command line as a program of its own: what it may do to the process it owns.

``later-reporting`` (and ``python -m later_reporting.cli``) start through :func:`run`, which
marks the process as the command line's own. Called in-process instead (click's test runner,
a notebook), the commands leave the interpreter as they found it.

One such thing: after ``sync`` has imported dlt, :func:`keep_imports` hides every object that
exists so far from the cyclic garbage collector (``gc.freeze``). Imported modules live as long
as the process, yet the collector walks all of dlt's objects again at each full collection and
once more when the interpreter exits: about 0.3 s of a sync of a year of posts (see
bench/RESULTS.md). Connections, files and pages made afterwards are collected as usual.
"""

from __future__ import annotations

import gc
import sys

_own_process = False


def run() -> None:
    """The ``later-reporting`` program."""
    global _own_process  # set once, at the start of the process
    _own_process = True
    from later_reporting.cli import main

    main()


def keep_imports() -> None:
    """Freeze what exists now out of the cyclic collector's sight, in a process of our own.

    Not once DuckDB is imported: its bindings report objects still alive at exit as leaks,
    and a frozen one would be.
    """
    if _own_process and "duckdb" not in sys.modules:
        gc.freeze()
