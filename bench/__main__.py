"""Run the benchmarks, print their tables, update bench/RESULTS.md (``nox -s bench``).

``nox -s bench -- ratelimit`` runs one module; RESULTS.md keeps one section per module, and a
run replaces only the tables of the sections it measured (the notes written below a table
stay).
"""

from __future__ import annotations

import platform
import re
import sys
import time
from pathlib import Path

from bench import export, frames, ratelimit, soak, throughput, warehouse
from bench._common import Result

MODULES = {
    "throughput": throughput,
    "export": export,
    "soak": soak,
    "ratelimit": ratelimit,
    "warehouse": warehouse,
    "frames": frames,
}
HEADER = (
    "# Benchmark results\n\nMeasured by `nox -s bench`. Each figure is measured beside its "
    "baseline in the same run.\n"
)


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


def sections(text: str) -> dict[str, str]:
    """The ``## module`` sections of RESULTS.md, by module name."""
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0].strip(): "## " + part.rstrip() + "\n" for part in parts}


def notes(section: str) -> str:
    """The hand-written text after a section's table, kept when the table is measured again."""
    lines = section.rstrip("\n").split("\n")
    rows = [i for i, line in enumerate(lines) if line.startswith("|")]
    after = "\n".join(lines[rows[-1] + 1 :]).strip("\n") if rows else ""
    return f"\n{after}\n" if after else ""


def main(names: list[str]) -> int:
    chosen = names or list(MODULES)
    path = Path(__file__).with_name("RESULTS.md")
    kept = sections(path.read_text(encoding="utf-8")) if path.exists() else {}
    met = True
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results = MODULES[name].run()
        text = table(results)
        print(text, flush=True)
        kept[name] = (
            f"## {name}\n\nMeasured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
            f"Python {platform.python_version()}, 2 cores.\n\n{text}\n" + notes(kept.get(name, ""))
        )
        met = met and all(r.met for r in results)
    ordered = [kept[n] for n in MODULES if n in kept] + [
        v for n, v in kept.items() if n not in MODULES
    ]
    path.write_text(HEADER + "\n" + "\n".join(ordered), encoding="utf-8")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
