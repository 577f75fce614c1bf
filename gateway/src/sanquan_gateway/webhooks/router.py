"""``/api/webhooks``: a university administrator's webhook endpoints for the university's integration clients, and
an integration client's own (scope ``webhooks:manage``) (docs/webhooks.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response, status

from sanquan_gateway.webhooks import service
from sanquan_gateway.webhooks.schemas import (
    DeliveryOut,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecret,
    SecretOut,
)
from sanquan_kernel.db import SessionDep
from sanquan_kernel.deps import require
from sanquan_kernel.etag import set_etag
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.principal import Principal, Role

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

#: The university administrator (the university's endpoints) or an integration client (its own).
WebhookAdmin = Annotated[Principal, require(Role.UNIVERSITY_ADMIN, Role.INTEGRATION, client_scope="webhooks:manage")]


@router.get("/endpoints", response_model=Page[EndpointOut])
def list_endpoints(session: SessionDep, principal: WebhookAdmin, page: PageDep) -> Page[EndpointOut]:
    items, total = paginate(session, service.list_stmt(session, principal), page)
    return Page[EndpointOut](
        items=[service.out(session, e) for e in items], total=total, limit=page.limit, offset=page.offset
    )


@router.post("/endpoints", response_model=EndpointWithSecret, status_code=status.HTTP_201_CREATED)
def create_endpoint(
    data: EndpointCreate, request: Request, response: Response, session: SessionDep, principal: WebhookAdmin
) -> EndpointWithSecret:
    e = service.create(session, request, principal, request.app.state.kernel.settings, data)
    set_etag(response, e.version)
    return EndpointWithSecret(**service.out(session, e).model_dump(), secret=e.secret)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut)
def get_endpoint(endpoint_id: int, response: Response, session: SessionDep, principal: WebhookAdmin) -> EndpointOut:
    e = service.get(session, principal, endpoint_id)
    set_etag(response, e.version)
    return service.out(session, e)


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointOut)
def update_endpoint(
    endpoint_id: int,
    data: EndpointUpdate,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: WebhookAdmin,
) -> EndpointOut:
    e = service.get(session, principal, endpoint_id)
    e = service.update(session, request, principal, request.app.state.kernel.settings, e, data)
    set_etag(response, e.version)
    return service.out(session, e)


@router.delete("/endpoints/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_endpoint(endpoint_id: int, request: Request, session: SessionDep, principal: WebhookAdmin) -> Response:
    service.remove(session, request, principal, service.get(session, principal, endpoint_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=SecretOut)
def rotate_secret(
    endpoint_id: int, request: Request, response: Response, session: SessionDep, principal: WebhookAdmin
) -> SecretOut:
    e = service.get(session, principal, endpoint_id)
    e = service.rotate(session, request, principal, request.app.state.kernel.settings, e)
    set_etag(response, e.version)
    return SecretOut(secret=e.secret, previous_secret_until=e.previous_secret_until)


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=Page[DeliveryOut])
def list_deliveries(
    endpoint_id: int,
    session: SessionDep,
    principal: WebhookAdmin,
    page: PageDep,
    status: Literal["pending", "delivered", "failed"] | None = None,
) -> Page[DeliveryOut]:
    e = service.get(session, principal, endpoint_id)
    items, total = paginate(session, service.deliveries_stmt(e, status), page)
    return Page[DeliveryOut](
        items=[DeliveryOut.model_validate(d) for d in items], total=total, limit=page.limit, offset=page.offset
    )


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryOut, status_code=status.HTTP_202_ACCEPTED)
def replay_delivery(delivery_id: int, request: Request, session: SessionDep, principal: WebhookAdmin) -> DeliveryOut:
    return DeliveryOut.model_validate(service.replay(session, request, principal, delivery_id))
