"""The org directory: each service's read-only copy of the gateway's organisation tree.

Small (a province: ~200 universities, a few thousand departments) and rarely changed, so it lives in memory,
loaded from the gateway's internal endpoint at start and refreshed by a conditional request (ETag) every few
seconds, or at once on a miss (rate-limited).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Org:
    id: int
    parent_id: int | None
    level: str  # province | university | department
    university_id: int | None
    name: str
    code: str | None = None
    type: str | None = None
    path: str = ""
    active: bool = True
    city: str | None = None  # universities: GB/T 2260 code of the province's city (the big screen's map)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Org:
        return cls(
            id=int(d["id"]),
            parent_id=d.get("parent_id"),
            level=d["level"],
            university_id=d.get("university_id"),
            name=d["name"],
            code=d.get("code"),
            type=d.get("type"),
            path=d.get("path", ""),
            active=bool(d.get("active", True)),
            city=d.get("city"),
        )


class OrgDirectory:
    def __init__(
        self,
        orgs: Iterable[Org] = (),
        *,
        etag: str | None = None,
        refresher: Callable[[], None] | None = None,
        miss_interval: float = 0.1,
    ) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[int, Org] = {}
        self._children: dict[int | None, list[Org]] = {}
        self.etag = etag
        self.loaded = False
        self._refresher = refresher
        self._last_miss_refresh = 0.0
        self._refresh_lock = threading.Lock()
        #: at most one refresh on a miss per this many seconds (a miss inside the interval waits for its end)
        self.miss_interval = miss_interval
        #: ``fresh()`` asks the gateway at most once per this many seconds (the services set their sync interval)
        self.fresh_interval = 2.0
        #: an id a refresh did not find is answered "missing" without another refresh for this many seconds
        self.negative_ttl = 1.0
        self._missing: dict[int, float] = {}
        if orgs:
            self.replace(orgs, etag)

    def replace(self, orgs: Iterable[Org], etag: str | None = None) -> None:
        by_id = {o.id: o for o in orgs}
        children: dict[int | None, list[Org]] = {}
        for o in sorted(by_id.values(), key=lambda o: (o.name, o.id)):
            children.setdefault(o.parent_id, []).append(o)
        with self._lock:
            self._by_id, self._children, self.etag, self.loaded = by_id, children, etag, True

    def set_refresher(self, refresher: Callable[[], None]) -> None:
        self._refresher = refresher

    def get(self, org_id: int | None) -> Org | None:
        if org_id is None:
            return None
        org = self._by_id.get(org_id)
        if org is not None or self._refresher is None:
            return org
        seen = self._missing.get(org_id)
        if seen is not None and time.monotonic() - seen < self.negative_ttl:
            return None  # a refresh a moment ago did not find it either: no waiting for another one
        self.refresh_since(time.monotonic())
        org = self._by_id.get(org_id)
        if org is None:
            if len(self._missing) > 10_000:
                self._missing.clear()
            self._missing[org_id] = time.monotonic()
        return org

    def refresh_since(self, asked_at: float) -> None:
        """Make sure the directory was asked of the gateway at or after ``asked_at`` (a monotonic time): on a
        miss, an organisation created just before is found. Coalesced — one refresh at a time, and one begun
        after a miss serves it — and bounded: at most one per ``miss_interval`` seconds; a miss inside the
        interval waits for its end instead of being answered "no such organisation"."""
        if self._refresher is None:
            return
        with self._refresh_lock:
            if self._last_miss_refresh >= asked_at:
                return
            wait = self._last_miss_refresh + self.miss_interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_miss_refresh = time.monotonic()
            try:
                self._refresher()
            except Exception:  # noqa: BLE001 - a miss stays a miss when the gateway is away
                return

    def fresh(self) -> OrgDirectory:
        """The directory as of at most ``fresh_interval`` seconds ago: for lists of every organisation (a
        province overview), which cannot tell a miss from an absence. Never waits for the interval (a busy
        overview must not queue), only for a refresh already running. The interval is the background sync's
        (``sync_interval``): a list is as fresh as the sync keeps the directory anyway, and a busy overview no
        longer asks the gateway on nearly every call (the load mix: a conditional GET per overview at 0.1 s)."""
        if self._refresher is None:
            return self
        with self._refresh_lock:
            if time.monotonic() - self._last_miss_refresh < max(self.miss_interval, self.fresh_interval):
                return self
            self._last_miss_refresh = time.monotonic()
            # the copy we have is the best answer when the gateway is away (the sync thread logs it)
            with contextlib.suppress(Exception):
                self._refresher()
        return self

    def name(self, org_id: int | None) -> str:
        """For display: a miss refreshes without waiting (``fresh``), so a page of names never queues."""
        if org_id is None:
            return ""
        org = self._by_id.get(org_id) or self.fresh()._by_id.get(org_id)
        return org.name if org else ""

    def all(self) -> list[Org]:
        return list(self._by_id.values())

    def province(self) -> Org | None:
        return next((o for o in self._by_id.values() if o.level == "province"), None)

    def universities(self, *, active_only: bool = False) -> list[Org]:
        return [o for o in self._children_of_level("university") if o.active or not active_only]

    def departments_of(self, university_id: int) -> list[Org]:
        return [o for o in self._children.get(university_id, []) if o.level == "department"]

    def is_department_of(self, department_id: int | None, university_id: int | None) -> bool:
        org = self.get(department_id)
        return org is not None and org.level == "department" and org.university_id == university_id

    def is_university(self, org_id: int | None) -> bool:
        org = self.get(org_id)
        return org is not None and org.level == "university"

    def _children_of_level(self, level: str) -> list[Org]:
        return sorted((o for o in self._by_id.values() if o.level == level), key=lambda o: (o.code or "", o.id))
