"""What every command shares: exit codes, credentials, error reporting."""

from __future__ import annotations

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_API = 4
EXIT_INTERRUPTED = 130
