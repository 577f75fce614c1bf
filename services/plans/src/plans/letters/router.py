"""``/api/plans``: responsibility letters — generate, list, download as DOCX or PDF, sign."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Response

from plans.deps import LetterReader, Orgs, PlanEditor, only
from plans.letters import repository as repo
from plans.letters import service
from plans.letters.models import ResponsibilityLetter
from plans.letters.schemas import LetterCreate, LetterDetail, LetterOut, LetterStatus, SignBody
from plans.plan.router import PlanDep
from plans.tasks.rules import Rules
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.etag import set_etag
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter
from sanquan_kernel.storage.names import content_disposition

router = ServiceRouter(tags=["responsibility letters"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def load_letter(
    letter_id: int, session: SessionDep, scope: CurrentScope, principal: CurrentPrincipal
) -> ResponsibilityLetter:
    letter = repo.get_letter(session, scope, principal, letter_id)
    if letter is None:
        raise NotFound("No such letter")
    return letter


LetterDep = Annotated[ResponsibilityLetter, Depends(load_letter)]


def _detail(response: Response, session: SessionDep, letter: ResponsibilityLetter, orgs: OrgDirectory) -> LetterDetail:
    set_etag(response, letter.version)
    return service.letter_detail(session, letter, orgs)


@router.post(
    "/plans/{plan_id}/letters",
    response_model=LetterDetail,
    status_code=201,
    dependencies=[only(PlanEditor)],
    responses={200: {"model": LetterDetail, "description": "The letter already existed"}},
    summary="Generate the letter of a department or a responsible person (200 when it exists)",
)
def create_letter(
    plan: PlanDep,
    body: LetterCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    rules: Rules,
) -> LetterDetail:
    letter, created = service.create_letter(session, principal, plan, body, rules.orgdir, rules.accounts)
    response.status_code = 201 if created else 200
    return _detail(response, session, letter, rules.orgdir)


@router.get(
    "/letters",
    response_model=Page[LetterOut],
    dependencies=[only(LetterReader)],
    summary="Responsibility letters the caller can see",
)
def list_letters(
    session: SessionDep,
    scope: CurrentScope,
    principal: CurrentPrincipal,
    page: PageDep,
    orgs: Orgs,
    plan_id: int | None = None,
    status: LetterStatus | None = None,
) -> Page[LetterOut]:
    items, total = paginate(session, repo.list_stmt(scope, principal, plan_id=plan_id, status=status), page)
    return Page(items=[service.letter_out(x, orgs) for x in items], total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/letters/{letter_id}",
    response_model=LetterDetail,
    dependencies=[only(LetterReader)],
    summary="A letter with its versions and signatures",
)
def get_letter(letter: LetterDep, session: SessionDep, response: Response, orgs: Orgs) -> LetterDetail:
    return _detail(response, session, letter, orgs)


@router.get(
    "/letters/{letter_id}/document",
    dependencies=[only(LetterReader)],
    response_class=Response,
    responses={
        200: {
            "content": {
                DOCX: {"schema": {"type": "string", "format": "binary"}},
                PDF: {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "The letter in Chinese as DOCX, or as PDF with its Chinese font embedded (same content)",
        },
        503: {
            "description": "PDF asked for and no Chinese font installed on the server (the DOCX still works)",
            "content": {"application/json": {}},
        },
    },
    summary="Download a version of the letter (default: the current one) as DOCX or PDF",
)
def download_letter(
    letter: LetterDep,
    session: SessionDep,
    orgs: Orgs,
    version: Annotated[int | None, Query(ge=1)] = None,
    format: Annotated[
        Literal["docx", "pdf"] | None,
        Query(description="docx (default) or pdf; without it, `Accept: application/pdf` asks for the PDF"),
    ] = None,
    accept: Annotated[str, Header(include_in_schema=False)] = "",
) -> Response:
    fmt = format or ("pdf" if PDF in accept and DOCX not in accept else "docx")
    data, number, year = service.document(session, letter, orgs, version, fmt)
    return Response(
        data,
        media_type=PDF if fmt == "pdf" else DOCX,
        headers={
            "Content-Disposition": content_disposition(f"任务责任书-{year}-{letter.id}-v{number}.{fmt}"),
            "Vary": "Accept",
        },
    )


@router.post(
    "/letters/{letter_id}/sign",
    response_model=LetterDetail,
    dependencies=[only(LetterReader)],
    summary="Sign (acknowledge) the current version of the letter — the responsible person only",
)
def sign_letter(
    letter: LetterDep, body: SignBody, session: SessionDep, principal: CurrentPrincipal, response: Response, orgs: Orgs
) -> LetterDetail:
    service.sign(session, principal, letter, body.version, principal.username or principal.subject)
    return _detail(response, session, letter, orgs)
