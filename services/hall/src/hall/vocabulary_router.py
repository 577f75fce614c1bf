"""``GET /vocabulary``: the hall's categories, statuses, timeline steps and place kinds in zh-CN and en."""

from __future__ import annotations

from pydantic import BaseModel

from hall import vocabulary as v
from hall.deps import HallUser, only
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["vocabulary"])


class Word(BaseModel):
    code: str
    zh: str
    en: str


class Vocabulary(BaseModel):
    categories: list[Word]
    anonymous_categories: list[str]
    statuses: list[Word]
    events: list[Word]
    place_kinds: list[Word]


@router.get("/vocabulary", dependencies=[only(HallUser)])
async def get_vocabulary() -> Vocabulary:
    return Vocabulary.model_validate(
        {
            "categories": v.as_list(v.CATEGORIES),
            "anonymous_categories": sorted(v.ANONYMOUS_CATEGORIES),
            "statuses": v.as_list(v.STATUSES),
            "events": v.as_list(v.EVENT_KINDS),
            "place_kinds": v.as_list(v.PLACE_KINDS),
        }
    )
