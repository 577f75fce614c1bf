"""Revoked access tokens: a small deny list of subjects (disabled accounts), organisations (a deactivated
university or department: every token of its members) and token ids (logout).

The gateway owns the list (in its database, so every replica agrees); services poll it every few seconds, so a
revoked token stops working within seconds everywhere while access tokens stay short-lived.

An organisation's entry has the subject ``org:<id>`` and matches every token whose ``org_id``, ``university_id``
or ``department_id`` is that id (a university's entry thus covers its departments' people and its clients).
While the organisation is deactivated its cutoff is ``EVERY_TOKEN`` (whatever the token's age); after
reactivation it is the second of reactivation, until the tokens issued before it have expired.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

#: Subjects of organisation entries: ``org:<id>``.
ORG_PREFIX = "org:"
#: The cutoff of a deactivated organisation: every token of its members is refused, whenever it was issued.
EVERY_TOKEN = 2**31 - 1


def org_subject(org_id: int) -> str:
    return f"{ORG_PREFIX}{org_id}"


class RevocationList:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subjects: dict[str, int] = {}  # subject -> tokens issued at or before this second are revoked
        self._orgs: dict[int, int] = {}  # organisation id -> the same cutoff, for every token of its members
        self._jtis: set[str] = set()
        self.etag: str | None = None

    def replace(self, entries: Iterable[dict[str, Any]], etag: str | None = None) -> None:
        subjects: dict[str, int] = {}
        orgs: dict[int, int] = {}
        jtis: set[str] = set()
        for e in entries:
            if e.get("jti"):
                jtis.add(str(e["jti"]))
            elif e.get("subject"):
                subject, cutoff = str(e["subject"]), int(e["revoked_before"])
                org = subject.removeprefix(ORG_PREFIX)
                if org != subject and org.isdigit():
                    orgs[int(org)] = max(cutoff, orgs.get(int(org), 0))
                else:
                    subjects[subject] = max(cutoff, subjects.get(subject, 0))
        with self._lock:
            self._subjects, self._orgs, self._jtis, self.etag = subjects, orgs, jtis, etag

    def is_revoked(self, subject: str, jti: str, issued_at: int, orgs: Iterable[int] = ()) -> bool:
        """Whether the token (``subject``, ``jti``, ``iat``) of a member of ``orgs`` (the ids of its
        organisation, university and department) is refused."""
        cutoff = self._subjects.get(subject)
        if cutoff is not None and issued_at <= cutoff:
            return True
        revoked_orgs = self._orgs
        if revoked_orgs:
            for org in orgs:
                cutoff = revoked_orgs.get(org)
                if cutoff is not None and issued_at <= cutoff:
                    return True
        return jti in self._jtis
