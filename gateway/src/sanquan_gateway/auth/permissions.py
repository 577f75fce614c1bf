"""Permission codes (``area:resource:action``) per role, for the SPA's menus and buttons.

The services enforce every rule themselves; these codes only tell the SPA what to show.
"""

from __future__ import annotations

from sanquan_kernel.principal import Role

_COMMON = ["auth:password:change"]

PERMISSIONS: dict[Role, list[str]] = {
    Role.PROVINCE_ADMIN: [
        "orgs:university:manage",
        "orgs:department:manage",
        "accounts:user:manage",
        "accounts:client:manage",
        "audit:log:view",
        "dashboard:province:view",
        "training:rule:edit",
        "training:report:view",
        "training:staff:view",
        "training:record:view",
        "training:course:manage",
        "training:export",
        "plans:overview:view",
        "plans:plan:view",
        "plans:plan:review",
        "plans:change:review",
        "plans:export",
        "evaluation:campaign:manage",
        "evaluation:expert:assign",
        "evaluation:result:publish",
        "evaluation:assessment:manage",
        "evaluation:result:view",
        "supervision:visit:manage",
        "supervision:rectification:verify",
    ],
    #: 督导 (issue #19): the province's read-only views, and supervision (visits, findings, verifying 整改).
    Role.INSPECTOR: [
        "dashboard:province:view",
        "training:report:view",
        "training:staff:view",
        "training:record:view",
        "training:export",
        "plans:overview:view",
        "plans:plan:view",
        "plans:export",
        "evaluation:result:view",
        "evaluation:scorecard:view",
        "supervision:visit:manage",
        "supervision:rectification:verify",
    ],
    Role.UNIVERSITY_ADMIN: [
        "orgs:department:manage",
        "accounts:user:manage",
        "accounts:client:manage",
        "audit:log:view",
        "dashboard:university:view",
        "training:staff:manage",
        "training:record:manage",
        "training:record:import",
        "training:report:view",
        "training:course:manage",
        "training:selfreport:review",
        "training:export",
        "plans:plan:edit",
        "plans:plan:view",
        "plans:letter:manage",
        "plans:progress:view",
        "plans:funding:edit",
        "plans:workstudy:edit",
        "plans:export",
        "evaluation:nomination:manage",
        "evaluation:indicator:report",
        "evaluation:scorecard:view",
        "evaluation:result:view",
        "supervision:rectification:respond",
    ],
    Role.DEPARTMENT_MANAGER: [
        "dashboard:department:view",
        "training:staff:view",
        "training:record:manage",
        "training:record:import",
        "training:report:view",
        "training:course:attendance",
        "training:selfreport:review",
        "training:export",
        "plans:plan:view",
        "plans:progress:report",
        "plans:letter:sign",
        "evaluation:nomination:propose",
        "evaluation:result:view",
    ],
    Role.STAFF: ["training:ledger:own", "training:selfreport:submit", "plans:letter:sign", "evaluation:result:view"],
    Role.EXPERT: ["evaluation:review:score", "evaluation:conflict:declare", "evaluation:result:view"],
    Role.INTEGRATION: [],
    Role.SERVICE: [],
}


def permissions_for(role: Role) -> list[str]:
    return sorted(set(PERMISSIONS.get(role, []) + (_COMMON if role not in (Role.INTEGRATION, Role.SERVICE) else [])))
