"""Responsibility letters (P2: 明确任务责任书).

A letter covers the tasks of one department or of one responsible person. Its content is the list of those
tasks with their timetable and roadmap; a sha256 of that content identifies a version. Whenever a covered task or
milestone changes, the letter gets a new version; a letter signed on an earlier version then needs re-signing.
Progress (status, percent) is not part of the content: reporting does not invalidate a signature.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from plans.deps import audit, edit
from plans.letters import repository as repo
from plans.letters.document import render_letter
from plans.letters.models import LetterSignature, LetterVersion, ResponsibilityLetter
from plans.letters.schemas import LetterCreate, LetterDetail, LetterOut, LetterVersionOut, SignatureOut
from plans.plan.models import Plan
from plans.tasks.models import Milestone, Task
from sanquan_kernel.accounts import AccountDirectory
from sanquan_kernel.clock import local_date
from sanquan_kernel.errors import Conflict, Forbidden, NotFound, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.outbox import emit
from sanquan_kernel.principal import Principal, Role


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _content(tasks: list[Task], milestones: dict[int, list[Milestone]]) -> dict[str, Any]:
    return {
        "tasks": [
            {
                "id": t.id,
                "category": t.category,
                "title": t.title,
                "description": t.description,
                "department_id": t.department_id,
                "responsible_user_id": t.responsible_user_id,
                "responsible_name": t.responsible_name,
                "start_on": _iso(t.start_on),
                "due_on": _iso(t.due_on),
                "expected_outputs": t.expected_outputs,
                "milestones": [
                    {"seq": m.seq, "title": m.title, "due_on": _iso(m.due_on)} for m in milestones.get(t.id, [])
                ],
            }
            for t in tasks
        ]
    }


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def _covers(letter: ResponsibilityLetter, t: Task) -> bool:
    if letter.target == "department":
        return t.department_id == letter.department_id
    return t.responsible_user_id == letter.responsible_user_id


def _plan_content(session: Session, plan_id: int) -> tuple[list[Task], dict[int, list[Milestone]]]:
    tasks = list(session.scalars(select(Task).where(Task.plan_id == plan_id).order_by(Task.sort_order, Task.id)))
    ms: dict[int, list[Milestone]] = defaultdict(list)
    if tasks:
        for m in session.scalars(
            select(Milestone)
            .join(Task, Task.id == Milestone.task_id)
            .where(Task.plan_id == plan_id)
            .order_by(Milestone.seq, Milestone.id)
        ):
            ms[m.task_id].append(m)
    return tasks, ms


def _new_version(session: Session, letter: ResponsibilityLetter, content: dict[str, Any], digest: str) -> None:
    session.add(
        LetterVersion(letter_id=letter.id, version=letter.current_version, content_hash=digest, content=content)
    )
    # Issue #18: each new version is one to sign (the person, or the department's managers).
    emit(
        session,
        "letter.to_sign",
        subject=f"letter:{letter.id}",
        university_id=letter.university_id,
        department_id=letter.department_id or None,
        data={"letter_id": letter.id, "plan_id": letter.plan_id, "version": letter.current_version},
        recipients=[letter.responsible_user_id] if letter.target == "person" else None,
    )


def refresh_letters(session: Session, plan_id: int) -> None:
    """Keep every letter of the plan in step with its tasks: a changed content is a new version, and a letter
    signed on an older version needs re-signing."""
    letters = repo.letters_of_plan(session, plan_id)
    if not letters:
        return
    tasks, ms = _plan_content(session, plan_id)
    for letter in letters:
        content = _content([t for t in tasks if _covers(letter, t)], ms)
        digest = content_hash(content)
        if digest == letter.content_hash:
            continue
        letter.current_version += 1
        letter.content_hash = digest
        letter.version += 1
        letter.status = "needs_resign" if letter.signed_version is not None else "unsigned"
        _new_version(session, letter, content, digest)
    session.flush()


def create_letter(
    session: Session,
    principal: Principal,
    plan: Plan,
    body: LetterCreate,
    orgdir: OrgDirectory,
    accounts: AccountDirectory,
) -> tuple[ResponsibilityLetter, bool]:
    """Generate the letter of a department or person (or answer the existing one: one letter per target)."""
    department_id = (body.department_id or 0) if body.target == "department" else 0
    user_id = (body.responsible_user_id or 0) if body.target == "person" else 0
    if body.target == "department" and not orgdir.is_department_of(department_id, plan.university_id):
        raise Unprocessable(
            "The department is not a department of the plan's university",
            errors=[{"loc": ["body", "department_id"], "msg": "not a department of the university"}],
        )
    if body.target == "person":
        # A letter nobody can sign is refused: the person must be an active account of the plan's university
        # (tasks written before that rule may still name someone else).
        account = accounts.get(user_id)
        if account is None or not account.active or account.university_id != plan.university_id:
            raise Unprocessable(
                "The person is not an active account of the plan's university",
                errors=[{"loc": ["body", "responsible_user_id"], "msg": "not an account of the plan's university"}],
            )
    existing = repo.find(session, plan.id, body.target, department_id, user_id)
    if existing is not None:
        return existing, False
    tasks, ms = _plan_content(session, plan.id)
    probe = ResponsibilityLetter(target=body.target, department_id=department_id, responsible_user_id=user_id)
    covered = [t for t in tasks if _covers(probe, t)]
    if not covered:
        raise Unprocessable(
            "No task of the plan is assigned to this department or person",
            errors=[{"loc": ["body", body.target], "msg": "no tasks"}],
        )
    content = _content(covered, ms)
    digest = content_hash(content)
    letter = ResponsibilityLetter(
        plan_id=plan.id,
        university_id=plan.university_id,
        target=body.target,
        department_id=department_id,
        responsible_user_id=user_id,
        responsible_name=covered[0].responsible_name if body.target == "person" else "",
        current_version=1,
        content_hash=digest,
        status="unsigned",
    )
    session.add(letter)
    session.flush()
    _new_version(session, letter, content, digest)
    audit(
        session,
        principal,
        "letter.create",
        "letter",
        letter.id,
        university_id=plan.university_id,
        after={"target": body.target, "department_id": department_id, "responsible_user_id": user_id},
    )
    return letter, True


def may_sign(principal: Principal, letter: ResponsibilityLetter) -> bool:
    """The responsible person signs: for a person letter, that account; for a department letter, the manager of
    that department."""
    if letter.target == "person":
        return principal.user_id is not None and principal.user_id == letter.responsible_user_id
    return (
        principal.role is Role.DEPARTMENT_MANAGER
        and principal.department_id == letter.department_id
        and principal.university_id == letter.university_id
    )


def sign(session: Session, principal: Principal, letter: ResponsibilityLetter, version: int, signer_name: str) -> None:
    if not may_sign(principal, letter):
        raise Forbidden("Only the responsible person signs this letter")
    # The body names the letter's content version it signs (not If-Match): 409 when that is not the current one.
    with edit(session, None, letter, principal, "letter.sign", entity="letter") as e:
        if version != letter.current_version:
            raise Conflict(f"Version {version} is not the current version ({letter.current_version}) of the letter")
        if letter.signed_version == version:
            return
        session.add(
            LetterSignature(
                letter_id=letter.id,
                version=version,
                content_hash=letter.content_hash,
                signed_by=principal.subject,
                signer_name=signer_name,
            )
        )
        e.set(signed_version=version, status="signed")
        e.after = {"version": version, "content_hash": letter.content_hash}


def document(
    session: Session,
    letter: ResponsibilityLetter,
    orgdir: OrgDirectory,
    version: int | None,
    fmt: Literal["docx", "pdf"] = "docx",
) -> tuple[bytes, int, int]:
    """The DOCX or PDF of a version (default: the current one), with its signature when that version is signed;
    answers (bytes, version, plan year)."""
    number = version or letter.current_version
    v = repo.version(session, letter.id, number)
    if v is None:
        raise NotFound("No such version of the letter")
    plan = session.get(Plan, letter.plan_id)
    assert plan is not None
    sig = next((s for s in repo.signatures(session, letter.id) if s.version == number), None)
    holder = orgdir.name(letter.department_id) if letter.target == "department" else letter.responsible_name
    dept_ids = {t["department_id"] for t in v.content.get("tasks", [])}
    data = render_letter(
        fmt=fmt,
        university_name=orgdir.name(plan.university_id),
        plan_year=plan.year,
        plan_title=plan.title,
        holder=holder,
        version=number,
        content_hash=v.content_hash,
        content=v.content,
        department_names={d: orgdir.name(d) for d in dept_ids},
        signature=(sig.signer_name or sig.signed_by, str(local_date(sig.signed_at))) if sig else None,
    )
    return data, number, plan.year


def letter_out(letter: ResponsibilityLetter, orgdir: OrgDirectory) -> LetterOut:
    return LetterOut(
        id=letter.id,
        plan_id=letter.plan_id,
        university_id=letter.university_id,
        target=letter.target,
        department_id=letter.department_id or None,
        department_name=orgdir.name(letter.department_id) if letter.department_id else "",
        responsible_user_id=letter.responsible_user_id or None,
        responsible_name=letter.responsible_name,
        current_version=letter.current_version,
        content_hash=letter.content_hash,
        status=letter.status,
        signed_version=letter.signed_version,
        version=letter.version,
    )


def letter_detail(session: Session, letter: ResponsibilityLetter, orgdir: OrgDirectory) -> LetterDetail:
    return LetterDetail(
        **letter_out(letter, orgdir).model_dump(),
        versions=[
            LetterVersionOut(
                version=v.version,
                content_hash=v.content_hash,
                created_at=v.created_at,
                task_count=len(v.content.get("tasks", [])),
            )
            for v in repo.versions(session, letter.id)
        ],
        signatures=[
            SignatureOut(
                version=s.version,
                content_hash=s.content_hash,
                signed_by=s.signed_by,
                signer_name=s.signer_name,
                signed_at=s.signed_at,
            )
            for s in repo.signatures(session, letter.id)
        ],
    )
