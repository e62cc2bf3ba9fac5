"""A faithful local implementation of the Later Influence Reporting API v2.

It serves the whole contract of ``openapi/later-reporting-v2.yaml`` from a deterministic
synthetic dataset, with documented demo credentials, signed JWTs, rate limiting and fault
injection. Use it as the demo's backend, as the contract suite's peer, or in your own tests:

```python
from later_reporting.sandbox import serve_in_thread, SandboxConfig
with serve_in_thread(SandboxConfig(rate_limit=None)) as base_url:
    ...  # Client(base_url=base_url, client_id="demo-client", client_secret="demo-secret")
```

Demo clients: ``demo-client``/``demo-secret`` (instances ``instance_abc`` and
``instance_def``), ``disabled-client``/``disabled-secret``, ``empty-client``/``empty-secret``
(no instances), ``xyz-client``/``xyz-secret`` (``instance_xyz``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

from later_reporting.sandbox._app import SandboxApp, SandboxConfig
from later_reporting.sandbox._auth import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SandboxClient
from later_reporting.sandbox._faults import Faults

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "Faults",
    "SandboxApp",
    "SandboxClient",
    "SandboxConfig",
    "create_app",
    "serve_in_thread",
]


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    """The sandbox as an ASGI application (for in-process tests or any ASGI server).

    Args:
        config: How it behaves; ``None`` for ``SandboxConfig()`` (the documented API, 120
            requests per minute per client address).

    Returns:
        The application; serve it with uvicorn, or pass it to ``httpx.ASGITransport``.
    """
    return SandboxApp(config)


@contextlib.contextmanager
def serve_in_thread(
    config: SandboxConfig | SandboxApp | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve the sandbox with uvicorn on a loopback port in a daemon thread; yield its URL.

    The server stops when the block ends.

    Example:
        ```python
        with serve_in_thread(SandboxConfig(rate_limit=None)) as base_url:
            with Client(base_url=base_url, client_id="demo-client",
                        client_secret="demo-secret") as client:
                print(list(client.instances.list()))
        ```

    Args:
        config: A ``SandboxConfig`` (a new app is built from it), an app already built
            by ``create_app`` (to inspect its counters), or ``None`` for the defaults.
        host: The address to listen on. Default ``127.0.0.1``.
        port: The port; ``0`` (default) picks a free one.

    Yields:
        The base URL to give the client, e.g. ``http://127.0.0.1:54321``.

    Raises:
        RuntimeError: The server did not start within 10 seconds.
    """
    import uvicorn

    app = config if isinstance(config, SandboxApp) else create_app(config)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="critical", lifespan="off", timeout_keep_alive=30)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.01)
    bound = sock.getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
