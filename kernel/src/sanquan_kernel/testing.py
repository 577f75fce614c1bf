"""Test helpers for every service: a signing key, tokens for any role, an authenticator that trusts that key,
and a small org tree with two universities so that every test can use a record of another tenant.

Not imported by production code.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sanquan_kernel.accounts import Account, AccountDirectory
from sanquan_kernel.auth import Authenticator, KeySet
from sanquan_kernel.orgdir import Org, OrgDirectory
from sanquan_kernel.revocation import RevocationList
from sanquan_kernel.tokens import SigningKey, issue_access_token

ISSUER = "sanquan-gateway"
AUDIENCE = "sanquan-api"

# The sample province: 1 is the province; 10 and 20 are universities; 11, 12 departments of 10; 21 of 20.
PROVINCE, UNI_A, UNI_B = 1, 10, 20
DEPT_A1, DEPT_A2, DEPT_B1 = 11, 12, 21


@lru_cache(maxsize=1)
def test_key() -> SigningKey:
    return SigningKey.generate()


def make_authenticator(revocations: RevocationList | None = None) -> Authenticator:
    return Authenticator(
        KeySet([test_key().public_jwk]), revocations or RevocationList(), issuer=ISSUER, audience=AUDIENCE
    )


def sample_orgdir() -> OrgDirectory:
    return OrgDirectory(
        [
            Org(PROVINCE, None, "province", None, "河南省教育厅", "HA", None, "/1/"),
            Org(UNI_A, PROVINCE, "university", UNI_A, "甲大学", "4141010001", "undergraduate", "/1/10/", city="410100"),
            Org(DEPT_A1, UNI_A, "department", UNI_A, "饮食服务中心", None, None, "/1/10/11/"),
            Org(DEPT_A2, UNI_A, "department", UNI_A, "学生公寓管理中心", None, None, "/1/10/12/"),
            Org(
                UNI_B,
                PROVINCE,
                "university",
                UNI_B,
                "乙学院",
                "4141010002",
                "higher_vocational",
                "/1/20/",
                city="410300",
            ),
            Org(DEPT_B1, UNI_B, "department", UNI_B, "物业中心", None, None, "/1/20/21/"),
        ]
    )


def sample_accounts() -> AccountDirectory:
    """The accounts behind the ready-made principals below (their ids follow the same rule): the province admin
    100, university admins 200 + university, department managers 300 + department, staff 400 (A1), 401 (A2),
    402 (B1), experts 500/501 of A, 502 of B, 503/504 of the province; 499 is an inactive staff account of A1."""
    return AccountDirectory(
        [
            Account(100, "province_admin", None, None),
            Account(200 + UNI_A, "university_admin", UNI_A, None),
            Account(200 + UNI_B, "university_admin", UNI_B, None),
            *(Account(300 + d, "department_manager", u, d) for d, u in ((DEPT_A1, UNI_A), (DEPT_A2, UNI_A))),
            Account(300 + DEPT_B1, "department_manager", UNI_B, DEPT_B1),
            Account(400, "staff", UNI_A, DEPT_A1),
            Account(401, "staff", UNI_A, DEPT_A2),
            Account(402, "staff", UNI_B, DEPT_B1),
            Account(499, "staff", UNI_A, DEPT_A1, active=False),
            Account(500, "expert", UNI_A, None),
            Account(501, "expert", UNI_A, None),
            Account(502, "expert", UNI_B, None),
            Account(503, "expert", None, None),
            Account(504, "expert", None, None),
        ]
    )


def token(
    role: str,
    *,
    sub: str | int = 1,
    org_id: int | None = None,
    university_id: int | None = None,
    department_id: int | None = None,
    scope: str = "",
    ttl: int = 900,
    **extra: Any,
) -> str:
    claims = {
        "role": role,
        "org_id": org_id,
        "university_id": university_id,
        "department_id": department_id,
        "scope": scope,
        **extra,
    }
    tok, _ = issue_access_token(
        test_key(), issuer=ISSUER, audience=AUDIENCE, subject=str(sub), ttl_seconds=ttl, claims=claims
    )
    return tok


def auth(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


# Ready-made principals of the sample province (user ids are arbitrary but distinct).
def province_admin() -> dict[str, str]:
    return auth(token("province_admin", sub=100, org_id=PROVINCE))


def inspector() -> dict[str, str]:
    """The province's inspector (督导, issue #19): reads what the province reads, writes only supervision."""
    return auth(token("inspector", sub=150, org_id=PROVINCE))


def university_admin(uni: int = UNI_A) -> dict[str, str]:
    return auth(token("university_admin", sub=200 + uni, org_id=uni, university_id=uni))


def department_manager(dept: int = DEPT_A1, uni: int = UNI_A) -> dict[str, str]:
    return auth(token("department_manager", sub=300 + dept, org_id=dept, university_id=uni, department_id=dept))


def staff(user_id: int = 400, dept: int = DEPT_A1, uni: int = UNI_A) -> dict[str, str]:
    return auth(token("staff", sub=user_id, org_id=dept, university_id=uni, department_id=dept))


def expert(user_id: int = 500, uni: int | None = UNI_A) -> dict[str, str]:
    return auth(token("expert", sub=user_id, org_id=uni or PROVINCE, university_id=uni))


def integration(
    uni: int = UNI_A, scope: str = "training:read training:write", client: str = "campus-a"
) -> dict[str, str]:
    return auth(token("integration", sub=f"client:{client}", org_id=uni, university_id=uni, scope=scope))


def service(name: str = "evaluation", scope: str = "plans:indicators training:indicators") -> dict[str, str]:
    return auth(token("service", sub=f"client:svc-{name}", scope=scope))


# -- databases for tests -------------------------------------------------------------------------------------
def postgres_admin_url() -> str:
    import os

    return os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def postgres_required() -> bool:
    import os

    return os.environ.get("CI", "").lower() in ("1", "true") or os.environ.get("REQUIRE_POSTGRES") == "1"


_postgres_seen = False


def postgres_available() -> bool:
    """Whether the test server answers. Once it has answered, it counts as there for the rest of the process: on a
    busy machine (``pytest -n`` workers beside other suites) a later connection can take longer than the timeout,
    and the tests should then fail on it, not be skipped as if there were no server."""
    global _postgres_seen
    if _postgres_seen:
        return True
    import time

    from sqlalchemy import create_engine, text

    for _ in range(3):
        try:
            eng = create_engine(postgres_admin_url(), connect_args={"connect_timeout": 3})
            with eng.connect() as c:
                c.execute(text("SELECT 1"))
            eng.dispose()
            _postgres_seen = True
            return True
        except Exception:  # noqa: BLE001 - not there, or too slow to answer this time
            time.sleep(0.5)
    return False


def create_postgres_database(name: str, *, durable: bool = True) -> str:
    """Create (or re-create) database ``name`` on the test server and return its URL. ``durable=False``: its
    commits do not wait for the flush to disk (``synchronous_commit = off``; a crash of the server may lose the last
    of them, never corrupts anything), for tests, where durability is not under test and the flush per commit costs
    about half the time of a PostgreSQL test; benchmarks keep the default."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
        if not durable:
            c.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_database_url(backend: str, name: str, tmp_dir: Any) -> str:
    """A fresh, empty database of ``backend`` ("sqlite" or "postgresql"), or pytest.skip/fail for PostgreSQL (the
    PostgreSQL one without a flush to disk per commit: see ``create_postgres_database``)."""
    import pytest

    if backend == "sqlite":
        return f"sqlite:///{tmp_dir}/{name}.db"
    if not postgres_available():
        if postgres_required():
            pytest.fail("PostgreSQL is required (CI) but not reachable at " + postgres_admin_url())
        pytest.skip("PostgreSQL not reachable")
    import os

    # named after the process: each ``pytest -n`` worker (a process of its own) has its own databases
    return create_postgres_database(f"{name}_{os.getpid()}", durable=False)


def clear_tables(engine: Any, metadata: Any) -> None:
    """Delete every row of every table (children first), for a clean slate between tests."""
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


# -- what a request costs the database -----------------------------------------------------------------------------
class StatementLog:
    """The round trips seen on an engine: every statement sent through a cursor, and each transaction's ``BEGIN``
    and ``COMMIT``/``ROLLBACK`` (recorded from the engine's transaction events, so they count the same on SQLite,
    where the kernel sends ``BEGIN IMMEDIATE`` itself, and on PostgreSQL, where the driver sends it implicitly;
    PostgreSQL read sessions run in autocommit and send neither unless they write)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.compiled: list[str] = []  # statements SQLAlchemy compiled for this execution instead of reusing

    @property
    def queries(self) -> list[str]:
        """The statements other than BEGIN, COMMIT and ROLLBACK."""
        return [s for s in self.statements if s not in ("BEGIN", "COMMIT", "ROLLBACK")]

    def __len__(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(f"{i + 1:3}. {' '.join(s.split())[:200]}" for i, s in enumerate(self.statements))


class count_statements:
    """``with count_statements(engine) as log: ...``: the statements ``engine`` sent meanwhile (all threads)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.log = StatementLog()

    def _statement(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, *args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):  # SQLite's own BEGIN: counted by _begin
            self.log.statements.append(statement)
            # Compiling a statement costs more CPU than the rest of its execution; a statement whose construct has
            # no cache key (``NO_CACHE_KEY``/``CACHING_DISABLED``) is compiled on every execution. A cached one is
            # compiled once per process (``CACHE_MISS``), then served from the engine's cache (``CACHE_HIT``).
            compiled = getattr(context, "compiled", None)
            hit = str(getattr(context, "cache_hit", ""))
            if compiled is not None and "CACHE_HIT" not in hit:
                self.log.compiled.append(f"{hit}: {' '.join(statement.split())[:160]}")

    @staticmethod
    def _autocommit(conn: Any) -> bool:
        return bool(conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT")

    @staticmethod
    def _open(conn: Any) -> bool:
        """Whether a transaction is open on the server (one that an autocommit read session began to write)."""
        info = getattr(conn.connection.dbapi_connection, "info", None)
        return info is not None and int(info.transaction_status) != 0  # psycopg's IDLE

    def _begin(self, conn: Any) -> None:
        if not self._autocommit(conn):  # an autocommit connection sends no BEGIN
            self.log.statements.append("BEGIN")

    def _end(self, conn: Any, what: str) -> None:
        if not self._autocommit(conn):
            self.log.statements.append(what)
        elif self._open(conn):  # a read session that wrote began a transaction (sanquan_kernel.db) and ends it
            self.log.statements += ["BEGIN", what]

    def _commit(self, conn: Any) -> None:
        self._end(conn, "COMMIT")

    def _rollback(self, conn: Any) -> None:
        self._end(conn, "ROLLBACK")

    def __enter__(self) -> StatementLog:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self.log

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)


def xlsx_bytes(rows: list[list[Any]], *, write_only: bool = False) -> bytes:
    """A workbook of ``rows`` as openpyxl writes it (``write_only``: without a dimension element)."""
    import io

    from openpyxl import Workbook

    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("data") if write_only else wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite_zip_entry(content: bytes, name: str, write: Any) -> bytes:
    """The archive ``content`` with the entry ``name`` written anew (or added) by ``write(file)``: hostile workbooks
    for the importers' tests and benchmarks."""
    import io
    import zipfile

    real = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            if info.filename != name:
                z.writestr(info.filename, real.read(info.filename))
        with z.open(name, "w", force_zip64=True) as f:
            write(f)
    return out.getvalue()


def latin_only_font(path: Any) -> Any:
    """A valid TrueType font at ``path`` that has only the letter A (a configured font without Chinese)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((250, 700))
    pen.lineTo((500, 0))
    pen.closePath()
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "A"])
    fb.setupCharacterMap({ord("A"): "A"})
    fb.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "A": pen.glyph()})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Latin", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))
    return path
