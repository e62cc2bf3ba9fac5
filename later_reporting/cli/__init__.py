"""The `later-reporting` command line.

Each command lives in its own module and is registered on the group here.
"""

from __future__ import annotations

import click

from later_reporting._version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="later-reporting")
def main() -> None:
    """Pull Later Influence reporting data into files your BI tools read."""


from later_reporting.cli._sandbox import sandbox  # noqa: E402 - commands register after the group

main.add_command(sandbox)
from later_reporting.cli._auth import auth  # noqa: E402
from later_reporting.cli._demo import demo  # noqa: E402
from later_reporting.cli._export import export  # noqa: E402

main.add_command(export)
main.add_command(demo)
main.add_command(auth)
from later_reporting.cli._sync import sync  # noqa: E402

main.add_command(sync)
