"""Where accounts belong: a service's look-up of the gateway's accounts (``/internal/accounts``).

A record that names an account (a task's responsible person, an expert of a panel) must name one of the right
organisation; the account's university and department come from the gateway, never from what the caller typed.
Accounts are few per request and change rarely, so a look-up asks the gateway for the ids it needs (one request)
and keeps the answer for a few seconds. When the gateway cannot be asked, the look-up fails (503): a reference
that cannot be checked is not accepted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sanquan_kernel.errors import ServiceUnavailable

#: Roles of a university's own people: the accounts that can be responsible for a university's work.
UNIVERSITY_PEOPLE = frozenset({"university_admin", "department_manager", "staff"})
#: Roles bound to one department: responsible only for work of that department.
DEPARTMENT_PEOPLE = frozenset({"department_manager", "staff"})


#: Account ids are the gateway's integer keys.
MAX_ACCOUNT_ID = 2**31 - 1


@dataclass(frozen=True)
class Account:
    id: int
    role: str
    university_id: int | None
    department_id: int | None
    active: bool = True
    name: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Account:
        return cls(
            id=int(d["id"]),
            role=str(d["role"]),
            university_id=d.get("university_id"),
            department_id=d.get("department_id"),
            active=bool(d.get("active", True)),
            name=str(d.get("name") or ""),
        )


class AccountsUnavailable(ServiceUnavailable):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Accounts cannot be checked at the moment ({reason}); try again shortly")


Fetcher = Callable[[list[int]], Iterable[Account]]


class AccountDirectory:
    """``lookup(ids)``: the accounts among ``ids`` that exist. ``accounts`` are known without asking (tests);
    ``fetcher`` asks the gateway (set by the service's gateway sync)."""

    def __init__(self, accounts: Iterable[Account] = (), *, fetcher: Fetcher | None = None, ttl: float = 5.0) -> None:
        self._static = {a.id: a for a in accounts}
        self._fetcher = fetcher
        self._ttl = ttl
        self._cache: dict[int, tuple[float, Account]] = {}
        self._lock = threading.Lock()

    def set_fetcher(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher

    def lookup(self, ids: Iterable[int]) -> dict[int, Account]:
        # An id outside the account table's key range (a positive 32-bit integer) names no account: it is not
        # asked of the gateway at all (whose database would refuse the number).
        wanted = {int(i) for i in ids if 0 < int(i) <= MAX_ACCOUNT_ID}
        found = {i: self._static[i] for i in wanted if i in self._static}
        now = time.monotonic()
        with self._lock:
            for i in wanted - found.keys():
                hit = self._cache.get(i)
                if hit is not None and now - hit[0] < self._ttl:
                    found[i] = hit[1]
        missing = sorted(wanted - found.keys())
        if not missing:
            return found
        if self._fetcher is None:
            if self._static:  # a fixed directory (tests): what it does not hold does not exist
                return found
            raise AccountsUnavailable("the service has no connection to the gateway")
        try:
            fetched = list(self._fetcher(missing))
        except Exception as exc:  # noqa: BLE001 - any failure to ask is "cannot check", never "does not exist"
            raise AccountsUnavailable(type(exc).__name__) from None
        with self._lock:
            for a in fetched:
                self._cache[a.id] = (now, a)
        found.update({a.id: a for a in fetched if a.id in wanted})
        return found

    def get(self, account_id: int) -> Account | None:
        return self.lookup([account_id]).get(account_id)
