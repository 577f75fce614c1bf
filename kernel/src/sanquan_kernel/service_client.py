"""A service's own identity towards the gateway and the other services (client_credentials, role ``service``).

Never a user's token, never an unauthenticated side door: evaluation reads indicators from plans and training,
and every service reads the org directory and the revocation list, with a token of its own service client.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx


class ServiceClient:
    def __init__(self, gateway_url: str, client_id: str, client_secret: str, *, timeout: float = 5.0) -> None:
        self.gateway_url = gateway_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.http = httpx.Client(timeout=timeout)

    def token(self, *, force: bool = False) -> str:
        with self._lock:
            if force or self._token is None or time.time() > self._expires - 60:
                r = self.http.post(
                    f"{self.gateway_url}/api/auth/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.client_id,
                        "client_secret": self._secret,
                    },
                )
                r.raise_for_status()
                body = r.json()
                self._token = body["access_token"]
                self._expires = time.time() + float(body.get("expires_in", 300))
            assert self._token is not None
            return self._token

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """A request with this service's bearer token; a 401 refreshes the token once."""
        headers = dict(kw.pop("headers", {}) or {})
        headers["Authorization"] = f"Bearer {self.token()}"
        r = self.http.request(method, url, headers=headers, **kw)
        if r.status_code == 401:
            headers["Authorization"] = f"Bearer {self.token(force=True)}"
            r = self.http.request(method, url, headers=headers, **kw)
        return r

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def close(self) -> None:
        self.http.close()
