"""Files (#16) against the real processes through the gateway: an upload streamed in chunks arrives whole and is
downloaded as stored; a body declaring 2 GB with 10 bytes sent is refused at once (413) at the gateway and at the
service; a renamed program, a polyglot, a PNG bomb, a PDF with JavaScript and an empty file are refused with
problem+json; names with path parts, CR/LF and quotes come back safe in Content-Disposition."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from sanquan_kernel.storage import samples
from tests.harness import Stack
from tests.test_bad_input import PROBLEM, _answer, _raw


def _noise_png(side: int = 600) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("service", "who"), [("training", "u1_d1_staff1"), ("plans", "u1_d1_mgr"), ("evaluation", "u1_admin")]
)
def test_uploads_stream_through_the_gateway_and_hostile_files_are_refused(stack: Stack, service: str, who: str) -> None:
    data = _noise_png()
    assert len(data) > 1_000_000

    def pieces() -> Iterator[bytes]:
        for i in range(0, len(data), 65536):
            yield data[i : i + 65536]

    with stack.client(who) as c:
        up = c.post(f"/api/{service}/attachments", params={"filename": "现场照片.png"}, content=pieces())
        assert up.status_code == 201, up.text
        item = up.json()
        got = c.get(item["content_url"])
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == item["sha256"]
        assert c.get(item["thumbnail_url"]).headers["content-type"] == "image/jpeg"
        for name, body, status in (
            ("证书.pdf", samples.exe(), 415),
            ("a.pdf", samples.polyglot(), 415),
            ("bomb.png", samples.png_bomb(), 413),
            ("js.pdf", samples.pdf(js=True), 422),
            ("empty.pdf", b"", 422),
        ):
            r = c.post(f"/api/{service}/attachments", params={"filename": name}, content=body)
            assert r.status_code == status and r.headers["content-type"].startswith(PROBLEM), (name, r.text)
        odd_name = quote('../../x/报告\r\nSet-Cookie: a=b".pdf')
        odd = c.post(f"/api/{service}/attachments?filename={odd_name}", content=samples.pdf())
        assert odd.status_code == 201, odd.text
        cd = c.get(odd.json()["content_url"]).headers["content-disposition"]
        assert "\r" not in cd and "\n" not in cd and "/" not in cd.split("filename*=")[0] and cd.count('"') == 2
    token = stack.token(who)
    for port in (stack.ports["gateway"], stack.ports[service]):  # through the gateway, and the service itself
        head = (
            f"POST /api/{service}/attachments?filename=big.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/pdf\r\nContent-Length: {2 * 1024**3}\r\n\r\n"
        )
        status, headers, body = _answer(_raw(port, head, iter([b"%PDF-1.4\n%"])))
        assert status == 413 and headers["content-type"].startswith(PROBLEM) and body["status"] == 413, body
