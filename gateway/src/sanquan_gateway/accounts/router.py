from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy import select

from sanquan_gateway.accounts import repository as repo
from sanquan_gateway.accounts import service
from sanquan_gateway.accounts.schemas import (
    ClientCreate,
    ClientCreated,
    ClientOut,
    ClientUpdate,
    PasswordReset,
    UserCreate,
    UserOut,
    UserUpdate,
)
from sanquan_gateway.deps import Person, only
from sanquan_gateway.orgs.models import Organisation
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import Forbidden, NotFound
from sanquan_kernel.etag import check_if_match, set_etag
from sanquan_kernel.exports import XLSX_MEDIA, ExportFormat, table_response
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.principal import Role

router = APIRouter(tags=["accounts"])
# Accounts are people's business: machine clients (integration, service) get 403 on every path here.
_people = [only(Person)]


@router.get("/users", response_model=Page[UserOut], dependencies=_people)
def list_users(
    session: SessionDep,
    scope: CurrentScope,
    page: PageDep,
    org_id: int | None = None,
    role: Role | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    active: bool | None = None,
) -> Page[UserOut]:
    stmt = repo.list_users_stmt(scope, org_id=org_id, role=role.value if role else None, q=q, active=active)
    items, total = paginate(session, stmt, page)
    return Page[UserOut](
        items=[UserOut.model_validate(u) for u in items], total=total, limit=page.limit, offset=page.offset
    )


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, dependencies=_people)
def create_user(
    data: UserCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
) -> UserOut:
    user = service.create_user(session, request, principal, scope, data)
    set_etag(response, user.version)
    return UserOut.model_validate(user)


ROLE_ZH = {
    "province_admin": "省级管理员",
    "inspector": "督导",
    "expert": "评审专家",
    "university_admin": "高校管理员",
    "department_manager": "部门负责人",
    "staff": "职工",
}


@router.get(
    "/users/export",
    response_class=Response,
    dependencies=_people,
    responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}},
)
def export_users(
    session: SessionDep,
    scope: CurrentScope,
    format: ExportFormat = ExportFormat.XLSX,
    org_id: int | None = None,
    role: Role | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    active: bool | None = None,
) -> Response:
    """The visible accounts as XLSX or CSV, with the list's filters (never a password hash)."""
    stmt = repo.list_users_stmt(scope, org_id=org_id, role=role.value if role else None, q=q, active=active)
    users = list(session.scalars(stmt.limit(100_000)))
    org_ids = {u.org_id for u in users if u.org_id is not None}
    found = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))
    names: dict[int, str] = {oid: name for oid, name in found}
    rows = [
        (
            u.id,
            u.username,
            u.display_name,
            ROLE_ZH.get(u.role, u.role),
            u.org_id,
            names.get(u.org_id, "") if u.org_id is not None else "",
            u.active,
            u.created_at.date().isoformat(),
        )
        for u in users
    ]
    headers = ("编号", "用户名", "姓名", "角色", "所属组织编号", "所属组织", "启用", "创建日期")
    return table_response(headers, rows, format, "账号", sheet="账号")


@router.get("/users/{user_id}", response_model=UserOut, dependencies=_people)
def get_user(user_id: int, response: Response, session: SessionDep, scope: CurrentScope) -> UserOut:
    user = repo.get_user_visible(session, scope, user_id)
    if user is None:
        raise NotFound("No such account")
    set_etag(response, user.version)
    return UserOut.model_validate(user)


@router.patch("/users/{user_id}", response_model=UserOut, dependencies=_people)
def update_user(
    user_id: int,
    data: UserUpdate,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
) -> UserOut:
    user = repo.get_user_visible(session, scope, user_id)
    if user is None:
        raise NotFound("No such account")
    check_if_match(request, user.version)
    user = service.update_user(
        session, request, principal, scope, user, data, request.app.state.kernel.settings.access_token_ttl
    )
    set_etag(response, user.version)
    return UserOut.model_validate(user)


@router.post("/users/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT, dependencies=_people)
def reset_password(
    user_id: int,
    data: PasswordReset,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
) -> Response:
    user = repo.get_user_visible(session, scope, user_id)
    if user is None:
        raise NotFound("No such account")
    service.reset_password(session, request, principal, user, data, request.app.state.kernel.settings.access_token_ttl)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/clients", response_model=Page[ClientOut], dependencies=_people)
def list_clients(
    session: SessionDep, principal: CurrentPrincipal, scope: CurrentScope, page: PageDep
) -> Page[ClientOut]:
    if principal.role not in (Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN):
        raise Forbidden("Your role may not manage clients")
    items, total = paginate(session, repo.list_clients_stmt(scope), page)
    return Page[ClientOut](
        items=[ClientOut.model_validate(c) for c in items], total=total, limit=page.limit, offset=page.offset
    )


@router.post("/clients", response_model=ClientCreated, dependencies=_people, status_code=status.HTTP_201_CREATED)
def create_client(
    data: ClientCreate, request: Request, session: SessionDep, principal: CurrentPrincipal, scope: CurrentScope
) -> ClientCreated:
    """An integration client for one university. The secret is in this answer only."""
    client, secret = service.create_client(session, request, principal, scope, data)
    return ClientCreated.model_validate({**ClientOut.model_validate(client).model_dump(), "client_secret": secret})


@router.patch("/clients/{client_pk}", response_model=ClientOut, dependencies=_people)
def update_client(
    client_pk: int,
    data: ClientUpdate,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
) -> ClientOut:
    client = repo.get_client_visible(session, scope, client_pk)
    if client is None:
        raise NotFound("No such client")
    client = service.update_client(
        session, request, principal, client, data, request.app.state.kernel.settings.access_token_ttl
    )
    return ClientOut.model_validate(client)
