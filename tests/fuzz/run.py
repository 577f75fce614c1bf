"""Schemathesis against every OpenAPI document, through the gateway, as each kind of user.

Used by ``tests/test_fuzz.py`` (a short, seeded run inside ``make test``) and by ``make fuzz`` (``python -m
tests.fuzz.run``: a longer run with every phase, stateful included, on a stack of its own).

What is checked, and what is deliberately not (docs/decisions.md, "Reliability suite"):
- no 5xx (``not_a_server_error``); responses match their documented schema and media type;
- schema-violating input answers 4xx (``bad_input_rejected``, hooks.py), and every error is problem+json;
- a request without a token is refused (``ignored_auth``);
- *not* ``status_code_conformance``: the documents do not list every 4xx a route may answer (401, 403, 404, 409,
  412, 428 are in CONTRACT.md instead);
- *not* ``positive_data_acceptance``: schema-valid input is often refused for domain reasons (another
  university's id is 404, a closed phase is 409, hours and days both 0 is 422).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.harness import Stack

ROOT = Path(__file__).resolve().parents[2]
#: One account of each role (scripts/seed_demo.py), least privileged first: a province admin's writes (an org
#: deactivated, a rule changed) then cannot disturb the runs of the others.
ROLES = ("u1_d1_staff1", "expert1", "u1_d1_mgr", "u1_admin", "admin")
#: The OpenAPI documents: the gateway's combined one (every path of the platform; one run per role, as
#: ``make test`` does) and each service's own (``make fuzz``).
DOCUMENTS = {
    "platform": "/api/openapi.json",
    "gateway": "/api/gateway/openapi.json",
    "plans": "/api/plans/openapi.json",
    "training": "/api/training/openapi.json",
    "evaluation": "/api/evaluation/openapi.json",
    "hall": "/api/hall/openapi.json",
}
SERVICE_DOCUMENTS = ("gateway", "plans", "training", "evaluation", "hall")
#: The hall's requester (#20), signed in by the hall's sign-in, not by password: a demo university 1 student's token
#: signed with the platform's key (tests/authz_world.py), fuzzed on the hall's document only (every other
#: operation refuses the role, which the authorization matrix proves).
STUDENT = "student"
STUDENT_DOCUMENTS = ("hall",)
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "content_type_conformance",
    "ignored_auth",
    "bad_input_rejected",
    "errors_are_problem_details",
)
#: Operations that would sign the fuzzing account out or lock it (its own password, logout, an account's state);
#: the gateway's own tests cover them.
EXCLUDE_PATHS = r"^/api/(auth/(logout|web/logout|password)|users/\{user_id\}(/password)?)$"
#: The stack's settings for fuzzing: failed logins from the fuzzer must not lock the next role out, and long runs
#: outlive the default token lifetime.
STACK_ENV = {
    "GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
    "GATEWAY_LOGIN_MAX_FAILURES_PER_ACCOUNT": "1000000",
    "GATEWAY_ACCESS_TOKEN_TTL": "7200",
}


@dataclass
class Outcome:
    role: str
    document: str
    returncode: int
    seconds: float
    output: str

    @property
    def summary(self) -> str:
        lines = [ln for ln in self.output.strip().splitlines() if ln.strip()]
        return lines[-1].strip("= ") if lines else "(no output)"


def st_command() -> list[str]:
    script = Path(sys.executable).with_name("st")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())"]


def run_one(
    base_url: str,
    token: str,
    document: str,
    *,
    role: str,
    max_examples: int,
    phases: str,
    seed: int,
    timeout: float,
    exclude: tuple[str, ...] = (),
) -> Outcome:
    """One schemathesis run of ``document`` as the holder of ``token``; ``exclude``: operations left out, by name
    (``"GET /api/plans/plans"``)."""
    cmd = [
        *st_command(),
        "run",
        base_url + DOCUMENTS[document],
        "--url",
        base_url,
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        phases,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "60",
        "--exclude-path-regex",
        EXCLUDE_PATHS,
        "--no-color",
        "--warnings",
        "off",
        *(arg for name in exclude for arg in ("--exclude-name", name)),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        code, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        code, output = -1, f"timed out after {timeout}s\n{partial}"
    return Outcome(role, document, code, time.monotonic() - started, output)


def run_all(
    stack: Stack,
    *,
    max_examples: int,
    phases: str,
    seed: int = 20260,
    documents: tuple[str, ...] = SERVICE_DOCUMENTS,
    roles: tuple[str, ...] = (*ROLES, STUDENT),
    timeout: float = 1800,
    echo: bool = False,
    report: Path | None = None,
) -> list[Outcome]:
    """Every (role, document) pair in turn, each with a fresh token; the student's on ``STUDENT_DOCUMENTS``."""
    from tests.authz_world import HALL_STUDENTS, hall_token

    outcomes = []
    for role in roles:
        for document in documents:
            if role == STUDENT:
                if document not in STUDENT_DOCUMENTS:
                    continue
                with stack.client("u1_admin") as c:  # the demo's university 1
                    university = c.get("/api/auth/me").json()["org_id"]
                token = hall_token(stack, university, HALL_STUDENTS[STUDENT][1])
            else:
                token = stack.token(role)
            out = run_one(
                stack.url,
                token,
                document,
                role=role,
                max_examples=max_examples,
                phases=phases,
                seed=seed,
                timeout=timeout,
            )
            if report:  # as each run ends: a long run stopped early keeps what it found
                with report.open("a") as f:
                    f.write(f"### {role} {document} (exit {out.returncode}, {out.seconds:.0f}s)\n{out.output}\n\n")
            if echo:
                print(f"{role:>13} {document:<10} {out.seconds:6.1f}s  {out.summary}", flush=True)
            outcomes.append(out)
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--report", type=Path, default=None, help="append every run's full output here as it ends")
    parser.add_argument("--documents", default=",".join(SERVICE_DOCUMENTS), help="comma-separated, to re-run a part")
    parser.add_argument("--roles", default=",".join((*ROLES, STUDENT)), help="comma-separated, to re-run a part")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.harness import Stack

    started = time.monotonic()
    with Stack(backend=args.backend, name="fuzz", extra_env=STACK_ENV) as stack:
        stack.seed_demo()
        print(f"fuzzing {stack.url} ({args.backend}), {args.max_examples} examples, phases {args.phases}")
        outcomes = run_all(
            stack,
            max_examples=args.max_examples,
            phases=args.phases,
            seed=args.seed,
            documents=tuple(args.documents.split(",")),
            roles=tuple(args.roles.split(",")),
            echo=True,
            report=args.report,
        )
    failed = [o for o in outcomes if o.returncode != 0]
    for o in failed:
        print(f"\n######## {o.role} / {o.document}\n{o.output[-20000:]}")
    print(f"\n{len(outcomes) - len(failed)} passed, {len(failed)} failed in {time.monotonic() - started:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
