"""The browser policy lets the SPA show attachments it fetched itself (#16), and nothing wider: ``blob:`` images
(thumbnails) and frames (a PDF beside the scoring form), no other source; scripts and connections stay same-origin.
The nginx template sends the same policy."""

from pathlib import Path

from sanquan_kernel.middleware import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parents[2]


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_object_urls_may_be_shown_as_images_and_frames_and_nothing_else_is_opened() -> None:
    d = directives(CONTENT_SECURITY_POLICY)
    assert d["img-src"] == ["'self'", "data:", "blob:"]
    assert d["frame-src"] == ["'self'", "blob:"]
    assert d["script-src"] == ["'self'"]
    assert d["connect-src"] == ["'self'"]
    assert d["object-src"] == ["'none'"]
    assert d["frame-ancestors"] == ["'none'"]


def test_nginx_sends_the_same_policy() -> None:
    template = (ROOT / "ops" / "nginx" / "default.conf.template").read_text(encoding="utf-8")
    sent = [line.split('"')[1] for line in template.splitlines() if "add_header Content-Security-Policy" in line]
    assert sent, "the template sets the policy"
    assert all(s == CONTENT_SECURITY_POLICY for s in sent), sent
