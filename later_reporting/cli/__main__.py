"""`python -m later_reporting.cli` runs the `later-reporting` program."""

from later_reporting.cli._process import run

run()
