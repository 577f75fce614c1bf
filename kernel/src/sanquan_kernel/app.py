"""The application factory every domain service uses: middleware, problem handlers, health, metrics, auth,
org directory and revocation sync, and the database session factory."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine, orm
from sqlalchemy.orm import Session, sessionmaker

from sanquan_kernel.accounts import Account, AccountDirectory
from sanquan_kernel.auth import Authenticator, KeySet
from sanquan_kernel.db import make_engine, make_read_sessionmaker, make_sessionmaker
from sanquan_kernel.errors import install_problem_handlers
from sanquan_kernel.health import alembic_heads, health_router
from sanquan_kernel.logging import configure_logging
from sanquan_kernel.metrics import count_audited_changes, metrics_endpoint, track_engine
from sanquan_kernel.middleware import (
    BodySizeLimitMiddleware,
    LoadShedMiddleware,
    PrivateEndpointsMiddleware,
    RequestContextMiddleware,
)
from sanquan_kernel.orgdir import Org, OrgDirectory
from sanquan_kernel.revocation import RevocationList
from sanquan_kernel.routing import check_transactional
from sanquan_kernel.service_client import ServiceClient
from sanquan_kernel.settings import ServiceSettings

log = logging.getLogger("sanquan.app")


@dataclass
class KernelState:
    """What the shared dependencies find on ``app.state.kernel``."""

    settings: Any
    engine: Engine
    sessionmaker: sessionmaker[Session]
    authenticator: Authenticator
    orgdir: OrgDirectory
    revocations: RevocationList
    service_client: ServiceClient | None = None
    alembic_heads: set[str] = field(default_factory=set)
    #: Sessions for GET requests (deferred BEGIN on SQLite); None means use ``sessionmaker``.
    read_sessionmaker: orm.sessionmaker[Session] | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    #: Where accounts belong (asked of the gateway): checks of records that name an account.
    accounts: AccountDirectory = field(default_factory=AccountDirectory)

    def __post_init__(self) -> None:
        # Observability of every process (the gateway builds its own state too): pool use, audited changes.
        service = str(getattr(self.settings, "service_name", "service"))
        track_engine(self.engine, service)
        count_audited_changes(self.sessionmaker, service)


class GatewaySync:
    """Keeps the org directory and revocation list fresh with conditional requests to the gateway."""

    def __init__(
        self,
        client: ServiceClient,
        orgdir: OrgDirectory,
        revocations: RevocationList,
        interval: float,
        accounts: AccountDirectory | None = None,
    ) -> None:
        self.client = client
        self.orgdir = orgdir
        self.revocations = revocations
        self.accounts = accounts
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh_orgs(self) -> None:
        headers = {"If-None-Match": self.orgdir.etag} if self.orgdir.etag else {}
        r = self.client.get(f"{self.client.gateway_url}/internal/orgs", headers=headers)
        if r.status_code == 304:
            return
        r.raise_for_status()
        self.orgdir.replace([Org.from_dict(d) for d in r.json()["items"]], r.headers.get("etag"))

    def fetch_accounts(self, ids: list[int]) -> list[Account]:
        r = self.client.get(f"{self.client.gateway_url}/internal/accounts", params={"id": ids})
        r.raise_for_status()
        return [Account.from_dict(d) for d in r.json()["items"]]

    def refresh_revocations(self) -> None:
        headers = {"If-None-Match": self.revocations.etag} if self.revocations.etag else {}
        r = self.client.get(f"{self.client.gateway_url}/internal/revocations", headers=headers)
        if r.status_code == 304:
            return
        r.raise_for_status()
        self.revocations.replace(r.json()["items"], r.headers.get("etag"))

    def tick(self) -> None:
        self.refresh_revocations()
        self.refresh_orgs()

    def start(self) -> None:
        self.orgdir.set_refresher(self.refresh_orgs)
        if self.accounts is not None:
            self.accounts.set_fetcher(self.fetch_accounts)
        try:
            self.tick()
        except Exception as exc:  # noqa: BLE001 - the gateway may start after us
            log.warning("initial sync with the gateway failed: %s", exc)
        self._thread = threading.Thread(target=self._run, name="gateway-sync", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception as exc:  # noqa: BLE001
                log.warning("sync with the gateway failed: %s", exc)

    def stop(self) -> None:
        self._stop.set()


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    routers: Iterable[APIRouter],
    alembic_ini: Path,
    api_prefix: str,
    description: str = "",
    authenticator: Authenticator | None = None,
    orgdir: OrgDirectory | None = None,
    accounts: AccountDirectory | None = None,
    service_client: ServiceClient | None = None,
    start_sync: bool = True,
    version: str = "0.1.0",
) -> FastAPI:
    """Build a domain service. Tests pass ``authenticator``, ``orgdir``, ``accounts`` and ``start_sync=False``."""
    configure_logging(settings.service_name, settings.log_level)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    revocations = authenticator.revocations if authenticator else RevocationList()
    if authenticator is None:
        keys = KeySet.from_url(f"{settings.gateway_url.rstrip('/')}/.well-known/jwks.json")
        authenticator = Authenticator(keys, revocations, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    orgdir = orgdir or OrgDirectory()
    if service_client is None and start_sync:
        service_client = ServiceClient(
            settings.gateway_url, f"svc-{settings.service_name}", settings.resolved_client_secret()
        )
    state = KernelState(
        settings=settings,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        read_sessionmaker=make_read_sessionmaker(engine),
        authenticator=authenticator,
        orgdir=orgdir,
        revocations=revocations,
        service_client=service_client,
        alembic_heads=alembic_heads(alembic_ini),
        accounts=accounts or AccountDirectory(),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        sync = None
        if start_sync and service_client is not None:
            sync = GatewaySync(service_client, orgdir, revocations, settings.sync_interval, state.accounts)
            orgdir.fresh_interval = settings.sync_interval  # a list is as fresh as the sync keeps the directory
            sync.start()
            state.extras["sync"] = sync
        yield
        if sync:
            sync.stop()
        engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_url=f"{api_prefix}/openapi.json",
        # The platform's one docs page is the gateway's /api/docs (assets served by the gateway, no CDN).
        docs_url=None,
        redoc_url=None,
    )
    app.state.kernel = state
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(LoadShedMiddleware, max_in_flight=settings.max_in_flight)
    app.add_middleware(PrivateEndpointsMiddleware, metrics_token=settings.metrics_token, authenticator=authenticator)
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    app.include_router(health_router())
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    routers = list(routers)
    check_transactional(routers)
    for router in routers:
        app.include_router(router, prefix=api_prefix)
    return app
