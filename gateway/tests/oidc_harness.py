"""A real OpenID Connect provider for the SSO tests — panva's node-oidc-provider (OpenID Certified; npm
``oidc-provider``, pinned in ``tests/oidc/package-lock.json``, installed by ``make``) run by ``tests/oidc/provider.mjs``
— and a browser's part of the sign-in: following the redirects and filling in the provider's own login and consent
forms over HTTP."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

OIDC_DIR = Path(__file__).resolve().parents[2] / "tests" / "oidc"
CALLBACK = "http://testserver/api/auth/sso/callback"


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[bytes]


@contextmanager
def oidc_provider(port: int, clients: list[dict[str, Any]], issuer: str | None = None) -> Iterator[Provider]:
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError(f"the test OpenID provider is not installed: cd {OIDC_DIR} && npm ci (make does it)")
    node = shutil.which("node")
    assert node, "node is needed for the test OpenID provider"
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_ISSUER": issuer or f"http://127.0.0.1:{port}",
        "OIDC_CLIENTS": json.dumps(clients),
        "NODE_NO_WARNINGS": "1",
    }
    proc = subprocess.Popen(
        [node, str(OIDC_DIR / "provider.mjs")],
        cwd=OIDC_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("READY"), f"the OpenID provider did not start: {line!r}"
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield Provider(issuer=env["OIDC_ISSUER"], process=proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


_FORM = re.compile(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", re.S)
_INPUT = re.compile(r"<input([^>]*)>", re.S)
_ATTR = re.compile(r"(\w+)=\"([^\"]*)\"")


def _form(html: str) -> tuple[str, dict[str, str]]:
    found = _FORM.search(html)
    assert found, f"no form in the provider's page: {html[:300]}"
    fields: dict[str, str] = {}
    for attrs in _INPUT.findall(found.group(2)):
        a = dict(_ATTR.findall(attrs))
        if "name" in a:
            fields[a["name"]] = unescape(a.get("value", ""))
    return unescape(found.group(1)), fields


def browse_to_callback(authorize_url: str, login: str, *, stop_at: str = CALLBACK) -> str:
    """Play the browser at the provider: follow its redirects, sign in as ``login`` on its login form, consent,
    and return the URL it finally sends the browser to (the gateway's callback, with ``code``, ``state``, ``iss``)."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        url = authorize_url
        for _ in range(20):
            if url.startswith(stop_at):
                return url
            r = browser.get(url)
            if r.is_redirect:
                url = urljoin(url, r.headers["location"])
                continue
            assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:300]}"
            action, fields = _form(r.text)
            if "login" in fields or 'name="login"' in r.text:
                fields.update(login=login, password="any-password")
            r = browser.post(urljoin(url, action), data=fields)
            assert r.is_redirect, f"{action}: {r.status_code} {r.text[:300]}"
            url = urljoin(url, r.headers["location"])
    raise AssertionError("the provider never sent the browser back")
