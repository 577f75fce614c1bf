"""The province's cities (地级市) by their GB/T 2260 code: a university's ``city``.

The platform is Henan's (DOMAIN.md: the seed is the Henan Department of Education's opinions): its 17 prefecture-level
cities and 济源 (a county-level city administered by the province, drawn as a city on every provincial map). The
names are the features' names of the big screen's map (ECharts 4.9.0 ``map/json/province/henan.json``).
"""

from __future__ import annotations

PROVINCE_CITIES: dict[str, str] = {
    "410100": "郑州市",
    "410200": "开封市",
    "410300": "洛阳市",
    "410400": "平顶山市",
    "410500": "安阳市",
    "410600": "鹤壁市",
    "410700": "新乡市",
    "410800": "焦作市",
    "410900": "濮阳市",
    "411000": "许昌市",
    "411100": "漯河市",
    "411200": "三门峡市",
    "411300": "南阳市",
    "411400": "商丘市",
    "411500": "信阳市",
    "411600": "周口市",
    "411700": "驻马店市",
    "419001": "济源市",
}
