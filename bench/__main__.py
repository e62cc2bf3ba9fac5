"""Run every benchmark, print the table, write bench/RESULTS.md (``nox -s bench``)."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

from bench import export, soak, throughput, warehouse
from bench._common import Result

MODULES = {"throughput": throughput, "export": export, "soak": soak}
MODULES["warehouse"] = warehouse


def table(results: list[Result]) -> str:
    lines = [
        "| measurement | value | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.name} | {r.value} | {r.baseline} | {r.ratio:.2f} | {r.target} | "
        f"{'yes' if r.met else 'NO'} |"
        for r in results
    ]
    return "\n".join(lines)


def main(names: list[str]) -> int:
    chosen = names or list(MODULES)
    results: list[Result] = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results += MODULES[name].run()
    text = table(results)
    print(text)
    header = (
        f"# Benchmark results\n\nMeasured {time.strftime('%Y-%m-%d')} by `nox -s bench` on "
        f"{platform.machine()}, Python {platform.python_version()}, "
        f"2 cores. Each figure is measured beside its baseline in the same run.\n\n"
    )
    Path(__file__).with_name("RESULTS.md").write_text(header + text + "\n", encoding="utf-8")
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
