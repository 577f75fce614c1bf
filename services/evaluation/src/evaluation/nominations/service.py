"""Nomination rules (E2): who may propose, pre-select, submit and withdraw, in which phase, within which quota.

- Departments propose (status ``proposed``) for their own department; a university admin proposes for the
  university, pre-selects (``preselected``) and submits (``submitted``); only submitted nominations are reviewed.
- New nominations only in the nomination phase (and before its window closes); pre-selection and submission in
  the nomination or pre-selection phase; everything else → 409.
- Pre-selected plus submitted nominations of a university may not exceed the campaign's quota, nor a category's
  quota (→ 409). The campaign row is locked while counting so two admins cannot both take the last place.
"""

from __future__ import annotations

from datetime import date

from fastapi import Request
from sqlalchemy.orm import Session

from evaluation.campaigns import repository as campaign_repo
from evaluation.campaigns.models import Campaign
from evaluation.campaigns.service import require_open_window, require_phase, subject_kind_of
from evaluation.deps import audit, edit
from evaluation.nominations import repository as repo
from evaluation.nominations.models import Nomination
from evaluation.nominations.schemas import FileMeta, NominationIn, NominationOut, NominationUpdate
from evaluation.review import repository as review_repo
from evaluation.sources import NotInSource, SourceUnavailable, get_json
from sanquan_kernel.audit import snapshot
from sanquan_kernel.db import utcnow
from sanquan_kernel.editing import Edit
from sanquan_kernel.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role, Scope, ScopeKind
from sanquan_kernel.service_client import ServiceClient

AUDIT_FIELDS = (
    "campaign_id",
    "university_id",
    "department_id",
    "subject_kind",
    "staff_id",
    "category",
    "title",
    "status",
)
#: fields an expert of a blind campaign never sees
BLIND_HIDDEN = (
    "university_id",
    "university_name",
    "department_id",
    "department_name",
    "staff_id",
    "subject_name",
    "proposed_by",
)


def load(session: Session, scope: Scope, nomination_id: int) -> Nomination:
    nomination = repo.get(session, scope, nomination_id)
    if nomination is None:
        raise NotFound("No such nomination")
    return nomination


def to_out(n: Nomination, orgdir: OrgDirectory, *, blind: bool) -> NominationOut:
    out = NominationOut(
        id=n.id,
        campaign_id=n.campaign_id,
        subject_kind=n.subject_kind,
        status=n.status,
        blind=blind,
        university_id=n.university_id,
        university_name=orgdir.name(n.university_id) or None,
        department_id=n.department_id,
        department_name=orgdir.name(n.department_id) or None,
        staff_id=n.staff_id,
        subject_name=n.subject_name,
        category=n.category,
        title=n.title,
        text=n.text,
        materials_text=n.materials_text,
        files=[FileMeta.model_validate(f) for f in n.files or []],
        proposed_by=n.proposed_by,
        created_at=n.created_at,
        submitted_at=n.submitted_at,
        version=n.version,
    )
    if blind:
        out = out.model_copy(update=dict.fromkeys(BLIND_HIDDEN))
        if n.subject_kind in ("person", "university"):
            out = out.model_copy(update={"title": None})  # the title names the person or the university
    return out


def is_blind_for(campaign: Campaign, scope: Scope) -> bool:
    return campaign.blind and scope.kind is ScopeKind.ASSIGNED


def _check_category(session: Session, campaign: Campaign, category: str | None) -> None:
    codes = {c.code for c in campaign_repo.categories(session, [campaign.id])[campaign.id]}
    if category is None and codes:
        raise Unprocessable(
            "This campaign has categories; name one", errors=[{"loc": ["body", "category"], "msg": "required"}]
        )
    if category is not None and category not in codes:
        raise Unprocessable("Unknown category", errors=[{"loc": ["body", "category"], "msg": "unknown category"}])


def _staff_name(
    client: ServiceClient | None, training_url: str, staff_id: int, university_id: int, timeout: float
) -> str | None:
    """The nominated person must be in the training register of the nominating university.

    Without service credentials (a test or an isolated run) the check cannot be made and the name stays empty.
    """
    if client is None:
        return None
    try:
        staff = get_json(
            client, "training", f"{training_url.rstrip('/')}/api/training/staff/{staff_id}", timeout=timeout
        )
    except NotInSource:
        staff = {}
    except SourceUnavailable as exc:
        raise ServiceUnavailable(f"The staff register cannot be checked now: {exc.reason}") from None
    if staff.get("university_id") != university_id:
        raise Unprocessable(
            "No such person in your university's staff register",
            errors=[{"loc": ["body", "staff_id"], "msg": "not in the staff register"}],
        )
    name = staff.get("name")
    return str(name) if name else None


def create(
    session: Session,
    principal: Principal,
    campaign: Campaign,
    body: NominationIn,
    orgdir: OrgDirectory,
    *,
    client: ServiceClient | None,
    training_url: str,
    timeout: float,
    today: date,
) -> Nomination:
    if principal.role not in (Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER) or principal.university_id is None:
        raise Forbidden("Only university admins and department managers nominate")
    require_phase(campaign, "nomination", action="Nominating")
    require_open_window(session, campaign, "nomination", today, action="Nominating")
    kind = subject_kind_of(session, campaign.type_code) or "case"
    university_id = principal.university_id
    department_id = body.department_id
    if principal.role is Role.DEPARTMENT_MANAGER:
        if kind == "university":
            raise Forbidden("Only the university itself applies to be a pilot")
        department_id = principal.department_id
    elif department_id is not None and not orgdir.is_department_of(department_id, university_id):
        raise Unprocessable(
            "Not a department of your university",
            errors=[{"loc": ["body", "department_id"], "msg": "not a department of yours"}],
        )
    _check_category(session, campaign, body.category)
    errors = []
    if kind == "person" and body.staff_id is None:
        errors.append({"loc": ["body", "staff_id"], "msg": "a person is nominated by their staff id"})
    if kind == "post" and department_id is None:
        errors.append({"loc": ["body", "department_id"], "msg": "a post belongs to a department"})
    if kind != "person" and body.staff_id is not None:
        errors.append({"loc": ["body", "staff_id"], "msg": "only a person is nominated by staff id"})
    if errors:
        raise Unprocessable("The nomination does not fit the campaign", errors=errors)
    subject_name: str | None = None
    if kind == "person":
        assert body.staff_id is not None
        subject_name = _staff_name(client, training_url, body.staff_id, university_id, timeout)
    elif kind == "university":
        subject_name = orgdir.name(university_id) or None
    nomination = Nomination(
        campaign_id=campaign.id,
        university_id=university_id,
        department_id=department_id,
        subject_kind=kind,
        staff_id=body.staff_id,
        subject_name=subject_name,
        category=body.category,
        title=body.title,
        text=body.text,
        materials_text=body.materials_text,
        files=[f.model_dump() for f in body.files],
        status="proposed",
        proposed_by=principal.subject,
        version=1,
    )
    session.add(nomination)
    session.flush()
    audit(
        session,
        principal,
        "nomination.create",
        "nomination",
        nomination.id,
        university_id=university_id,
        after=snapshot(nomination, *AUDIT_FIELDS),
    )
    return nomination


def _may_edit(principal: Principal, n: Nomination) -> None:
    if principal.role is Role.UNIVERSITY_ADMIN:
        return
    if principal.role is Role.DEPARTMENT_MANAGER and n.status == "proposed":
        return
    raise Forbidden("Your role may not change this nomination")


def update(
    session: Session,
    request: Request | None,
    principal: Principal,
    campaign: Campaign,
    n: Nomination,
    body: NominationUpdate,
) -> Nomination:
    with edit(session, request, n, principal, "nomination.update", entity="nomination", fields=AUDIT_FIELDS) as e:
        _may_edit(principal, n)
        require_phase(campaign, "nomination", "preselection", action="Changing a nomination")
        if n.status not in ("proposed", "preselected"):
            raise Conflict(f"A {n.status} nomination cannot be changed")
        if body.category is not None and body.category != n.category:
            _check_category(session, campaign, body.category)
            if n.status == "preselected":
                _check_quota(session, campaign, n, body.category)
        for name in ("title", "text", "materials_text", "category"):
            value = getattr(body, name)
            if value is not None:
                setattr(n, name, value)
        if body.files is not None:
            n.files = [f.model_dump() for f in body.files]
        e.touch()
    return n


def _check_quota(session: Session, campaign: Campaign, n: Nomination, category: str | None) -> None:
    used = repo.count_in_quota(session, campaign.id, n.university_id, exclude_id=n.id)
    if used + 1 > campaign.quota_per_university:
        raise Conflict(
            f"The university's quota of {campaign.quota_per_university} is used up", quota=campaign.quota_per_university
        )
    cat = next((c for c in campaign_repo.categories(session, [campaign.id])[campaign.id] if c.code == category), None)
    if cat is not None and cat.quota is not None:
        used = repo.count_in_quota(session, campaign.id, n.university_id, exclude_id=n.id, category=category)
        if used + 1 > cat.quota:
            raise Conflict(f"The quota of {cat.quota} for the category {category} is used up", quota=cat.quota)


def _transition(
    session: Session, request: Request | None, principal: Principal, campaign_id: int, n: Nomination, to: str
) -> Nomination:
    with edit(session, request, n, principal, f"nomination.{to}", entity="nomination") as e:
        return _move(session, e, principal, campaign_id, n, to)


def _move(
    session: Session, e: Edit[Nomination], principal: Principal, campaign_id: int, n: Nomination, to: str
) -> Nomination:
    if principal.role is not Role.UNIVERSITY_ADMIN:
        raise Forbidden("Only the university admin pre-selects, submits and withdraws")
    # Lock the campaign row: quota counting and the phase check must see a stable state.
    campaign = campaign_repo.get_for_update(session, campaign_id)
    assert campaign is not None
    allowed_from = {
        "preselected": ("proposed",),
        "submitted": ("proposed", "preselected"),
        "withdrawn": ("proposed", "preselected", "submitted"),
    }[to]
    require_phase(campaign, "nomination", "preselection", action=f"Moving a nomination to {to}")
    if n.status not in allowed_from:
        raise Conflict(f"A {n.status} nomination cannot become {to}")
    if to in ("preselected", "submitted") and n.status == "proposed":
        _check_quota(session, campaign, n, n.category)
    e.before = {"status": n.status}
    e.set(status=to)
    if to == "submitted":
        e.set(submitted_at=utcnow())
    removed = review_repo.delete_assignments_of(session, n.id) if to == "withdrawn" else 0
    e.after = {"status": to, **({"assignments_removed": removed} if removed else {})}
    return n


def preselect(session: Session, request: Request | None, principal: Principal, n: Nomination) -> Nomination:
    return _transition(session, request, principal, n.campaign_id, n, "preselected")


def submit(session: Session, request: Request | None, principal: Principal, n: Nomination) -> Nomination:
    return _transition(session, request, principal, n.campaign_id, n, "submitted")


def withdraw(session: Session, request: Request | None, principal: Principal, n: Nomination) -> Nomination:
    return _transition(session, request, principal, n.campaign_id, n, "withdrawn")
