"""What telling the hall's requesters costs the gateway's event intake (issue #20): the notification subscriber
(``notifications.service.notify``) on batches of 200 hall events that name their requester, before and after the
requesters' notifications, side by side.

Before (a git worktree of the commit before the change, ``--before``): such events tell nobody (answered and closed
had no staff rule; the requester was not an account). After: one identity query per batch and one INSERT of a row
per event. Each round runs in a fresh interpreter of each tree on its own SQLite file (tables by ``create_all``),
rounds interleaved (before, after, before, …) since the host is shared; the figures are the median milliseconds per
batch and the ratio. The host calibration (``calibration.py``) is printed before and after.

    git worktree add /tmp/hallfeat-before 677ecaf
    .venv/bin/python bench/hall_notify.py --before /tmp/hallfeat-before --rounds 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from calibration import calibrated

ROOT = Path(__file__).resolve().parents[1]
BATCH = 200
BATCHES = 20

CHILD = r"""
import json, sys, tempfile, time, uuid
from datetime import UTC, datetime
from sqlalchemy import create_engine, insert
from sqlalchemy.orm import sessionmaker
import sanquan_gateway.main  # every model
from sanquan_gateway.models import Base
from sanquan_gateway.events.models import Event
from sanquan_gateway.hall_identity.models import HallIdentity
from sanquan_gateway.orgs.models import Organisation
from sanquan_gateway.notifications.service import notify

batch, batches = int(sys.argv[1]), int(sys.argv[2])
path = tempfile.mktemp(suffix=".db")
engine = create_engine(f"sqlite:///{path}")
Base.metadata.create_all(engine)
factory = sessionmaker(engine)
with factory.begin() as s:
    s.execute(insert(HallIdentity), [
        {"id": i, "university_id": 1, "kind": "student", "number": f"S{i}", "display_name": "", "source": "roster",
         "disabled": False, "created_at": datetime.now(UTC)} for i in range(1, batch + 1)])
times = []
for b in range(batches):
    events = [Event(id="evt_" + uuid.uuid4().hex, type="hall.request.answered" if i % 2 else "hall.request.closed",
                    source="hall", university_id=1, department_id=5, subject=f"hall_request:{i}",
                    occurred_at=datetime.now(UTC), received_at=datetime.now(UTC),
                    data={"request_id": i, "number": f"BX2026-{i:06d}", "category": "repair_dorm", "department_id": 5,
                          "anonymous": False, "requester": f"hall:{i + 1}"}) for i in range(batch)]
    with factory.begin() as s:
        t = time.perf_counter()
        notify(s, events)
        s.flush()
        times.append((time.perf_counter() - t) * 1000)
with factory() as s:
    from sqlalchemy import func, select
    from sanquan_gateway.notifications.models import Notification
    rows = s.scalar(select(func.count(Notification.id)))
print(json.dumps({"ms": times[2:], "rows": rows}))
"""


def run(tree: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": f"{tree}/kernel/src:{tree}/gateway/src"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(BATCH), str(BATCHES)], env=env, check=True, capture_output=True, text=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--before", type=Path, required=True, help="a worktree of the commit before the change")
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    before: list[float] = []
    after: list[float] = []
    rows = {}
    for _ in range(a.rounds):
        for label, tree, into in (("before", a.before, before), ("after", ROOT, after)):
            r = run(tree)
            into.append(statistics.median(r["ms"]))  # type: ignore[arg-type]
            rows[label] = r["rows"]
    b, f = statistics.median(before), statistics.median(after)
    print(f"notify() on {BATCH} hall events naming their requester, median ms per batch over {a.rounds} rounds")
    print(f"{'':>8} {'ms/batch':>10} {'µs/event':>10} {'rows':>7}   rounds")
    print(f"{'before':>8} {b:10.2f} {b * 1000 / BATCH:10.1f} {rows['before']:>7}   {[round(x, 2) for x in before]}")
    print(f"{'after':>8} {f:10.2f} {f * 1000 / BATCH:10.1f} {rows['after']:>7}   {[round(x, 2) for x in after]}")
    print(f"ratio after/before {f / b:.2f}x; added per event {(f - b) * 1000 / BATCH:.1f} µs")


if __name__ == "__main__":
    calibrated(main)
