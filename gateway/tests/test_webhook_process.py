"""The delivery worker in a process of its own (``python -m sanquan_kernel.cli --service gateway webhooks``, issue
#18): it delivers what the gateway's intake commits while the gateway runs without its worker thread, at a lower
priority, woken by ``NOTIFY`` on PostgreSQL (its poll set to a minute, so only the wake-up can be prompt), and stops
on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import World
from .test_webhooks import FAST, add_endpoint, event, send, until
from .webhook_receiver import Receiver


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {**FAST, "webhook_worker": False}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def start(database_url: str, data_dir: Path, heartbeat: Path, poll: float) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.update(
        GATEWAY_DATABASE_URL=database_url,
        ENVIRONMENT="test",
        DATA_DIR=str(data_dir),
        LOG_LEVEL="INFO",
        GATEWAY_WEBHOOK_POLL_SECONDS=str(poll),
    )
    cmd = [sys.executable, "-m", "sanquan_kernel.cli", "--service", "gateway", "webhooks", "--nice", "5"]
    return subprocess.Popen(
        [*cmd, "--heartbeat", str(heartbeat)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def test_the_worker_process_delivers_what_the_gateway_commits(
    world: World, receiver: Receiver, database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    assert not world.app.state.kernel.extras["webhook_worker"].alive(), "the gateway runs without its worker"
    postgres = database_url.startswith("postgresql")
    heartbeat = tmp_path / "webhooks.alive"
    proc = start(database_url, data_dir, heartbeat, poll=60.0 if postgres else 0.2)
    try:
        until(heartbeat.exists, timeout=30)
        assert os.getpriority(os.PRIO_PROCESS, proc.pid) >= os.getpriority(os.PRIO_PROCESS, 0) + 5
        time.sleep(1.0)  # its first claim found nothing: from now on only a wake-up (or SQLite's poll) delivers
        add_endpoint(world, receiver.url)
        first, second = event(world, subject="plan:1"), event(world, subject="plan:2")
        send(world, first)
        until(lambda: receiver.ids() == [first["id"]], timeout=8)
        send(world, second)
        until(lambda: receiver.ids() == [first["id"], second["id"]], timeout=8)
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=20)[0].decode(errors="replace")
    assert proc.returncode == 0, out
    assert "webhook worker started (nice" in out
