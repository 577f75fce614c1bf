"""The built SPA (``frontend/dist``) served at ``/`` in the embedded run, with index.html for client routes."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


class SPAFiles(StaticFiles):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory=str(directory), html=True, check_dir=False)
        self.index = directory / "index.html"

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            response = Response(status_code=404)
        if response.status_code == 404 and "." not in path.rsplit("/", 1)[-1] and self.index.is_file():
            # A client-side route: the app decides what to show.
            return FileResponse(self.index, headers={"Cache-Control": "no-cache"})
        if path.startswith("assets/") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
