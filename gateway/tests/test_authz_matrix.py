"""The authorization matrix of the gateway's own endpoints: every role × every endpoint × own and foreign
organisation, with the expected status. It fails when the app has an endpoint without rows here.

Roles: anonymous, the five person roles, an integration client, a service client, a disabled account.
Targets name seeded records: ``uni_a``/``a1`` are the caller's side (university A), ``uni_b``/``b1`` another
university, ``a2`` a sibling department, ``province`` the province.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy import select

from sanquan_gateway.accounts.models import Client
from sanquan_gateway.auth.models import Revocation
from sanquan_kernel.db import utcnow
from sanquan_kernel.tokens import issue_access_token

from .conftest import World

ROLES = (
    "anonymous",
    "province_admin",
    "expert",
    "uni_a_admin",
    "mgr_a1",
    "staff_a1",
    "integration",
    "service",
    "disabled",
)


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    role: str
    expected: int
    target: str | None = None  # which seeded record fills the path id / the body
    body: Callable[[World], dict[str, Any]] | None = None


def _all(
    method: str,
    path: str,
    expected: dict[str, int],
    target: str | None = None,
    body: Callable[[World], dict[str, Any]] | None = None,
) -> list[Row]:
    """Rows for every role; roles missing from ``expected`` get the default for that kind of caller."""
    rows = []
    for role in ROLES:
        default = 401 if role in ("anonymous", "disabled") else None
        exp = expected.get(role, default)
        assert exp is not None, f"{method} {path}: no expectation for {role}"
        rows.append(Row(method, path, role, exp, target, body))
    return rows


def _dept_body(parent: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"name": f"新部门{time.time_ns()}", "level": "department", "parent_id": w.ids[parent]}


def _user_body(org: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "username": f"u{time.time_ns()}",
        "password": "Passw0rd-x1",
        "display_name": "新用户",
        "role": "staff",
        "org_id": w.ids[org],
    }


def _client_body(org: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"name": "校园一卡通", "org_id": w.ids[org], "scopes": ["training:read"]}


PEOPLE_403 = {"integration": 403, "service": 403}
OK_ALL = {r: 200 for r in ROLES if r not in ("anonymous", "disabled")}
#: ``/internal/*`` from elsewhere than this host: a service client's token, or the path does not exist.
INTERNAL = {**{r: 404 for r in ROLES}, "service": 200}

MATRIX: list[Row] = [
    # -- auth ---------------------------------------------------------------------------------------------
    *_all("POST", "/api/auth/token", {"anonymous": 400, "disabled": 400, **{r: 400 for r in OK_ALL}}),
    *_all(
        "POST",
        "/api/auth/web/login",
        {"anonymous": 400, "disabled": 400, **{r: 400 for r in OK_ALL}},
        body=lambda w: {"username": f"nobody{time.time_ns()}", "password": "wrong-pass1"},
    ),
    *_all("POST", "/api/auth/web/refresh", {"anonymous": 401, "disabled": 401, **{r: 401 for r in OK_ALL}}),
    *_all("POST", "/api/auth/web/logout", {"anonymous": 204, "disabled": 204, **{r: 204 for r in OK_ALL}}),
    *_all("POST", "/api/auth/logout", {r: 204 for r in OK_ALL}),
    *_all("GET", "/api/auth/me", OK_ALL),
    *_all(
        "POST",
        "/api/auth/password",
        {**{r: 422 for r in OK_ALL}, "integration": 403, "service": 403},
        body=lambda w: {"current_password": "wrong-pass1", "new_password": "Another-pass1"},
    ),
    # Without a token: the current password proves who it is (wrong here, whoever asks).
    *_all(
        "POST",
        "/api/auth/password/initial",
        {"anonymous": 403, "disabled": 403, **{r: 403 for r in OK_ALL}},
        body=lambda w: {
            "username": f"nobody{time.time_ns()}",
            "current_password": "wrong-pass1",
            "new_password": "Another-pass1",
        },
    ),
    *_all("GET", "/.well-known/jwks.json", {r: 200 for r in ROLES}),
    # -- the service hall's identities (#20): SSO configuration, campus sign-in, roster, activation -------------
    *_all("GET", "/api/auth/sso/providers", {r: 200 for r in ROLES}),
    *_all("GET", "/api/auth/sso-config", {**{r: 403 for r in OK_ALL}, "uni_a_admin": 200}),
    # The probe: an issuer too short to be one (422, nothing stored).
    *_all(
        "PUT",
        "/api/auth/sso-config",
        {**{r: 403 for r in OK_ALL}, "uni_a_admin": 422},
        body=lambda w: {"issuer": "x", "client_id": "c"},
    ),
    # No token needed; a university without SSO (B) has no sign-in to start, for everyone.
    *_all("GET", "/api/auth/sso/{university_id}/start", {r: 404 for r in ROLES}, target="uni_b"),
    # No state: 302 to /hall/sign-in?error=sso_invalid_state, which the client follows to the SPA (absent here).
    *_all("GET", "/api/auth/sso/callback", {r: 404 for r in ROLES}),
    # Only an integration client holding hall:roster (the seeded one has training scopes only).
    *_all("PUT", "/api/auth/hall-roster", {r: 403 for r in OK_ALL}, body=lambda w: {"items": []}),
    *_all(
        "POST",
        "/api/auth/hall/activate",
        {r: 400 for r in ROLES},
        body=lambda w: {
            "university_id": w.ids["uni_a"],
            "number": f"n{time.time_ns()}",
            "code": "AAAA-BBBB-CCCC",
            "password": "Hall-pass-2026",
        },
    ),
    *_all(
        "POST",
        "/api/auth/hall/login",
        {r: 400 for r in ROLES},
        body=lambda w: {"university_id": w.ids["uni_a"], "number": f"n{time.time_ns()}", "password": "wrong-pass1"},
    ),
    # A roster identity's password reset (#20): the university's administrator only, its own university's
    # identities (university B's identity: 404 to A's administrator; the rest do not pass the role check).
    *_all("GET", "/api/auth/hall-identities", {**{r: 403 for r in OK_ALL}, "uni_a_admin": 200}),
    *_all(
        "POST",
        "/api/auth/hall-identities/{identity_id}/reset",
        {**{r: 403 for r in OK_ALL}, "uni_a_admin": 404},
        target="hall_identity_b",
    ),
    # -- organisations --------------------------------------------------------------------------------------
    *_all("GET", "/api/orgs", OK_ALL),
    *_all("GET", "/api/orgs/tree", OK_ALL),
    *_all("GET", "/api/orgs/export", OK_ALL),
    *_all("GET", "/api/orgs/{org_id}", OK_ALL, target="own_org"),
    *_all(
        "GET", "/api/orgs/{org_id}", {**{r: 404 for r in OK_ALL}, "province_admin": 200, "service": 200}, target="uni_b"
    ),
    *_all(
        "GET",
        "/api/orgs/{org_id}",
        {**{r: 404 for r in OK_ALL}, "province_admin": 200, "service": 200, "uni_a_admin": 200, "integration": 200},
        target="a2",
    ),
    *_all(
        "PATCH",
        "/api/orgs/{org_id}",
        {**{r: 403 for r in OK_ALL}, "province_admin": 200, "uni_a_admin": 200, "expert": 404},
        target="a1",
        body=lambda w: {"name": "改名中心"},
    ),
    *_all(
        "PATCH",
        "/api/orgs/{org_id}",
        {**{r: 404 for r in OK_ALL}, "province_admin": 200, "service": 403},
        target="b1",
        body=lambda w: {"name": "改名中心"},
    ),
    *_all(
        "POST",
        "/api/orgs",
        {**{r: 403 for r in OK_ALL}, "province_admin": 201, "uni_a_admin": 201},
        body=_dept_body("uni_a"),
    ),
    *_all(
        "POST",
        "/api/orgs",
        {**{r: 403 for r in OK_ALL}, "province_admin": 201, "uni_a_admin": 404},
        body=_dept_body("uni_b"),
    ),
    # -- accounts -------------------------------------------------------------------------------------------
    *_all("GET", "/api/users", {**OK_ALL, **PEOPLE_403}),
    *_all("GET", "/api/users/export", {**OK_ALL, **PEOPLE_403}),
    *_all("GET", "/api/users/{user_id}", {**OK_ALL, **PEOPLE_403, "staff_a1": 404}, target="user_staff_a1_or_self"),
    *_all(
        "GET",
        "/api/users/{user_id}",
        {**{r: 404 for r in OK_ALL}, **PEOPLE_403, "province_admin": 200},
        target="user_staff_b1",
    ),
    *_all(
        "PATCH",
        "/api/users/{user_id}",
        {**OK_ALL, **PEOPLE_403, "mgr_a1": 403, "expert": 403, "staff_a1": 404},
        target="user_staff_a1_or_self",
        body=lambda w: {"display_name": "新名字"},
    ),
    *_all(
        "PATCH",
        "/api/users/{user_id}",
        {**{r: 404 for r in OK_ALL}, **PEOPLE_403, "province_admin": 200},
        target="user_staff_b1",
        body=lambda w: {"display_name": "新名字"},
    ),
    *_all(
        "POST",
        "/api/users/{user_id}/password",
        {**{r: 204 for r in OK_ALL}, **PEOPLE_403, "mgr_a1": 403, "expert": 403, "staff_a1": 404},
        target="user_victim_or_self",
        body=lambda w: {"new_password": "Reset-pass9"},
    ),
    *_all(
        "POST",
        "/api/users/{user_id}/password",
        {**{r: 404 for r in OK_ALL}, **PEOPLE_403, "province_admin": 204},
        target="user_staff_b1",
        body=lambda w: {"new_password": "Reset-pass9"},
    ),
    *_all(
        "POST",
        "/api/users",
        {**{r: 403 for r in OK_ALL}, "province_admin": 201, "uni_a_admin": 201},
        body=_user_body("a1"),
    ),
    *_all(
        "POST",
        "/api/users",
        {**{r: 403 for r in OK_ALL}, "province_admin": 201, "uni_a_admin": 404},
        body=_user_body("b1"),
    ),
    *_all("GET", "/api/clients", {**{r: 403 for r in OK_ALL}, "province_admin": 200, "uni_a_admin": 200}),
    *_all(
        "POST",
        "/api/clients",
        {**{r: 403 for r in OK_ALL}, "province_admin": 201, "uni_a_admin": 201},
        body=_client_body("uni_a"),
    ),
    *_all(
        "POST",
        "/api/clients",
        {**{r: 403 for r in OK_ALL}, "province_admin": 201, "uni_a_admin": 404},
        body=_client_body("uni_b"),
    ),
    *_all(
        "PATCH",
        "/api/clients/{client_pk}",
        {**{r: 404 for r in OK_ALL}, **PEOPLE_403, "province_admin": 200, "uni_a_admin": 200},
        target="client_a",
        body=lambda w: {"name": "HR 系统"},
    ),
    # -- audit and internal ---------------------------------------------------------------------------------
    *_all("GET", "/api/audit", {**{r: 403 for r in OK_ALL}, "province_admin": 200, "uni_a_admin": 200}),
    *_all("GET", "/api/audit/export", {**{r: 403 for r in OK_ALL}, "province_admin": 200, "uni_a_admin": 200}),
    # -- the notification centre (#18): the signed-in person's own; another person's is 404 to everyone -------------
    *_all("GET", "/api/notifications", {**OK_ALL, **PEOPLE_403}),
    *_all("GET", "/api/notifications/unread-count", {**OK_ALL, **PEOPLE_403}),
    *_all("POST", "/api/notifications/read-all", {**OK_ALL, **PEOPLE_403}),
    *_all(
        "POST",
        "/api/notifications/{notification_id}/read",
        {**{r: 404 for r in OK_ALL}, **PEOPLE_403},
        target="notification_b1",
    ),
    # -- e-mail (#18): one's own preference; the probe is a bad mode (422, nothing changed) -------------------------
    *_all("GET", "/api/mail/preference", {**OK_ALL, **PEOPLE_403}),
    *_all(
        "PUT",
        "/api/mail/preference",
        {**{r: 422 for r in OK_ALL}, **PEOPLE_403},
        body=lambda w: {"mode": "weekly", "email": "x@example.cn"},
    ),
    *_all("GET", "/internal/orgs", INTERNAL),
    *_all("GET", "/internal/revocations", INTERNAL),
    *_all("GET", "/internal/accounts", INTERNAL),
    *_all("POST", "/internal/events", INTERNAL, body=lambda w: {"events": []}),
    # -- webhooks (#18): a university administrator's own university's endpoints and deliveries (an integration
    # client's own, with webhooks:manage: gateway/tests/test_webhooks.py; the matrix's client lacks the scope) -----
    *_all("GET", "/api/webhooks/endpoints", {**{r: 403 for r in OK_ALL}, "uni_a_admin": 200}),
    *_all(
        "POST",
        "/api/webhooks/endpoints",
        {**{r: 403 for r in OK_ALL}, "uni_a_admin": 201},
        body=lambda w: {
            "client_pk": _webhook_target(w, "client_a"),
            "url": "http://127.0.0.1:9/h",
            "event_types": ["plan.returned"],
        },
    ),
    *[
        row
        for method, path, ok, body in (
            ("GET", "/api/webhooks/endpoints/{endpoint_id}", 200, None),
            ("PATCH", "/api/webhooks/endpoints/{endpoint_id}", 200, lambda w: {"description": "人事系统"}),
            ("POST", "/api/webhooks/endpoints/{endpoint_id}/rotate-secret", 200, None),
            ("GET", "/api/webhooks/endpoints/{endpoint_id}/deliveries", 200, None),
            ("POST", "/api/webhooks/deliveries/{delivery_id}/replay", 202, None),
            # last: the endpoint is made again by the next row that names it
            ("DELETE", "/api/webhooks/endpoints/{endpoint_id}", 204, None),
        )
        for target, expected in (("webhook_a", ok), ("webhook_b", 404))
        for row in _all(
            method,
            path,
            {**{r: 403 for r in OK_ALL}, "uni_a_admin": expected},
            target=target.replace("webhook", "delivery") if "delivery_id" in path else target,
            body=body,
        )
    ],
]

#: Infrastructure endpoints open to everyone (no data).
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/api/docs/init.js"),
    ("GET", "/api/docs/assets/{name}"),
    ("GET", "/api/gateway/openapi.json"),
}


def _headers(w: World, role: str) -> dict[str, str]:
    issuer = w.app.state.kernel.extras["issuer"]
    if role == "anonymous":
        return {}
    if role in ("integration", "service"):
        cid = "c-campus-a" if role == "integration" else "svc-training"
        with w.app.state.kernel.sessionmaker() as s:
            client = s.scalar(select(Client).where(Client.client_id == cid))
        return {"Authorization": f"Bearer {issuer.access_for_client(client)[0]}"}
    if role == "disabled":
        u = w.users["disabled"]
        tok, _ = issue_access_token(
            issuer.key,
            issuer=issuer.settings.jwt_issuer,
            audience=issuer.settings.jwt_audience,
            subject=str(u.id),
            ttl_seconds=900,
            claims={
                "role": u.role,
                "org_id": u.org_id,
                "university_id": u.university_id,
                "department_id": u.department_id,
                "scope": "",
            },
            now=time.time() - 60,
        )
        return {"Authorization": f"Bearer {tok}"}
    return w.auth(role)


def _webhook_target(w: World, target: str) -> int:
    """An endpoint of university A or B (disabled, so the worker leaves them be) and a delivery of each."""
    from sanquan_gateway.events.models import Event
    from sanquan_gateway.webhooks.models import WebhookDelivery, WebhookEndpoint

    with w.app.state.kernel.sessionmaker.begin() as s:
        if target == "client_a":
            return int(s.scalar(select(Client.id).where(Client.client_id == "c-campus-a")))
        uni = w.ids["uni_a" if target.endswith("_a") else "uni_b"]
        endpoint = s.scalar(
            select(WebhookEndpoint).where(
                WebhookEndpoint.university_id == uni, WebhookEndpoint.url == "http://127.0.0.1:9/matrix"
            )
        )
        if endpoint is None:
            client = s.scalar(select(Client).where(Client.client_id == "c-campus-a"))
            endpoint = WebhookEndpoint(
                university_id=uni,
                client_pk=client.id,
                url="http://127.0.0.1:9/matrix",
                event_types=["plan.returned"],
                active=False,
                disabled_reason="manual",
                secret="whsec_QUJD",
                consecutive_failures=0,
                version=1,
            )
            s.add(endpoint)
            s.flush()
            # the event outlives a deleted endpoint (the DELETE rows): its endpoint made again, it is reused
            event = s.scalar(select(Event).where(Event.id == f"evt_matrix{uni}")) or Event(
                id=f"evt_matrix{uni}",
                type="plan.returned",
                source="plans",
                university_id=uni,
                subject="plan:1",
                occurred_at=utcnow(),
                data={},
            )
            s.add(event)
            s.flush()
            s.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    university_id=uni,
                    event_seq=event.seq,
                    event_id=event.id,
                    event_type=event.type,
                    subject="plan:1",
                    status="delivered",
                    attempts=1,
                )
            )
            s.flush()
        if target.startswith("webhook"):
            return int(endpoint.id)
        return int(
            s.scalar(
                select(WebhookDelivery.id)
                .where(WebhookDelivery.endpoint_id == endpoint.id)
                .order_by(WebhookDelivery.id)
                .limit(1)
            )
        )


def _fill(w: World, row: Row) -> str:
    path = row.path
    if row.target is None:
        return path
    if row.target == "own_org":
        own = {
            "province_admin": "province",
            "expert": "uni_a",
            "uni_a_admin": "uni_a",
            "mgr_a1": "a1",
            "staff_a1": "a1",
            "integration": "uni_a",
            "service": "province",
            "anonymous": "a1",
            "disabled": "a1",
        }[row.role]
        value = w.ids[own]
    elif row.target in ("user_staff_a1_or_self", "user_victim_or_self"):
        # Password resets revoke the target's tokens: they hit a victim account no other row signs in with.
        other = "staff_a1" if row.target == "user_staff_a1_or_self" else "victim_a1"
        name = {"expert": "expert", "staff_a1": "mgr_a1"}.get(row.role, other)
        value = w.users[name].id
    elif row.target == "user_staff_b1":
        value = w.users["staff_b1"].id
    elif row.target in ("webhook_a", "webhook_b", "delivery_a", "delivery_b"):
        value = _webhook_target(w, row.target)
        path = path.replace("{endpoint_id}", str(value)).replace("{delivery_id}", str(value))
    elif row.target == "client_a":
        with w.app.state.kernel.sessionmaker() as s:
            value = s.scalar(select(Client.id).where(Client.client_id == "c-campus-a"))
    elif row.target == "notification_b1":
        value = _notification_of(w, "staff_b1")
    elif row.target == "hall_identity_b":
        value = _hall_identity_of(w, "uni_b")
    else:
        value = w.ids[row.target]
    for name in ("{org_id}", "{user_id}", "{client_pk}", "{notification_id}", "{university_id}", "{identity_id}"):
        path = path.replace(name, str(value))
    return path


def _hall_identity_of(w: World, university: str) -> int:
    """A roster identity of ``university``, made once."""
    from sanquan_gateway.hall_identity.models import HallIdentity

    uni = w.ids[university]
    with w.app.state.kernel.sessionmaker.begin() as s:
        found = s.scalar(select(HallIdentity.id).where(HallIdentity.university_id == uni))
        if found is not None:
            return int(found)
        i = HallIdentity(university_id=uni, kind="student", number="M1", display_name="甲", source="roster")
        s.add(i)
        s.flush()
        return int(i.id)


def _notification_of(w: World, user: str) -> int:
    """A notification of ``user`` (of university B), made once."""
    from sanquan_gateway.notifications.models import Notification

    user_id = w.users[user].id
    with w.app.state.kernel.sessionmaker.begin() as s:
        found = s.scalar(select(Notification.id).where(Notification.user_id == user_id))
        if found is not None:
            return int(found)
        n = Notification(user_id=user_id, event_id="evt_matrix", kind="plan.returned", params={}, link="/plans/mine")
        s.add(n)
        s.flush()
        return int(n.id)


def test_every_endpoint_has_rows_in_the_matrix(world: World) -> None:
    api = world.client.app.app  # the FastAPI app behind the middleware
    while not hasattr(api, "routes"):
        api = api.app if hasattr(api, "app") else api.api
    routes = {(m, r.path) for r in api.routes if isinstance(r, APIRoute) for m in r.methods}
    routes |= {
        (m, r.path)
        for r in api.routes
        if not isinstance(r, APIRoute) and hasattr(r, "methods")
        for m in (r.methods or ())
        if m != "HEAD"
    }
    covered = {(row.method, row.path) for row in MATRIX} | PUBLIC
    missing = sorted(routes - covered)
    assert not missing, f"endpoints without rows in the authorization matrix: {missing}"


def test_authorization_matrix(world: World) -> None:
    # The disabled account was switched off after its token was issued: the deny list has it. The token is made
    # once, before the revocation (made per row, a row reached more than a minute into the loop on a busy machine
    # carried a token issued after the revocation, which is rightly valid: 403 instead of 401).
    disabled_headers = _headers(world, "disabled")
    with world.app.state.kernel.sessionmaker.begin() as s:
        from datetime import timedelta

        s.add(
            Revocation(
                subject=str(world.users["disabled"].id),
                revoked_before=int(time.time()) - 1,
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
    world.app.state.kernel.extras["revocation_poller"].refresh()
    failures = []
    # A token per role, signed once and re-used from row to row (signing one per row was a tenth of this test),
    # signed again after any row that changed the deny list (a sign-out, a password reset, a deactivation: the
    # list's ETag moves) and after a few minutes (the tokens live 15).
    revocations = world.app.state.kernel.revocations
    signed: dict[str, dict[str, str]] = {}
    signed_at, deny_list = time.monotonic(), revocations.etag
    for row in MATRIX:
        if revocations.etag != deny_list or time.monotonic() - signed_at > 300:
            signed.clear()
            signed_at, deny_list = time.monotonic(), revocations.etag
        if row.role == "disabled":
            headers = dict(disabled_headers)
        else:
            if row.role not in signed:
                signed[row.role] = _headers(world, row.role)
            headers = dict(signed[row.role])
        if row.path.startswith("/api/auth/web/"):
            headers["X-Requested-With"] = "XMLHttpRequest"
        path = _fill(world, row)
        if row.path == "/api/auth/token":
            r = world.client.post(path, data={"grant_type": "password"}, headers=headers)
        else:
            r = world.client.request(row.method, path, headers=headers, json=row.body(world) if row.body else None)
        if r.status_code != row.expected:
            failures.append(
                f"{row.role:15} {row.method:6} {path:35} target={row.target}: expected "
                f"{row.expected}, got {r.status_code} {r.text[:120]}"
            )
    assert not failures, "\n".join(failures)


def _university_ids_in(items: list[dict[str, Any]]) -> set[Any]:
    return {i.get("university_id") for i in items}


def test_lists_never_contain_another_universitys_items(world: World) -> None:
    a, b = world.ids["uni_a"], world.ids["uni_b"]
    for role in ("uni_a_admin", "mgr_a1", "staff_a1", "expert", "integration"):
        h = _headers(world, role)
        orgs = world.client.get("/api/orgs?limit=500", headers=h).json()["items"]
        assert b not in _university_ids_in(orgs), role
        assert all(o["university_id"] in (a, None) or o["id"] == world.ids["province"] for o in orgs)
        if role != "integration":
            users = world.client.get("/api/users?limit=500", headers=h).json()["items"]
            assert users and b not in _university_ids_in(users), role
    # a department manager sees only their department's accounts; a sibling department's are absent
    users = world.client.get("/api/users?limit=500", headers=_headers(world, "mgr_a1")).json()["items"]
    assert {u["department_id"] for u in users} == {world.ids["a1"]}
    # the audit log of university A holds nothing of university B
    world.client.patch(f"/api/orgs/{world.ids['b1']}", json={"name": "乙-改"}, headers=world.auth("province_admin"))
    audit = world.client.get("/api/audit", headers=world.auth("uni_a_admin")).json()["items"]
    assert all(e["university_id"] == a for e in audit)
    clients = world.client.get("/api/clients", headers=world.auth("uni_b_admin")).json()["items"]
    assert clients == []


def test_exports_hold_only_what_the_caller_may_see(world: World) -> None:
    import csv
    import io

    def rows(path: str, who: str) -> list[dict[str, str]]:
        r = world.client.get(path, params={"format": "csv"}, headers=_headers(world, who))
        assert r.status_code == 200, r.text
        assert r.headers["content-disposition"].startswith("attachment")
        return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))

    # a name that a spreadsheet would run is exported as text
    world.client.patch(
        f"/api/orgs/{world.ids['a1']}", json={"name": "=HYPERLINK(1)"}, headers=world.auth("province_admin")
    )
    orgs = rows("/api/orgs/export", "uni_a_admin")
    ids = {int(r["编号"]) for r in orgs}
    assert world.ids["a1"] in ids and world.ids["uni_b"] not in ids and world.ids["b1"] not in ids
    assert "'=HYPERLINK(1)" in {r["名称"] for r in orgs}
    users = rows("/api/users/export", "mgr_a1")
    assert {r["用户名"] for r in users} == {"mgr_a1", "staff_a1", "gone_a1", "victim_a1"}
    assert all("password" not in k.lower() for k in users[0])
    assert {r["所属组织"] for r in users} == {"'=HYPERLINK(1)"}  # the organisation's name, not only its number
    world.client.patch(f"/api/orgs/{world.ids['b1']}", json={"name": "乙-改"}, headers=world.auth("province_admin"))
    audit = rows("/api/audit/export", "uni_a_admin")
    assert audit and all("b1" not in r["对象"] and r["对象"] != f"org:{world.ids['b1']}" for r in audit)
    assert len(rows("/api/orgs/export", "province_admin")) == 6
