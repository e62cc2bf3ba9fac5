"""Sandbox clients and their JWTs (HS256, signed with a per-process key)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field

from later_reporting.sandbox._problems import Problem


@dataclass(frozen=True)
class SandboxClient:
    """One OAuth client of the sandbox; the secrets are documented fakes.

    Attributes:
        client_id: Its client ID.
        client_secret: Its secret (never in its repr).
        instances: The instance ids bound to it.
        disabled: Whether the token endpoint refuses it with ``CLIENT_DISABLED``.
    """

    client_id: str
    client_secret: str = field(repr=False)
    instances: tuple[str, ...]
    disabled: bool = False


DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105 - the sandbox's documented fake secret
DEFAULT_CLIENTS = (
    SandboxClient(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, ("instance_abc", "instance_def")),
    SandboxClient("disabled-client", "disabled-secret", ("instance_abc",), disabled=True),
    SandboxClient("empty-client", "empty-secret", ()),
    SandboxClient("xyz-client", "xyz-secret", ("instance_xyz",)),
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tokens:
    """Issues and checks JWTs; remembers every token it issued (for leak tests)."""

    def __init__(self, clients: tuple[SandboxClient, ...], lifetime: float) -> None:
        self.clients = {c.client_id: c for c in clients}
        self.lifetime = lifetime
        self._key = secrets.token_bytes(32)
        self.issued: list[str] = []

    def issue(self, client_id: object, client_secret: object) -> str:
        client = self.clients.get(client_id) if isinstance(client_id, str) else None
        if (
            client is None
            or not isinstance(client_secret, str)
            or not hmac.compare_digest(client.client_secret.encode(), client_secret.encode())
        ):
            raise Problem(
                "ANL_00401",
                "The client ID or client secret is incorrect.",
                code="INVALID_CLIENT_CREDENTIALS",
            )
        if client.disabled:
            raise Problem("ANL_00403", "This client has been disabled.", code="CLIENT_DISABLED")
        if not client.instances:
            raise Problem(
                "ANL_00403",
                "This client has no active instance associations.",
                code="NO_ACCESSIBLE_INSTANCES",
            )
        now = time.time()
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(
            json.dumps(
                {
                    "sub": client.client_id,
                    "iat": int(now),
                    "exp": round(now + self.lifetime, 3),
                    "jti": secrets.token_hex(8),
                }
            ).encode()
        )
        signature = _b64(
            hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        )
        token = f"{header}.{payload}.{signature}"
        self.issued.append(token)
        return token

    def verify(self, authorization: str | None) -> SandboxClient:
        if not authorization:
            raise Problem("ANL_00401", "Missing Authorization header: send 'Bearer <jwt>'.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem("ANL_00401", "Malformed Authorization header: send 'Bearer <jwt>'.")
        parts = token.strip().split(".")
        try:
            header, payload, signature = parts
            expected = hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(signature)):
                raise ValueError("bad signature")
            claims = json.loads(_unb64(payload))
            client = self.clients[claims["sub"]]
            expires = float(claims["exp"])
        except (ValueError, KeyError, TypeError) as exc:
            raise Problem("ANL_00401", "The JWT is malformed or invalid.") from exc
        if expires <= time.time():
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
            raise Problem("ANL_00401", f"The JWT expired at {when}; request a new token.")
        if client.disabled:
            raise Problem("ANL_00403", "This client has been disabled.")
        return client
