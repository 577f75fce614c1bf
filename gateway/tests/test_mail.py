"""E-mail as a second channel (issue #18), against a real SMTP server started by the test (aiosmtpd): a person who
opts in gets each notification once (immediate) or one digest a day at 08:00 (daily), in Chinese or English; a
relay that is down delays the mail, it loses nothing and sends nothing twice."""

from __future__ import annotations

import email
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from sanquan_gateway.accounts.models import Client
from sanquan_gateway.mail import service as mail
from sanquan_gateway.mail.models import ScheduledJob
from sanquan_kernel import clock, schedule

from .conftest import World, free_port

M = "/api/mail/preference"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def settings_overrides(smtp_port: int) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "public_url": "https://sanquan.example.cn",
        "schedule_worker": False,  # the test runs the jobs with its clock
    }


def _run(w: World) -> list[schedule.Outcome]:
    state = w.app.state.kernel
    return schedule.run_due_jobs(state.sessionmaker, ScheduledJob, mail.jobs(state.settings))


def _due(w: World) -> None:
    from sqlalchemy import update

    with w.app.state.kernel.sessionmaker.begin() as s:
        s.execute(update(ScheduledJob).where(ScheduledJob.name == "mail.immediate").values(next_run_at=clock.now()))


def _send(w: World, type_: str, **data: Any) -> None:
    issuer = w.app.state.kernel.extras["issuer"]
    with w.app.state.kernel.sessionmaker() as s:
        client = s.scalar(select(Client).where(Client.client_id == "svc-plans"))
    e = {
        "id": "evt_" + uuid.uuid4().hex,
        "type": type_,
        "source": "plans",
        "university_id": w.ids["uni_a"],
        "department_id": None,
        "subject": "milestone:7",
        "occurred_at": "2026-12-04T08:00:00+00:00",
        "data": data,
    }
    headers = {"Authorization": f"Bearer {issuer.access_for_client(client)[0]}"}
    r = w.client.post("/internal/events", json={"events": [e]}, headers=headers)
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text


def _to(inbox: Inbox, address: str) -> list[Message]:
    return [m for m in inbox.messages if m["To"] == address]


def test_preference_is_ones_own_and_bad_input_changes_nothing(world: World, inbox: Inbox) -> None:
    me = world.auth("uni_a_admin")
    assert world.client.get(M, headers=me).json() == {"email": "", "mode": "off", "language": "zh-CN", "enabled": True}
    for bad in (
        {"mode": "immediate"},
        {"mode": "daily", "email": "not-an-address"},
        {"mode": "weekly", "email": "a@b.cn"},
    ):
        r = world.client.put(M, json=bad, headers=me)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert world.client.get(M, headers=me).json()["mode"] == "off"
    r = world.client.put(M, json={"mode": "immediate", "email": "ua@jia.edu.cn"}, headers=me)
    assert r.status_code == 200 and r.json()["mode"] == "immediate"
    # another person's preference is their own
    assert world.client.get(M, headers=world.auth("uni_b_admin")).json()["mode"] == "off"
    assert world.client.get(M).status_code == 401


def test_immediate_mail_once_in_chinese_and_a_relay_outage_only_delays(world: World, inbox: Inbox) -> None:
    r = world.client.put(M, json={"mode": "immediate", "email": "ua@jia.edu.cn"}, headers=world.auth("uni_a_admin"))
    assert r.status_code == 200
    _send(world, "milestone.escalated", milestone_id=7, title="调研", due_on="2026-11-20", escalate_after_days=7)
    outcomes = {o.name: o for o in _run(world)}
    assert outcomes["mail.immediate"].ran and outcomes["mail.immediate"].result == 1
    assert not outcomes["mail.digest"].ran  # its first slot is 08:00 in the province
    [m] = _to(inbox, "ua@jia.edu.cn")
    assert m["Subject"] == "[高校后勤三全育人平台] 里程碑“调研”逾期超过 7 天，已上报"
    assert "https://sanquan.example.cn/plans/progress" in m.get_content()
    # nobody else opted in: the province admin and B's admin got nothing
    assert len(inbox.messages) == 1
    # run twice: nothing more
    _due(world)
    assert _run(world)[0].result == 0 and len(inbox.messages) == 1
    # the relay away: the run fails, nothing is recorded as sent; back: sent once
    state = world.app.state.kernel
    port = state.settings.smtp_port
    state.settings.smtp_port = free_port()
    try:
        _send(world, "milestone.overdue", milestone_id=8, title="总结", due_on="2026-12-01")
        _due(world)
        failed = _run(world)[0]
        assert not failed.ran and failed.error
    finally:
        state.settings.smtp_port = port
    _due(world)
    assert _run(world)[0].result == 1
    _due(world)
    assert _run(world)[0].result == 0
    assert [m["Subject"] for m in _to(inbox, "ua@jia.edu.cn")][
        1
    ] == "[高校后勤三全育人平台] 里程碑“总结”已逾期（截止 2026-12-01）"


def test_daily_digest_at_eight_in_english(world: World, inbox: Inbox) -> None:
    seven = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)  # 07:00 on 4 December in the province
    with clock.frozen(seven):
        body = {"mode": "daily", "email": "admin@jyt.henan.gov.cn", "language": "en"}
        assert world.client.put(M, json=body, headers=world.auth("province_admin")).status_code == 200
        _send(world, "plan.submitted", plan_id=7, year=2026)
        _send(world, "milestone.escalated", milestone_id=7, title="调研", due_on="2026-11-20", escalate_after_days=7)
        assert {o.name: o.ran for o in _run(world)}["mail.digest"] is False
        assert _to(inbox, "admin@jyt.henan.gov.cn") == []
        clock.advance(timedelta(hours=1, minutes=1))
        assert {o.name: o.result for o in _run(world)}["mail.digest"] == 1
        [m] = _to(inbox, "admin@jyt.henan.gov.cn")
        assert m["Subject"] == "[Three-All Education Platform] Daily digest: 2 new notifications"
        text = m.get_content()
        assert "The 2026 plan was submitted for review" in text and 'Milestone "调研" is overdue more than 7' in text
        # the next day's digest has only what came since
        clock.advance(timedelta(days=1))
        assert {o.name: o.result for o in _run(world)}["mail.digest"] == 0
        assert len(_to(inbox, "admin@jyt.henan.gov.cn")) == 1
