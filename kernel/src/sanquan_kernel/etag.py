"""Optimistic concurrency: every mutable resource has a ``version``; ``ETag: W/"<version>"``; a stale
``If-Match`` answers 412 and changes nothing."""

from __future__ import annotations

from fastapi import Request, Response

from sanquan_kernel.errors import PreconditionFailed


def etag_for(version: int) -> str:
    return f'W/"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def check_if_match(request: Request, current_version: int) -> None:
    """Raise 412 when ``If-Match`` is present and names another version. Absent ``If-Match`` is allowed."""
    header = request.headers.get("if-match")
    if header is None:
        return
    candidates = [c.strip() for c in header.split(",")]
    if "*" in candidates:
        return
    wanted = {c.removeprefix("W/").strip('"') for c in candidates}
    if str(current_version) not in wanted:
        raise PreconditionFailed(
            "The resource was changed by someone else; reload it and try again", current_version=current_version
        )
