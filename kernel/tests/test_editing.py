"""The versioned edit (sanquan_kernel.editing) on SQLite and PostgreSQL: If-Match, the version, the audit entry,
nothing written on a refusal, and of two writers holding the same ETag exactly one wins."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request
from sqlalchemy import Engine, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sanquan_kernel import testing as kt
from sanquan_kernel.audit import AuditMixin, Auditor
from sanquan_kernel.db import make_engine, make_sessionmaker
from sanquan_kernel.editing import Editor, lock
from sanquan_kernel.errors import Conflict, PreconditionFailed
from sanquan_kernel.principal import Principal, Role


class Base(DeclarativeBase):
    pass


class Doc(Base):
    __tablename__ = "doc"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)


class AuditEntry(AuditMixin, Base):
    __tablename__ = "audit_entry"


edit = Editor(Auditor(AuditEntry))
ADMIN = Principal(subject="7", role=Role.UNIVERSITY_ADMIN, org_id=kt.UNI_A, university_id=kt.UNI_A, department_id=None)


def request(if_match: str | None = None) -> Request:
    headers = [] if if_match is None else [(b"if-match", if_match.encode())]
    return Request({"type": "http", "method": "PATCH", "path": "/", "headers": headers})


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = kt.test_database_url(request.param, f"kernel_edit_{time.time_ns()}", tmp_path)
    eng = make_engine(url, pool_size=4)
    Base.metadata.create_all(eng)
    with make_sessionmaker(eng)() as s:
        s.add(Doc(id=1, university_id=kt.UNI_A, title="old"))
        s.commit()
    yield eng
    eng.dispose()
    if request.param == "postgresql":
        kt.drop_postgres_database(str(eng.url.database))


def _doc(engine: Engine) -> tuple[str, str, int]:
    with make_sessionmaker(engine)() as s:
        d = s.get(Doc, 1)
        assert d is not None
        return d.title, d.status, d.version


def _entries(engine: Engine) -> list[tuple[str, str, str, int | None, Any, Any, str]]:
    with make_sessionmaker(engine)() as s:
        return [
            (a.action, a.entity, a.entity_id, a.university_id, a.before, a.after, a.actor)
            for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def _update(engine: Engine, if_match: str | None, **changes: Any) -> None:
    with make_sessionmaker(engine)() as s:
        d = s.get(Doc, 1)
        assert d is not None
        with edit(s, request(if_match), d, ADMIN, "doc.update", fields=("title", "status")) as e:
            e.set(changes)
        s.commit()


def test_an_edit_bumps_the_version_and_audits_before_and_after(engine: Engine) -> None:
    _update(engine, 'W/"1"', title="new")
    assert _doc(engine) == ("new", "draft", 2)
    assert _entries(engine) == [
        (
            "doc.update",
            "doc",
            "1",
            kt.UNI_A,
            {"title": "old", "status": "draft"},
            {"title": "new", "status": "draft"},
            "7",
        )
    ]


@pytest.mark.parametrize("if_match", [None, "*", 'W/"1"', '"1"', 'W/"9", W/"1"'])
def test_an_absent_wildcard_or_current_if_match_passes(engine: Engine, if_match: str | None) -> None:
    _update(engine, if_match, title="new")
    assert _doc(engine) == ("new", "draft", 2) and len(_entries(engine)) == 1


def test_a_stale_if_match_answers_412_and_changes_nothing(engine: Engine) -> None:
    with pytest.raises(PreconditionFailed) as caught:
        _update(engine, 'W/"2"', title="new")
    assert caught.value.status == 412 and caught.value.extra == {"current_version": 1}
    assert _doc(engine) == ("old", "draft", 1) and _entries(engine) == []


def test_an_empty_change_makes_no_version_and_no_entry(engine: Engine) -> None:
    _update(engine, 'W/"1"')
    assert _doc(engine) == ("old", "draft", 1) and _entries(engine) == []


def test_a_refusal_inside_the_edit_writes_nothing(engine: Engine) -> None:
    with make_sessionmaker(engine)() as s:
        d = s.get(Doc, 1)
        assert d is not None
        with pytest.raises(Conflict), edit(s, request('W/"1"'), d, ADMIN, "doc.update", fields=("title",)) as e:
            e.set(title="new")
            raise Conflict("not now")
        s.rollback()
    assert _doc(engine) == ("old", "draft", 1) and _entries(engine) == []


def test_the_block_may_name_the_action_and_the_entry(engine: Engine) -> None:
    with make_sessionmaker(engine)() as s:
        d = s.get(Doc, 1)
        assert d is not None
        with edit(s, None, d, None, "doc.submit", entity="document", entity_id=2026, university_id=None) as e:
            d.status = "submitted"
            e.touch()
            e.action, e.after = "doc.approved", {"seq": 3}
        s.commit()
    assert _doc(engine) == ("old", "submitted", 2)
    assert _entries(engine) == [("doc.approved", "document", "2026", None, None, {"seq": 3}, "system")]


def test_no_action_bumps_the_version_without_an_entry(engine: Engine) -> None:
    with make_sessionmaker(engine)() as s:
        d = s.get(Doc, 1)
        assert d is not None
        with edit(s, None, d, ADMIN, None) as e:
            e.set(status="done")
        s.commit()
    assert _doc(engine) == ("old", "done", 2) and _entries(engine) == []


def test_a_delete_audits_the_row_as_it_was(engine: Engine) -> None:
    with make_sessionmaker(engine)() as s:
        d = s.get(Doc, 1)
        assert d is not None
        with edit(s, request('W/"1"'), d, ADMIN, "doc.delete", fields=lambda x: {"title": x.title}) as e:
            e.delete()
        s.commit()
    with make_sessionmaker(engine)() as s:
        assert s.get(Doc, 1) is None
    assert _entries(engine) == [("doc.delete", "doc", "1", kt.UNI_A, {"title": "old"}, None, "7")]


def test_a_stale_if_match_refuses_a_delete(engine: Engine) -> None:
    with make_sessionmaker(engine)() as s:
        d = s.get(Doc, 1)
        assert d is not None
        with pytest.raises(PreconditionFailed), edit(s, request('W/"0"'), d, ADMIN, "doc.delete") as e:
            e.delete()
        s.rollback()
    assert _doc(engine) == ("old", "draft", 1) and _entries(engine) == []


def test_the_check_reads_the_row_again_not_the_copy_the_session_holds(engine: Engine) -> None:
    """A row loaded before another writer committed (a request's dependency loads it first) is checked as it is
    now."""
    with make_sessionmaker(engine)() as s:
        d = s.get(Doc, 1)
        assert d is not None
        s.commit()  # the copy stays (expire_on_commit=False): version 1
        _update(engine, 'W/"1"', title="theirs")
        assert d.version == 1
        with pytest.raises(PreconditionFailed), edit(s, request('W/"1"'), d, ADMIN, "doc.update") as e:
            e.set(title="mine")
        s.rollback()
    assert _doc(engine) == ("theirs", "draft", 2)


def test_of_two_writers_with_the_same_etag_exactly_one_wins(engine: Engine) -> None:
    """Both load the row (version 1) and send If-Match: W/"1". The first locks it and commits a while later; the
    second waits for the lock (PostgreSQL's FOR UPDATE, SQLite's BEGIN IMMEDIATE), then sees version 2: 412."""
    sessions = make_sessionmaker(engine)
    loaded = threading.Barrier(2)
    first_locked = threading.Event()
    outcome: dict[str, str] = {}

    def writer(name: str, first: bool) -> None:
        with sessions() as s:
            try:
                if engine.dialect.name == "sqlite" and not first:
                    loaded.wait()  # SQLite: the load itself is in the write transaction; it waits for the first
                    first_locked.wait()
                    d = s.get(Doc, 1)
                else:
                    d = s.get(Doc, 1)
                    loaded.wait()
                    if not first:
                        first_locked.wait()
                assert d is not None
                with edit(s, request('W/"1"'), d, ADMIN, "doc.update", fields=("title",)) as e:
                    if first:
                        first_locked.set()
                        time.sleep(0.3)  # the second writer reaches its check meanwhile
                    e.set(title=name)
                s.commit()
                outcome[name] = "won"
            except PreconditionFailed:
                s.rollback()
                outcome[name] = "412"
            finally:
                first_locked.set()

    threads = [threading.Thread(target=writer, args=("a", True)), threading.Thread(target=writer, args=("b", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome == {"a": "won", "b": "412"}
    assert _doc(engine) == ("a", "draft", 2)
    assert [e[0] for e in _entries(engine)] == ["doc.update"]


def test_lock_rereads_the_row(engine: Engine) -> None:
    with make_sessionmaker(engine)() as s:
        d = s.get(Doc, 1)
        assert d is not None
        s.commit()
        _update(engine, None, title="theirs")
        lock(s, d)
        assert (d.title, d.version) == ("theirs", 2)
        s.rollback()
