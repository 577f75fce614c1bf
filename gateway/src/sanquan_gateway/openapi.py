"""One OpenAPI document for the whole platform: the gateway's own paths merged with each service's.

Service documents are fetched through the proxy's connection pool and cached briefly; a service that is down is
listed under ``x-unavailable-services`` instead of failing the whole document. Component names that two documents
define differently are prefixed with the service name.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from swagger_ui_bundle import swagger_ui_path

from sanquan_gateway.proxy import Proxy
from sanquan_gateway.upstream import UpstreamError
from sanquan_kernel.errors import NotFound

CACHE_SECONDS = 30.0

#: Swagger UI's files served by the gateway itself (package swagger-ui-bundle-v2): no CDN, no foreign script.
DOCS_ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})
DOCS_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>Platform API · 平台接口</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/api/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"""
#: The page's start-up as a file of its own: the Content-Security-Policy allows no inline script.
DOCS_INIT = """window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/components/schemas/"):
                name = v.rsplit("/", 1)[1]
                out[k] = "#/components/schemas/" + renames.get(name, name)
            else:
                out[k] = _rename_refs(v, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def merge(base: dict[str, Any], docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})
    for service, doc in docs.items():
        theirs: dict[str, Any] = doc.get("components", {}).get("schemas", {})
        # A schema is renamed when it differs from ours of the same name once its own references are renamed:
        # ``Page_SelfReportOut_`` reads the same in two documents but wraps two different ``SelfReportOut``.
        renames: dict[str, str] = {}
        changed = True
        while changed:
            changed = False
            for name, schema in theirs.items():
                if name in renames or name not in schemas:
                    continue
                ours = json.dumps(schemas[name], sort_keys=True)
                if ours != json.dumps(_rename_refs(schema, renames), sort_keys=True):
                    renames[name] = f"{service}__{name}"
                    changed = True
        for name, schema in theirs.items():
            schemas[renames.get(name, name)] = _rename_refs(schema, renames)
        for path, item in doc.get("paths", {}).items():
            merged.setdefault("paths", {})[path] = _rename_refs(item, renames)
        for tag in doc.get("tags", []) or []:
            merged.setdefault("tags", []).append(tag)
        for name, scheme in doc.get("components", {}).get("securitySchemes", {}).items():
            merged["components"].setdefault("securitySchemes", {}).setdefault(name, scheme)
    return merged


def platform_document(base: dict[str, Any], docs: dict[str, dict[str, Any]], missing: list[str]) -> dict[str, Any]:
    """The platform's document from the gateway's own (``base``) and the services' (in the proxy's order); also
    built in-process, without servers, by ``scripts/gen_openapi.py`` for the SPA's generated types."""
    doc = merge(base, docs)
    doc["info"] = {
        "title": "Three-All Education logistics platform API",
        "version": base["info"]["version"],
        "description": "Gateway (identity, organisations, tokens) and the plans, training and "
        "evaluation services. See CONTRACT.md for the stable public part.",
    }
    if missing:
        doc["x-unavailable-services"] = missing
    return doc


class CombinedOpenAPI:
    def __init__(self, app: FastAPI, proxy: Proxy) -> None:
        self.app = app
        self.proxy = proxy
        self._cache: tuple[float, dict[str, Any]] | None = None

    async def _fetch(self, prefix: str) -> dict[str, Any] | None:
        try:
            async with asyncio.timeout(5):
                status, body = await self.proxy.fetch(prefix, f"{prefix}/openapi.json")
            if status != 200:
                return None
            doc: dict[str, Any] = json.loads(body)
            return doc
        except (UpstreamError, TimeoutError, ValueError):
            return None

    async def document(self) -> dict[str, Any]:
        if self._cache and time.monotonic() - self._cache[0] < CACHE_SECONDS:
            return self._cache[1]
        prefixes = list(self.proxy.upstreams)
        fetched = await asyncio.gather(*(self._fetch(p) for p in prefixes))
        docs = {p[5:]: d for p, d in zip(prefixes, fetched, strict=True) if d is not None}
        missing = [p[5:] for p, d in zip(prefixes, fetched, strict=True) if d is None]
        doc = platform_document(self.app.openapi(), docs, missing)
        if not missing:
            self._cache = (time.monotonic(), doc)
        return doc

    def install(self) -> None:
        @self.app.get("/api/openapi.json", include_in_schema=False)
        async def openapi_json() -> JSONResponse:
            return JSONResponse(await self.document())

        @self.app.get("/api/docs", include_in_schema=False)
        async def docs() -> HTMLResponse:
            return HTMLResponse(DOCS_PAGE, headers={"Cache-Control": "no-cache"})

        @self.app.get("/api/docs/init.js", include_in_schema=False)
        async def docs_init() -> Response:
            return Response(DOCS_INIT, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

        @self.app.get("/api/docs/assets/{name}", include_in_schema=False)
        async def docs_asset(name: str) -> Response:
            if name not in DOCS_ASSETS:
                raise NotFound("No such file of the documentation page")
            return FileResponse(Path(str(swagger_ui_path)) / name, headers={"Cache-Control": "public, max-age=86400"})
