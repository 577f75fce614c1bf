"""What every demo seeder receives: the organisations and accounts made by the gateway seeder, and a way to
act as any of those accounts over HTTP through the gateway."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class DemoDepartment:
    id: int
    name: str
    manager_username: str


@dataclass
class DemoUniversity:
    id: int
    name: str
    code: str
    type: str
    admin_username: str
    departments: list[DemoDepartment] = field(default_factory=list)
    #: usernames of the ``staff`` accounts of this university, with their department id
    staff_accounts: list[tuple[str, int, int]] = field(default_factory=list)  # (username, account id, dept id)


@dataclass
class DemoContext:
    base_url: str
    password: str
    year: int
    province_id: int
    province_admin: str
    experts: list[str]
    universities: list[DemoUniversity]
    #: username -> account as returned by POST /api/users
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    _clients: dict[str, httpx.Client] = field(default_factory=dict)

    def client_for(self, username: str) -> httpx.Client:
        """An ``httpx.Client`` on the gateway, signed in as ``username`` (password grant)."""
        if username not in self._clients:
            r = httpx.post(
                f"{self.base_url}/api/auth/token",
                data={"grant_type": "password", "username": username, "password": self.password},
                timeout=30,
            )
            r.raise_for_status()
            token = r.json()["access_token"]
            self._clients[username] = httpx.Client(
                base_url=self.base_url, timeout=60, headers={"Authorization": f"Bearer {token}"}
            )
        return self._clients[username]

    def close(self) -> None:
        for c in self._clients.values():
            c.close()
