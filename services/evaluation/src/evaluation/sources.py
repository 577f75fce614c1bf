"""Calls to the plans and training services with the evaluation service's own token (role ``service``).

Every failure becomes ``SourceUnavailable`` with a reason a person can read; callers decide what that means
(a scorecard marks indicators unavailable, a nomination of a person answers 503).
"""

from __future__ import annotations

from typing import Any

import httpx

from sanquan_kernel.service_client import ServiceClient


class SourceUnavailable(Exception):
    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class NotInSource(Exception):
    """The source answered 404."""


def get_json(
    client: ServiceClient | None, source: str, url: str, *, params: dict[str, Any] | None = None, timeout: float = 5.0
) -> dict[str, Any]:
    if client is None:
        raise SourceUnavailable(source, "the evaluation service has no service credentials configured")
    try:
        r = client.get(url, params=params, timeout=timeout)
    except httpx.TimeoutException:
        raise SourceUnavailable(source, f"the {source} service did not answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise SourceUnavailable(source, f"the {source} service is unreachable ({type(exc).__name__})") from None
    if r.status_code == 404:
        raise NotInSource(url)
    if r.status_code != 200:
        raise SourceUnavailable(source, f"the {source} service answered HTTP {r.status_code}")
    try:
        body = r.json()
    except ValueError:
        raise SourceUnavailable(source, f"the {source} service answered something that is not JSON") from None
    if not isinstance(body, dict):
        raise SourceUnavailable(source, f"the {source} service answered an unexpected document")
    return body
