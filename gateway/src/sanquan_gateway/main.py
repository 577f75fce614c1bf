"""create_app(): the gateway — its own API (auth, orgs, accounts, audit, internal), the reverse proxy to the
services, the combined OpenAPI, and the built SPA; wrapped in the request-id, body-size, private-endpoint and
security-header middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from sanquan_gateway.accounts.router import router as accounts_router
from sanquan_gateway.audit.router import router as audit_router
from sanquan_gateway.auth import passwords
from sanquan_gateway.auth.keys import load_signing_key, retired_public_keys
from sanquan_gateway.auth.revocations import RevocationPoller
from sanquan_gateway.auth.router import jwks_router
from sanquan_gateway.auth.router import router as auth_router
from sanquan_gateway.auth.service import TokenIssuer
from sanquan_gateway.config import Settings
from sanquan_gateway.events.router import router as events_router
from sanquan_gateway.hall_identity.router import router as hall_identity_router
from sanquan_gateway.internal.router import router as internal_router
from sanquan_gateway.mail import service as mail
from sanquan_gateway.mail.models import ScheduledJob
from sanquan_gateway.mail.router import router as mail_router
from sanquan_gateway.models import load_all_models
from sanquan_gateway.notifications import service as _notifications  # noqa: F401 - subscribes to the intake
from sanquan_gateway.notifications.router import router as notifications_router
from sanquan_gateway.openapi import CombinedOpenAPI
from sanquan_gateway.orgs.router import router as orgs_router
from sanquan_gateway.proxy import Proxy
from sanquan_gateway.spa import SPAFiles
from sanquan_gateway.webhooks import subscriber as _webhook_subscriber  # noqa: F401 - subscribes to the intake
from sanquan_gateway.webhooks.router import router as webhooks_router
from sanquan_gateway.webhooks.worker import DeliveryWorker
from sanquan_kernel.app import KernelState
from sanquan_kernel.auth import Authenticator, KeySet
from sanquan_kernel.db import make_engine, make_read_sessionmaker, make_sessionmaker
from sanquan_kernel.errors import install_problem_handlers
from sanquan_kernel.health import alembic_heads, health_router
from sanquan_kernel.logging import configure_logging
from sanquan_kernel.metrics import metrics_endpoint
from sanquan_kernel.middleware import (
    BodySizeLimitMiddleware,
    PrivateEndpointsMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.revocation import RevocationList
from sanquan_kernel.schedule import Scheduler

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
REPO_ROOT = Path(__file__).resolve().parents[3]
OWN_PREFIXES = ("/api/", "/.well-known/", "/internal/", "/healthz", "/readyz", "/metrics")


class GatewayApp:
    """Dispatches each request: service prefixes to the proxy, the gateway's own paths to FastAPI, the rest to
    the SPA. Lifespan goes to FastAPI, which starts and stops the proxy's pool and the revocation poller."""

    def __init__(self, api: FastAPI, proxy: Proxy, spa: SPAFiles | None) -> None:
        self.api = api
        self.proxy = proxy
        # The built app's JavaScript and CSS go out compressed (the sign-in page's budget is counted gzipped).
        self.spa = GZipMiddleware(spa, minimum_size=1024) if spa is not None else None
        self.state = api.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            prefix = self.proxy.match(path)
            if prefix is not None:
                await self.proxy(scope, receive, send, prefix)
                return
            if self.spa is not None and scope["method"] in ("GET", "HEAD") and not path.startswith(OWN_PREFIXES):
                await self.spa(scope, receive, send)
                return
        await self.api(scope, receive, send)


def create_app(settings: Settings | None = None, *, start_background: bool = True) -> ASGIApp:
    settings = settings or Settings()
    configure_logging("gateway", settings.log_level)
    passwords.use_profile(settings.password_hash_profile)
    load_all_models()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    factory = make_sessionmaker(engine)
    key = load_signing_key(settings)
    revocations = RevocationList()
    keys = KeySet([key.public_jwk, *retired_public_keys()])
    authenticator = Authenticator(keys, revocations, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    state = KernelState(
        settings=settings,
        engine=engine,
        sessionmaker=factory,
        read_sessionmaker=make_read_sessionmaker(engine),
        authenticator=authenticator,
        orgdir=OrgDirectory(),
        revocations=revocations,
        alembic_heads=alembic_heads(ALEMBIC_INI),
    )
    poller = RevocationPoller(factory, revocations, settings.revocation_poll_seconds)
    poller.install()
    state.extras.update(issuer=TokenIssuer(key, settings), revocation_poller=poller)
    webhook_worker = DeliveryWorker(factory, settings)
    webhook_worker.install(factory)  # the intake and a replay write in the write sessions
    state.extras["webhook_worker"] = webhook_worker
    proxy = Proxy(
        settings.upstreams(),
        authenticator,
        connect_timeout=settings.upstream_connect_timeout,
        read_timeout=settings.upstream_read_timeout,
        trust_proxy_headers=settings.trust_proxy_headers,
    )

    mail_schedule = Scheduler(factory, ScheduledJob, mail.jobs(settings), poll=settings.schedule_poll_seconds)
    state.extras["schedule"] = mail_schedule

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await proxy.start()
        if start_background:
            poller.start()
            if settings.schedule_worker and mail_schedule.jobs:
                mail_schedule.start()
            if settings.webhook_worker:
                webhook_worker.start()
        else:
            poller.refresh()
        yield
        mail_schedule.stop()
        webhook_worker.stop()
        poller.stop()
        await proxy.stop()
        engine.dispose()

    api = FastAPI(
        title="Gateway",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/gateway/openapi.json",
        docs_url=None,
        redoc_url=None,
        description="Identity, organisations, accounts and tokens of the platform.",
    )
    api.state.kernel = state
    install_problem_handlers(api)
    # The services' calls first (the event intake of every relayed push, the 2-second polls): FastAPI tries the
    # routes in order, and these are most of the gateway's own requests (#21). No path of them overlaps another's.
    api.include_router(internal_router)
    api.include_router(events_router)
    for router in (
        auth_router,
        hall_identity_router,
        orgs_router,
        accounts_router,
        audit_router,
        notifications_router,
        mail_router,
    ):
        api.include_router(router, prefix="/api")
    api.include_router(jwks_router)
    api.include_router(webhooks_router, prefix="/api")
    api.include_router(health_router())
    api.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    combined = CombinedOpenAPI(api, proxy)
    combined.install()
    state.extras["openapi"] = combined

    spa_dir = Path(settings.spa_dir)
    if not spa_dir.is_absolute():
        spa_dir = REPO_ROOT / spa_dir
    spa = SPAFiles(spa_dir) if (spa_dir / "index.html").is_file() else None
    app: Any = GatewayApp(api, proxy, spa)
    app = BodySizeLimitMiddleware(app, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app = CORSMiddleware(
            app,
            allow_origins=[o.strip() for o in settings.cors_origins.split(",") if o.strip()],
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "X-Request-ID", "Retry-After"],
        )
    app = PrivateEndpointsMiddleware(app, metrics_token=settings.metrics_token, authenticator=authenticator)
    app = RequestContextMiddleware(app, service="gateway")
    app = SecurityHeadersMiddleware(app)
    app.state = api.state
    return app  # type: ignore[no-any-return]
