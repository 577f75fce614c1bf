"""Attachment downloads behind nginx (#16): the services keep files in one shared volume and answer downloads with
X-Accel-Redirect under STORAGE_ACCEL_PREFIX; nginx has that volume read-only under an ``internal`` location
aliasing it, and runs in the group (STORAGE_GROUP_ID) the stored objects are readable by."""

from __future__ import annotations

import re
from typing import Any

from tests.ops.conftest import ROOT

NGINX_TEMPLATE = ROOT / "ops/nginx/default.conf.template"
FILE_SERVICES = ("plans", "training", "evaluation")


def _location(prefix: str) -> str:
    m = re.search(rf"location\s+{re.escape(prefix)}\s*\{{(.*?)\n    \}}", NGINX_TEMPLATE.read_text(), re.S)
    assert m, f"no location {prefix}"
    return m.group(1)


def test_services_share_the_files_volume_and_hand_downloads_to_nginx(compose: dict[str, Any]) -> None:
    groups = set()
    for name in FILE_SERVICES:
        svc = compose["services"][name]
        assert "files:/data/files" in svc["volumes"], name
        env = svc["environment"]
        assert env["STORAGE_ACCEL_PREFIX"] == "/_files/", name
        groups.add(str(env["STORAGE_GROUP_ID"]))
        assert str(env["STORAGE_GROUP_ID"]) in [str(g) for g in svc["group_add"]], name
    assert len(groups) == 1 and "files" in compose["volumes"]
    assert "files" not in str(compose["services"]["gateway"].get("volumes", []))  # the gateway holds no files
    front = compose["services"]["frontend"]
    mount = next(v for v in front["volumes"] if v.startswith("files:"))
    assert mount.endswith(":ro")
    assert groups <= {str(g) for g in front["group_add"]}
    block = _location("/_files/")
    assert re.search(r"^\s*internal;", block, re.M), "a client must not reach /_files/ itself"
    alias = re.search(r"alias\s+(\S+);", block)
    assert alias and alias.group(1).rstrip("/") == mount.split(":")[1].rstrip("/")


def test_the_image_prepares_the_files_folder_for_the_volume() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "mkdir -p /data/files" in text and "chown app:app /data /data/files" in text
