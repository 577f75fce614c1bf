"""Endpoint management for a university's administrator and for an integration client holding ``webhooks:manage``:
add (the secret shown once), change, enable/disable, rotate the secret (the old one signs alongside for the
overlap), delete, deliveries and replay. An administrator sees the university's endpoints, a client only its own;
anything else does not exist for them (404)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from sanquan_gateway.accounts.models import Client
from sanquan_gateway.audit.service import audit
from sanquan_gateway.config import Settings
from sanquan_gateway.webhooks import signing, urls
from sanquan_gateway.webhooks.models import WebhookDelivery, WebhookEndpoint
from sanquan_gateway.webhooks.schemas import EndpointCreate, EndpointOut, EndpointUpdate
from sanquan_kernel import clock
from sanquan_kernel.errors import NotFound, ProblemError
from sanquan_kernel.etag import check_if_match
from sanquan_kernel.principal import Principal, Role


class Invalid(ProblemError):
    status = 422


def _check_url(settings: Settings, url: str) -> None:
    why = urls.problem(url, production=settings.is_production, allow_private=urls.private_ok(settings))
    if why:
        raise Invalid(
            f"The URL cannot receive webhooks: {why}",
            code="webhook_url_invalid",
            errors=[{"loc": ["body", "url"], "msg": why, "type": "webhook_url_invalid"}],
        )


def out(session: Session, endpoint: WebhookEndpoint) -> EndpointOut:
    o = EndpointOut.model_validate(endpoint)
    o.client_id = session.scalar(select(Client.client_id).where(Client.id == endpoint.client_pk)) or ""
    return o


def _own_client(session: Session, principal: Principal) -> int | None:
    """The caller's own client row (``client.id``) when it is an integration client, else None."""
    if principal.role is not Role.INTEGRATION:
        return None
    client_id = principal.subject.removeprefix("client:")
    pk = session.scalar(select(Client.id).where(Client.client_id == client_id))
    if pk is None:  # a client deleted since its token was issued
        raise NotFound("No such webhook endpoint")
    return int(pk)


def list_stmt(session: Session, principal: Principal) -> Select[tuple[WebhookEndpoint]]:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.university_id == principal.university_id)
    own = _own_client(session, principal)
    if own is not None:
        stmt = stmt.where(WebhookEndpoint.client_pk == own)
    return stmt.order_by(WebhookEndpoint.id)


def get(session: Session, principal: Principal, endpoint_id: int) -> WebhookEndpoint:
    e = session.get(WebhookEndpoint, endpoint_id) if 0 < endpoint_id <= 2**31 - 1 else None
    if e is None or principal.university_id is None or e.university_id != principal.university_id:
        raise NotFound("No such webhook endpoint")
    own = _own_client(session, principal)
    if own is not None and e.client_pk != own:
        raise NotFound("No such webhook endpoint")
    return e


def create(
    session: Session, request: Request, principal: Principal, settings: Settings, data: EndpointCreate
) -> WebhookEndpoint:
    own = _own_client(session, principal)
    client_pk = data.client_pk if own is None else (data.client_pk or own)
    client = session.get(Client, client_pk) if client_pk is not None else None
    if (
        client is None
        or (own is not None and client.id != own)
        or client.role != "integration"
        or principal.university_id is None
        or client.university_id != principal.university_id
    ):
        raise Invalid(
            "Choose an integration client of your university",
            code="webhook_client_invalid",
            errors=[{"loc": ["body", "client_pk"], "msg": "not an integration client of your university"}],
        )
    _check_url(settings, data.url)
    now = clock.now()
    e = WebhookEndpoint(
        university_id=principal.university_id,
        client_pk=client.id,
        url=data.url,
        description=data.description,
        event_types=sorted(set(data.event_types)),
        active=True,
        secret=signing.new_secret(),
        consecutive_failures=0,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(e)
    session.flush()
    audit(
        session,
        request,
        actor=principal.username or principal.subject,
        action="webhook.create",
        target=f"webhook_endpoint:{e.id}",
        university_id=e.university_id,
        url=e.url,
        client_id=client.client_id,
    )
    return e


def update(
    session: Session,
    request: Request,
    principal: Principal,
    settings: Settings,
    endpoint: WebhookEndpoint,
    data: EndpointUpdate,
) -> WebhookEndpoint:
    session.refresh(endpoint, with_for_update=True)
    check_if_match(request, endpoint.version)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("url") is not None:
        _check_url(settings, changes["url"])
        endpoint.url = changes["url"]
    if changes.get("event_types") is not None:
        endpoint.event_types = sorted(set(changes["event_types"]))
    if changes.get("description") is not None:
        endpoint.description = changes["description"]
    if changes.get("active") is not None and changes["active"] != endpoint.active:
        endpoint.active = changes["active"]
        if endpoint.active:
            endpoint.disabled_reason, endpoint.disabled_at = None, None
            endpoint.consecutive_failures, endpoint.failing_since = 0, None
        else:
            endpoint.disabled_reason, endpoint.disabled_at = "manual", clock.now()
    endpoint.version += 1
    endpoint.updated_at = clock.now()
    audit(
        session,
        request,
        actor=principal.username or principal.subject,
        action="webhook.update",
        target=f"webhook_endpoint:{endpoint.id}",
        university_id=endpoint.university_id,
        **{k: v for k, v in changes.items() if v is not None},
    )
    return endpoint


def rotate(
    session: Session, request: Request, principal: Principal, settings: Settings, endpoint: WebhookEndpoint
) -> WebhookEndpoint:
    session.refresh(endpoint, with_for_update=True)
    check_if_match(request, endpoint.version)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = clock.now() + timedelta(seconds=settings.webhook_secret_overlap_seconds)
    endpoint.secret = signing.new_secret()
    endpoint.version += 1
    endpoint.updated_at = clock.now()
    audit(
        session,
        request,
        actor=principal.username or principal.subject,
        action="webhook.rotate_secret",
        target=f"webhook_endpoint:{endpoint.id}",
        university_id=endpoint.university_id,
    )
    return endpoint


def remove(session: Session, request: Request, principal: Principal, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its deliveries (their history goes with it; the audit trail keeps the deletion).
    The endpoint row is locked first, as the worker locks it to record outcomes: a batch in flight finds it gone
    and records nothing for it."""
    session.refresh(endpoint, with_for_update=True)
    check_if_match(request, endpoint.version)
    endpoint_id, university_id, url = endpoint.id, endpoint.university_id, endpoint.url
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
    session.delete(endpoint)
    session.flush()
    audit(
        session,
        request,
        actor=principal.username or principal.subject,
        action="webhook.delete",
        target=f"webhook_endpoint:{endpoint_id}",
        university_id=university_id,
        url=url,
    )


def deliveries_stmt(endpoint: WebhookEndpoint, status: str | None) -> Select[tuple[WebhookDelivery]]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return stmt.order_by(WebhookDelivery.id.desc())


def replay(session: Session, request: Request, principal: Principal, delivery_id: int) -> WebhookDelivery:
    d = session.get(WebhookDelivery, delivery_id) if 0 < delivery_id <= 2**31 - 1 else None
    if d is None or principal.university_id is None or d.university_id != principal.university_id:
        raise NotFound("No such delivery")
    own = _own_client(session, principal)
    if own is not None:
        endpoint = session.get(WebhookEndpoint, d.endpoint_id)
        if endpoint is None or endpoint.client_pk != own:
            raise NotFound("No such delivery")
    now = clock.now()
    again = WebhookDelivery(
        endpoint_id=d.endpoint_id,
        university_id=d.university_id,
        event_seq=d.event_seq,
        event_id=d.event_id,
        event_type=d.event_type,
        subject=d.subject,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        replay_of=d.id,
        created_at=now,
    )
    session.add(again)
    session.flush()
    session.info["webhooks.wake"] = True
    audit(
        session,
        request,
        actor=principal.username or principal.subject,
        action="webhook.replay",
        target=f"webhook_delivery:{d.id}",
        university_id=d.university_id,
    )
    return again
