"""`python -m later_reporting.cli` runs the `later-reporting` command."""

from later_reporting.cli import main

main()
