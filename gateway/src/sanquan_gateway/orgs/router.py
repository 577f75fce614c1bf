from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from sanquan_gateway.orgs import repository as repo
from sanquan_gateway.orgs import service
from sanquan_gateway.orgs.cities import PROVINCE_CITIES
from sanquan_gateway.orgs.schemas import OrgCreate, OrgLevel, OrgNode, OrgOut, OrgUpdate
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.etag import check_if_match, set_etag
from sanquan_kernel.exports import XLSX_MEDIA, ExportFormat, table_response
from sanquan_kernel.pagination import Page, PageDep, paginate

router = APIRouter(prefix="/orgs", tags=["organisations"])


@router.get("", response_model=Page[OrgOut])
def list_orgs(
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
    page: PageDep,
    level: OrgLevel | None = None,
    parent_id: int | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    active: bool | None = None,
    city: Annotated[str | None, Query(max_length=6, description="GB/T 2260 code of a city of the province")] = None,
) -> Page[OrgOut]:
    """The organisations the caller can see (A1)."""
    stmt = repo.list_stmt(
        scope, principal, level=level.value if level else None, parent_id=parent_id, q=q, active=active, city=city
    )
    items, total = paginate(session, stmt, page)
    return Page[OrgOut](
        items=[OrgOut.model_validate(o) for o in items], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/tree", response_model=list[OrgNode])
def org_tree(session: SessionDep, principal: CurrentPrincipal, scope: CurrentScope) -> list[OrgNode]:
    """The visible organisations as a tree (roots are the highest visible ones)."""
    orgs = list(session.scalars(repo.list_stmt(scope, principal, level=None, parent_id=None, q=None, active=None)))
    nodes = {o.id: OrgNode.model_validate(o) for o in orgs}
    roots: list[OrgNode] = []
    for o in orgs:
        node = nodes[o.id]
        parent = nodes.get(o.parent_id) if o.parent_id is not None else None
        (parent.children if parent else roots).append(node)
    return roots


LEVEL_ZH = {"province": "省", "university": "高校", "department": "部门"}
TYPE_ZH = {
    "undergraduate": "本科高校",
    "higher_vocational": "高职院校",
    "secondary_vocational": "中职学校",
    "school": "中小学",
}


@router.get("/export", response_class=Response, responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}})
def export_orgs(
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
    format: ExportFormat = ExportFormat.XLSX,
    level: OrgLevel | None = None,
    parent_id: int | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    active: bool | None = None,
    city: Annotated[str | None, Query(max_length=6, description="GB/T 2260 code of a city of the province")] = None,
) -> Response:
    """The visible organisations as XLSX or CSV, with the list's filters."""
    stmt = repo.list_stmt(
        scope, principal, level=level.value if level else None, parent_id=parent_id, q=q, active=active, city=city
    )
    rows = [
        (
            o.id,
            o.name,
            o.code,
            LEVEL_ZH.get(o.level, o.level),
            TYPE_ZH.get(o.type or "", ""),
            PROVINCE_CITIES.get(o.city or "", ""),
            o.parent_id,
            o.active,
        )
        for o in session.scalars(stmt.limit(100_000))
    ]
    headers = ("编号", "名称", "代码", "层级", "类型", "城市", "上级编号", "启用")
    return table_response(headers, rows, format, "组织机构", sheet="组织机构")


@router.get("/{org_id}", response_model=OrgOut)
def get_org(
    org_id: int, session: SessionDep, principal: CurrentPrincipal, scope: CurrentScope, response: Response
) -> OrgOut:
    org = repo.get_visible(session, scope, principal, org_id)
    if org is None:
        raise NotFound("No such organisation")
    set_etag(response, org.version)
    return OrgOut.model_validate(org)


@router.post("", response_model=OrgOut, status_code=status.HTTP_201_CREATED)
def create_org(
    data: OrgCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
) -> OrgOut:
    """Province admins create universities; university admins create their departments."""
    org = service.create_org(session, request, principal, scope, data)
    set_etag(response, org.version)
    return OrgOut.model_validate(org)


@router.patch("/{org_id}", response_model=OrgOut)
def update_org(
    org_id: int,
    data: OrgUpdate,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
) -> OrgOut:
    org = repo.get_visible(session, scope, principal, org_id)
    if org is None:
        raise NotFound("No such organisation")
    check_if_match(request, org.version)
    org = service.update_org(session, request, principal, org, data)
    set_etag(response, org.version)
    return OrgOut.model_validate(org)
