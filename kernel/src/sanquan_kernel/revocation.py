"""Revoked access tokens: a small deny list of subjects (disabled accounts) and token ids (logout).

The gateway owns the list (in its database, so every replica agrees); services poll it every few seconds, so a
revoked token stops working within seconds everywhere while access tokens stay short-lived.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any


class RevocationList:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subjects: dict[str, int] = {}  # subject -> tokens issued at or before this second are revoked
        self._jtis: set[str] = set()
        self.etag: str | None = None

    def replace(self, entries: Iterable[dict[str, Any]], etag: str | None = None) -> None:
        subjects: dict[str, int] = {}
        jtis: set[str] = set()
        for e in entries:
            if e.get("jti"):
                jtis.add(str(e["jti"]))
            elif e.get("subject"):
                subjects[str(e["subject"])] = max(int(e["revoked_before"]), subjects.get(str(e["subject"]), 0))
        with self._lock:
            self._subjects, self._jtis, self.etag = subjects, jtis, etag

    def is_revoked(self, subject: str, jti: str, issued_at: int) -> bool:
        cutoff = self._subjects.get(subject)
        if cutoff is not None and issued_at <= cutoff:
            return True
        return jti in self._jtis
