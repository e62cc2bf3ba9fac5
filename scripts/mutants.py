"""Mutation testing of the SDK's core modules with mutmut, one module at a time.

    python scripts/mutants.py retry config            # whole modules
    python scripts/mutants.py transport --sample 60 --seed 1
    python scripts/mutants.py --list                  # the module names

``nox -s mutants -- retry config`` runs this with the locked tools. The module names, the
files each one mutates and the tests run against its mutants are the table in
``mutation/config.toml``.

Each module runs in its own temporary copy of the repository (the working tree is never
mutated), at the lowest CPU priority, one mutant at a time unless ``--jobs`` says otherwise.
The result of each module replaces that module's previous result in ``mutation/results.json``,
and ``mutation/RESULTS.md`` is rendered from it: the score per module, every mutant that was
not caught with its diff, and for each one judged equivalent the reason. Those judgements are
written by hand in the "Equivalent mutants" section of RESULTS.md, one line each,
``- `KEY`: reason``; the section is kept as it is on every run. A key names the module, the
function and a hash of the mutated lines, so it stays the same while the function's other
lines change.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "mutation" / "config.toml"
RESULTS_JSON = ROOT / "mutation" / "results.json"
RESULTS_MD = ROOT / "mutation" / "RESULTS.md"

# The package the tests import; mutmut copies it (and the top folder of every other mutated
# path, e.g. scripts/ or contract_tests/, also in ALSO_COPY: copied once) whole into the
# copy and mutates only the module's `paths`.
SOURCE_PATHS = ["later_reporting"]
# Copied beside it so the root conftest, every test and every file a test reads by its path
# (the spec, the generated package, the README) are found in the copy.
ALSO_COPY = [
    "conftest.py",
    "tests",
    "contract_tests",
    "openapi",
    "generated",
    "scripts",
    "docs",
    "README.md",
]

CAUGHT = {"killed", "timeout", "caught by type check", "segfault"}
NOT_CAUGHT = {"survived", "no tests", "suspicious"}

EQUIVALENT_START = "<!-- equivalent mutants: hand-written, kept on every run -->"
EQUIVALENT_END = "<!-- end of equivalent mutants -->"
JUDGEMENT = re.compile(r"^- `(?P<key>[^`]+)`:\s*(?P<reason>.+)$")


@dataclass(frozen=True)
class Module:
    name: str
    paths: list[str]
    tests: list[str]
    # Seconds a test may run on a mutant (pytest-timeout); a mutant that makes a walk wait
    # forever is caught then, instead of at the suite's 300 s.
    timeout: int | None = None

    @property
    def source_paths(self) -> list[str]:
        tops = {Path(pattern).parts[0] for pattern in self.paths}
        return sorted(set(SOURCE_PATHS) | tops)


def load_modules() -> dict[str, Module]:
    table = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["modules"]
    return {
        name: Module(name, list(entry["paths"]), list(entry["tests"]), entry.get("timeout"))
        for name, entry in table.items()
    }


def mutmut_settings(module: Module) -> str:
    """The ``[tool.mutmut]`` table for one module's run."""
    settings = {
        "source_paths": module.source_paths,
        "only_mutate": module.paths,
        "also_copy": ALSO_COPY,
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q"]
        + ([] if module.timeout is None else [f"--timeout={module.timeout}"]),
        "pytest_add_cli_args_test_selection": module.tests,
        # The copy is not a git checkout.
        "use_git_change_detection": False,
    }
    lines = ["", "[tool.mutmut]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def prepare(module: Module, workdir: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "mutants")
    # A top folder can be both mutated and also copied (contract_tests/, scripts/): copy it once.
    for name in dict.fromkeys([*module.source_paths, *ALSO_COPY]):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, workdir / name)
    aliases = script_aliases(module, workdir)
    if aliases:
        with (workdir / "conftest.py").open("a", encoding="utf-8") as conftest:
            conftest.write(SCRIPT_ALIASES.format(aliases=aliases))
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", pyproject)
    (workdir / "pyproject.toml").write_text(pyproject + mutmut_settings(module), "utf-8")


# mutmut names a mutant after its file's dotted path (``scripts.spec_diff.x_check__mutmut_1``)
# and switches it on only in the module of that name. A script in a folder that is not a
# package (scripts/) is imported by its bare name once its folder is on sys.path
# (``import spec_diff``), so its functions would belong to ``spec_diff``: no test would be
# mapped to its mutants and none would be switched on. In the copy, the root conftest makes
# the bare name the dotted module, so every import of the script gets the mutated one.
SCRIPT_ALIASES = """

# Added by scripts/mutants.py in its temporary copy only: the mutated scripts, by bare name.
import importlib as _importlib
import sys as _sys

for _bare, _dotted in {aliases!r}.items():
    _sys.modules[_bare] = _importlib.import_module(_dotted)
"""


def script_aliases(module: Module, workdir: Path) -> dict[str, str]:
    """Bare name -> dotted name of each mutated file in a folder that is not a package."""
    aliases = {}
    for path in files_of(module, workdir):
        relative = path.relative_to(workdir)
        if len(relative.parts) > 1 and not (path.parent / "__init__.py").exists():
            aliases[relative.stem] = ".".join(relative.with_suffix("").parts)
    return aliases


def files_of(module: Module, workdir: Path) -> list[Path]:
    found: set[Path] = set()
    for pattern in module.paths:
        found.update(p for p in workdir.glob(pattern) if p.suffix == ".py")
    return sorted(found)


def all_mutant_names(module: Module, workdir: Path) -> list[str]:
    """Every mutant mutmut will make of the module's files (for sampling)."""
    names = []
    with in_mutmut(workdir):
        from mutmut.mutation.file_mutation import mutate_file_contents

        for path in files_of(module, workdir):
            relative = path.relative_to(workdir)
            dotted = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
            mutated = mutate_file_contents(str(relative), path.read_text(encoding="utf-8"))
            names += [f"{dotted}.{name}" for name in mutated.mutant_names]
    return sorted(names)


@contextlib.contextmanager
def in_mutmut(workdir: Path) -> Iterator[None]:
    """mutmut reads its settings from the working directory's pyproject.toml on import."""
    with contextlib.chdir(workdir):
        from mutmut.configuration import reset_config

        reset_config()
        try:
            yield
        finally:
            reset_config()


def mutmut() -> str:
    found = shutil.which("mutmut", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("mutmut is not installed here: run `nox -s mutants` (uv group mutation)")
    return found


def run_mutmut(workdir: Path, names: list[str], jobs: int) -> None:
    log = workdir / "mutmut.log"
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(  # noqa: S603 - the locked mutmut with fixed arguments
            [mutmut(), "run", "--max-children", str(jobs), *names],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TERM": "dumb"},
            check=False,
        )
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise SystemExit(f"mutmut failed (exit {done.returncode}); last output:\n{tail}")


def statuses(workdir: Path) -> dict[str, str]:
    with in_mutmut(workdir):
        from mutmut.stats import status_by_exit_code

    found: dict[str, str] = {}
    for meta in (workdir / "mutants").rglob("*.meta"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data["exit_code_by_key"].items():
            found[name] = status_by_exit_code[code]
    return found


def diff_of(workdir: Path, name: str) -> str:
    shown = subprocess.run(  # noqa: S603 - the locked mutmut with fixed arguments
        [mutmut(), "show", name],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = shown.stdout.splitlines()
    return "\n".join(line for line in lines if not line.startswith("# ")).strip()


def function_of(name: str) -> str:
    """``later_reporting._auth.xǁTokenManagerǁget__mutmut_3`` -> ``TokenManager.get``."""
    local = re.sub(r"__mutmut_\d+$", "", name.rsplit(".", 1)[1])
    if local.startswith("xǁ"):
        return ".".join(part for part in local[2:].split("ǁ") if part)
    return local.removeprefix("x_")


def changed_lines(diff: str) -> list[str]:
    return [
        line[0] + " " + line[1:].strip()
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def key_of(module: str, name: str, diff: str) -> str:
    """Stable across runs: module, function, and what the mutant changed."""
    digest = hashlib.sha256("\n".join(changed_lines(diff)).encode()).hexdigest()[:8]
    return f"{module}:{function_of(name)}:{digest}"


def measure(
    module: Module, *, sample: int | None, seed: int, jobs: int, keep: bool
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"mutants-{module.name}-"))
    try:
        prepare(module, workdir)
        if not files_of(module, workdir):
            raise SystemExit(f"{module.name}: no file matches {module.paths}")
        chosen: list[str] = []
        total = None
        if sample is not None:
            every = all_mutant_names(module, workdir)
            total = len(every)
            draw = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
            chosen = sorted(draw.sample(every, min(sample, total)))
        print(f"== {module.name}: mutating {', '.join(module.paths)} in {workdir}", flush=True)
        run_mutmut(workdir, chosen, jobs)
        found = statuses(workdir)
        if chosen:
            unknown = [name for name in chosen if name not in found]
            if unknown:
                raise SystemExit(f"mutmut made no mutant named {unknown[0]} (mutmut changed?)")
            found = {name: found[name] for name in chosen}
        unmeasured = sorted({s for s in found.values() if s not in CAUGHT | NOT_CAUGHT})
        if unmeasured:
            print(f"   not measured (left out of the score): {', '.join(unmeasured)}")
        missed = []
        for name, status in sorted(found.items()):
            if status in CAUGHT or status not in NOT_CAUGHT:
                continue
            diff = diff_of(workdir, name)
            missed.append(
                {
                    "key": key_of(module.name, name, diff),
                    "name": name,
                    "status": status,
                    "diff": diff,
                }
            )
        counts: dict[str, int] = {}
        for status in found.values():
            counts[status] = counts.get(status, 0) + 1
        return {
            "paths": module.paths,
            "tests": module.tests,
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": git_commit(),
            "sample": None if sample is None else {"size": len(chosen), "seed": seed, "of": total},
            "counts": counts,
            "mutants": len(found),
            "missed": missed,
        }
    finally:
        if keep:
            print(f"   kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, fixed arguments
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "later_reporting", "tests"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def judgements(text: str) -> tuple[str, dict[str, str]]:
    """The hand-written section of RESULTS.md, as written, and its key -> reason lines."""
    start, end = text.find(EQUIVALENT_START), text.find(EQUIVALENT_END)
    if start < 0 or end < start:
        return "", {}
    section = text[start + len(EQUIVALENT_START) : end].strip("\n")
    reasons = {}
    for line in section.splitlines():
        match = JUDGEMENT.match(line.strip())
        if match:
            reasons[match["key"]] = match["reason"].strip()
    return section, reasons


def score(result: dict[str, Any], reasons: dict[str, str]) -> tuple[int, int, int, float]:
    counts = result["counts"]
    caught = sum(n for status, n in counts.items() if status in CAUGHT)
    missed = sum(n for status, n in counts.items() if status in NOT_CAUGHT)
    equivalent = sum(1 for m in result["missed"] if m["key"] in reasons)
    judged = caught + missed - equivalent
    return caught, missed - equivalent, equivalent, (100.0 * caught / judged if judged else 100.0)


def render(results: dict[str, Any], section: str, reasons: dict[str, str]) -> str:
    out = [
        "# Mutation testing results",
        "",
        "Generated by `nox -s mutants -- MODULE...` (`scripts/mutants.py`, mutmut, table of",
        "modules and tests in `mutation/config.toml`); only the section of equivalent mutants",
        "is written by hand. Score = caught / (mutants - equivalent); a mutant no test runs",
        '("no tests") counts as not caught. mutmut mutates code inside functions and methods',
        "only: module-level constants (`MAX_BACKOFF`, `RETRY_STATUSES`, `MAX_CAMPAIGN_IDS`, ...)",
        "are pinned by value in `tests/unit/test_documented_numbers.py` instead.",
        "",
        "After writing a judgement, `python scripts/mutants.py --render` re-applies the section",
        "without measuring again.",
        "",
        "| module | mutants | caught | not caught | equivalent | score | measured | commit |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, result in sorted(results.items()):
        caught, missed, equivalent, percent = score(result, reasons)
        sample = result["sample"]
        size = f"{result['mutants']}" + (
            f" (sample of {sample['of']}, seed {sample['seed']})" if sample else ""
        )
        out.append(
            f"| {name} | {size} | {caught} | {missed} | {equivalent} | {percent:.1f}% "
            f"| {result['date']} | {result['commit']} |"
        )
    out += [
        "",
        "## Equivalent mutants",
        "",
        "One line per mutant that no test can catch because it behaves exactly like the code:",
        "a dash, its key (as listed below) in backquotes, a colon and the reason. Every run keeps",
        "these lines as written.",
        "",
        EQUIVALENT_START,
    ]
    out += [section] if section else []
    out += [EQUIVALENT_END, "", "## Mutants not caught", ""]
    for name, result in sorted(results.items()):
        out.append(f"### {name}")
        out.append("")
        out.append(f"Files: {', '.join(result['paths'])}. Tests: {', '.join(result['tests'])}.")
        out.append("")
        unmeasured = {
            status: n for status, n in result["counts"].items() if status not in CAUGHT | NOT_CAUGHT
        }
        if unmeasured:
            listed = ", ".join(f"{n} {status}" for status, n in sorted(unmeasured.items()))
            out += [f"Left out of the score (the run did not measure them): {listed}.", ""]
        if not result["missed"]:
            out += ["Every mutant was caught.", ""]
        for missed in result["missed"]:
            verdict = reasons.get(missed["key"])
            label = f"equivalent: {verdict}" if verdict else f"**{missed['status']}**"
            out += [
                f"- `{missed['key']}` ({missed['name'].rsplit('.', 1)[1]}) {label}",
                "",
                "  ```diff",
                *("  " + line for line in changed_lines(missed["diff"])),
                "  ```",
                "",
            ]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    modules = load_modules()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="module names from mutation/config.toml")
    parser.add_argument("--list", action="store_true", help="print the module names")
    parser.add_argument("--sample", type=int, help="test only N mutants per module, drawn")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the draw (default 0)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    parser.add_argument(
        "--render",
        action="store_true",
        help="only rewrite RESULTS.md from results.json (after editing the judgements)",
    )
    args = parser.parse_args(argv)
    if args.list:
        for name, module in modules.items():
            print(f"{name:12} {', '.join(module.paths)}")
        return 0
    if args.render:
        results = json.loads(RESULTS_JSON.read_text("utf-8")) if RESULTS_JSON.exists() else {}
        section, reasons = judgements(RESULTS_MD.read_text("utf-8") if RESULTS_MD.exists() else "")
        RESULTS_MD.write_text(render(results, section, reasons), "utf-8")
        print(f"written: {RESULTS_MD.relative_to(ROOT)}")
        return 0
    unknown = [name for name in args.modules if name not in modules]
    if unknown or not args.modules:
        parser.error(
            f"name one or more modules{' (unknown: ' + ', '.join(unknown) + ')' if unknown else ''}"
            f"; known: {', '.join(modules)}"
        )
    if args.sample is not None and args.sample < 1:
        parser.error("--sample must be at least 1")
    os.nice(19)  # the machine is shared; mutation runs go last
    results = json.loads(RESULTS_JSON.read_text("utf-8")) if RESULTS_JSON.exists() else {}
    for name in dict.fromkeys(args.modules):
        results[name] = measure(
            modules[name], sample=args.sample, seed=args.seed, jobs=args.jobs, keep=args.keep
        )
        RESULTS_JSON.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", "utf-8")
    section, reasons = judgements(RESULTS_MD.read_text("utf-8") if RESULTS_MD.exists() else "")
    RESULTS_MD.write_text(render(results, section, reasons), "utf-8")
    for name in dict.fromkeys(args.modules):
        caught, missed, equivalent, percent = score(results[name], reasons)
        print(
            f"{name:12} {percent:5.1f}%  caught {caught}, not caught {missed}, "
            f"equivalent {equivalent}"
        )
    print(f"written: {RESULTS_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
