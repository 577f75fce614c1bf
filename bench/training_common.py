"""Shared set-up for the training benchmarks: a generated province, an in-process app, a real HTTP server."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from sanquan_kernel import testing as kt
from sanquan_kernel.orgdir import Org, OrgDirectory

UNIVERSITIES = 160
DEPTS_PER_UNI = 10
PROVINCE_ID = 1


def uni_id(i: int) -> int:
    return 1000 + i


def dept_id(uni_index: int, d: int) -> int:
    return 10_000 + uni_index * DEPTS_PER_UNI + d


def province_orgdir(universities: int = UNIVERSITIES) -> OrgDirectory:
    orgs = [Org(PROVINCE_ID, None, "province", None, "河南省教育厅", "HA", None, "/1/")]
    for u in range(universities):
        orgs.append(
            Org(
                uni_id(u),
                PROVINCE_ID,
                "university",
                uni_id(u),
                f"高校{u:03d}",
                f"U{u:03d}",
                "undergraduate",
                f"/1/{uni_id(u)}/",
            )
        )
        for d in range(DEPTS_PER_UNI):
            orgs.append(
                Org(
                    dept_id(u, d),
                    uni_id(u),
                    "department",
                    uni_id(u),
                    f"高校{u:03d}-部门{d}",
                    None,
                    None,
                    f"/1/{uni_id(u)}/{dept_id(u, d)}/",
                )
            )
    return OrgDirectory(orgs)


def make_app(url: str, orgdir: OrgDirectory) -> Any:
    from training.config import Settings
    from training.main import create_app

    return create_app(
        Settings(database_url=url, environment="test", db_pool_size=40),
        authenticator=kt.make_authenticator(),
        orgdir=orgdir,
        start_sync=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """The app behind a real uvicorn HTTP server in this process (JWT verification, JSON, sockets and all)."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False, log_config=None
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]
