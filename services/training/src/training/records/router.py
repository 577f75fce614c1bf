from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated

import anyio
from fastapi import File, Query, Request, Response, UploadFile

from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound, PayloadTooLarge, Unprocessable
from sanquan_kernel.etag import etag_for, set_etag
from sanquan_kernel.exports import XLSX_MEDIA, ExportFormat, table_response
from sanquan_kernel.pagination import Page, PageDep
from sanquan_kernel.principal import Role
from sanquan_kernel.responses import json_response
from sanquan_kernel.routing import ServiceRouter
from sanquan_kernel.storage.names import content_disposition
from training.deps import Reader, RecordWriter
from training.records import importer, repository, service, workbooks
from training.records.jobs import ImportWorker
from training.records.models import ImportJob
from training.records.schemas import (
    ImportJobOut,
    ImportResult,
    RecordBatch,
    RecordBatchDelete,
    RecordBatchDeleted,
    RecordBatchResult,
    RecordCorrection,
    RecordCreate,
    RecordOut,
)
from training.staff.service import target_university
from training.vocabulary import THEME_LABELS, Theme, organizer_label, source_label

router = ServiceRouter(prefix="/records", tags=["records"])

MAX_IMPORT_BYTES = 50 * 1024 * 1024
EXPORT_LIMIT = 200_000
LEDGER_HEADERS = [
    "记录编号",
    "工号",
    "姓名",
    "培训名称",
    "培训日期",
    "年度",
    "学时",
    "天数",
    "培训主题",
    "组织层级",
    "来源",
    "外部编号",
    "佐证材料",
]


def _themes_zh(codes: list[str]) -> str:
    return "；".join(THEME_LABELS[c] for c in codes)


@router.post(
    "",
    response_model=RecordOut,
    status_code=201,
    responses={200: {"model": RecordOut, "description": "The record stored earlier with this external_id"}},
)
def create_record(body: RecordCreate, session: SessionDep, principal: RecordWriter, scope: CurrentScope) -> Response:
    data, created = service.push(session, principal, scope, body)
    headers = {"ETag": etag_for(data["version"])}
    return json_response(data, status_code=201 if created else 200, headers=headers)


@router.get("", response_model=Page[RecordOut])
def list_records(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    page: PageDep,
    staff_id: int | None = None,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
    theme: Theme | None = None,
    department_id: int | None = None,
) -> Page[RecordOut]:
    items, total = repository.list_page(
        session,
        scope,
        page,
        staff_id=staff_id,
        year=year,
        theme=theme.value if theme else None,
        department_id=department_id,
    )
    return Page(items=service.outs(session, items), total=total, limit=page.limit, offset=page.offset)


@router.get("/export", response_class=Response, responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}})
def export_records(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    format: ExportFormat = ExportFormat.XLSX,
    staff_id: int | None = None,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
    theme: Theme | None = None,
    department_id: int | None = None,
    ids: Annotated[
        list[int] | None,
        Query(max_length=500, description="批量导出: only these records (those outside the caller's scope: left out)"),
    ] = None,
) -> Response:
    """The ledger as a spreadsheet (培训台账), with the same filters and scope as the list."""
    records = repository.list_all(
        session,
        scope,
        limit=EXPORT_LIMIT,
        staff_id=staff_id,
        year=year,
        theme=theme.value if theme else None,
        department_id=department_id,
        ids=ids,
    )
    rows = [
        [
            r.id,
            r.employee_no,
            r.staff_name,
            r.title,
            r.taken_on,
            r.year,
            r.hours,
            r.days,
            _themes_zh(r.themes),
            organizer_label(r.organizer_level),
            source_label(r.source),
            r.external_id,
            r.evidence,
        ]
        for r in service.outs(session, records)
    ]
    name = f"培训台账-{year or '全部'}" + (f"-已选{len(rows)}条" if ids is not None else "")
    return table_response(LEDGER_HEADERS, rows, format, name, sheet="培训台账")


@router.get(
    "/import-template",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}},
)
def import_template(_: Reader, format: ExportFormat = ExportFormat.XLSX) -> Response:
    """The import's template. ``xlsx`` (培训记录导入模板.xlsx): Chinese headers, a grey example row (not imported),
    drop-down lists for themes and levels, date cells and a 填写说明 sheet. ``csv``: the contract's header row
    only (the English codes, for campus systems)."""
    if format is ExportFormat.CSV:
        return table_response(list(importer.COLUMNS), [], format, "training-import-template", sheet="records")
    return Response(
        content=workbooks.template(),
        media_type=XLSX_MEDIA,
        headers={"Content-Disposition": content_disposition("培训记录导入模板.xlsx")},
    )


async def _read_upload(file: UploadFile) -> tuple[str, bytes]:
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge("The file is larger than 50 MB")
    return file.filename or "", content


async def _error_report_response(filename: str, lang: str, build: Callable[[], bytes]) -> Response:
    """下载错误报告 of any import (records, staff, attendance): the workbook built off the event loop, named after
    the uploaded file in the user's language."""
    body = await anyio.to_thread.run_sync(build)
    stem = (filename.rsplit(".", 1)[0] or "import")[:100]
    name = f"错误报告-{stem}.xlsx" if lang == "zh" else f"import-errors-{stem}.xlsx"
    return Response(
        content=body,
        media_type=XLSX_MEDIA,
        headers={"Content-Disposition": content_disposition(name.replace("/", "_").replace("\\", "_"))},
    )


def _max_rows(request: Request) -> int:
    return int(request.app.state.kernel.settings.import_max_rows)


def _file_problem(exc: importer.ImportFileError) -> Unprocessable:
    return Unprocessable(
        str(exc),
        code="file_unreadable",
        errors=[{"loc": ["body", "file"], "msg": str(exc), "code": "file_unreadable"}],
    )


@router.post("/import", response_model=ImportResult)
async def import_records(
    request: Request,
    session: SessionDep,
    principal: RecordWriter,
    scope: CurrentScope,
    file: Annotated[UploadFile, File(description=".csv or .xlsx")],
    dry_run: bool = False,
    university_id: int | None = None,
) -> ImportResult:
    """All or nothing: when any row is wrong nothing is stored and every wrong row is listed."""
    filename, content = await _read_upload(file)
    target = target_university(principal, university_id)
    # Seconds of parsing and storing: off the event loop, so other requests go on meanwhile.
    work = functools.partial(
        service.import_file,
        session,
        principal,
        scope,
        target,
        filename,
        content,
        dry_run=dry_run,
        max_rows=_max_rows(request),
    )
    return await anyio.to_thread.run_sync(work)


@router.post(
    "/import-report",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA: {}}, "description": "The uploaded rows with their errors marked"}},
)
async def import_report(
    request: Request,
    session: SessionDep,
    principal: RecordWriter,
    scope: CurrentScope,
    file: Annotated[UploadFile, File(description=".csv or .xlsx")],
    university_id: int | None = None,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> Response:
    """下载错误报告: the file checked as the import checks it (nothing stored), returned as a workbook with an
    错误说明 column and every refused cell filled and commented, at the row numbers Excel showed."""
    filename, content = await _read_upload(file)
    target = target_university(principal, university_id)
    max_rows = _max_rows(request)

    def build() -> bytes:
        out = service.check_file(
            session, principal, scope, target, filename, content, max_rows, max_errors=workbooks.REPORT_MAX_ERRORS
        )
        return workbooks.error_report(filename, content, out, max_rows, lang)

    return await _error_report_response(filename, lang, build)


def _job_out(job: ImportJob, worker: ImportWorker | None) -> ImportJobOut:
    processed = job.processed
    if job.status == "running" and worker is not None:
        processed = worker.progress.get(job.id, processed)
    progress = 1.0 if job.status in ("done", "failed") else (min(processed / job.total, 0.99) if job.total else 0.0)
    return ImportJobOut(
        id=job.id,
        status=job.status,
        dry_run=job.dry_run,
        filename=job.filename,
        total=job.total,
        processed=processed,
        progress=round(progress, 4),
        result=ImportResult.model_validate(job.result) if job.result else None,
        error=job.error,
        url=f"/api/training/records/import-jobs/{job.id}",
        created_at=job.created_at,
        updated_at=job.updated_at,
    )


def _worker(request: Request) -> ImportWorker:
    worker: ImportWorker = request.app.state.kernel.extras["import_worker"]
    return worker


@router.post("/import-jobs", response_model=ImportJobOut, status_code=202)
async def create_import_job(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: RecordWriter,
    file: Annotated[UploadFile, File(description=".csv or .xlsx")],
    dry_run: bool = False,
    university_id: int | None = None,
) -> ImportJobOut:
    """The same import as a background job: 202 with the job's URL; poll it for progress and the result."""
    filename, content = await _read_upload(file)
    target = target_university(principal, university_id)
    max_rows = _max_rows(request)

    def enqueue() -> ImportJobOut:
        # The archive is checked before anything opens it (a zip bomb is refused here, no job is made).
        try:
            total = importer.estimate_rows(filename, content, max_rows)
        except importer.ImportFileError as exc:
            raise _file_problem(exc) from None
        job = ImportJob(
            status="queued",
            university_id=target,
            department_id=principal.department_id if principal.role is Role.DEPARTMENT_MANAGER else None,
            created_by=principal.subject,
            actor_role=principal.role.value,
            dry_run=dry_run,
            filename=filename[:255],
            content=content,
            total=total,
            processed=0,
        )
        session.add(job)
        session.flush()
        out = _job_out(job, None)
        session.commit()  # the worker must see the job
        return out

    out = await anyio.to_thread.run_sync(enqueue)
    response.headers["Location"] = out.url
    _worker(request).wake()
    return out


@router.get("/import-jobs/{job_id}", response_model=ImportJobOut)
def get_import_job(
    job_id: int, request: Request, session: SessionDep, principal: RecordWriter, scope: CurrentScope
) -> ImportJobOut:
    job = repository.get_import_job(session, scope, principal.subject, job_id)
    if job is None:
        raise NotFound("Import job not found")
    return _job_out(job, _worker(request))


@router.post(
    "/batch",
    response_model=RecordBatchResult,
    responses={413: {"description": "More than 1,000 records"}},
)
def push_records(body: RecordBatch, session: SessionDep, principal: RecordWriter, scope: CurrentScope) -> Response:
    """批量推送 for campus systems (issue #21): up to 1,000 records, each answered as ``POST /records`` answers it
    (201 stored, 200 stored before under the same external_id, 422 with problem details), in ``items`` in the
    request's order. One transaction for the batch: every accepted item is stored, or — on a database failure —
    none, and the batch can be sent again as it is (external ids make the repeat harmless)."""
    return json_response(service.push_batch(session, principal, scope, body.records))


@router.post("/batch-delete", response_model=RecordBatchDeleted)
def delete_records(
    body: RecordBatchDelete, session: SessionDep, principal: RecordWriter, scope: CurrentScope
) -> RecordBatchDeleted:
    """批量删除: all the named records or none (404 naming those not found in the caller's scope, 412 naming those
    changed since the caller saw them); each deleted one is audited like a single delete."""
    return RecordBatchDeleted(deleted=service.delete_batch(session, principal, scope, body.records))


@router.get("/{record_id}", response_model=RecordOut)
def get_record(record_id: int, response: Response, session: SessionDep, _: Reader, scope: CurrentScope) -> RecordOut:
    record = service.get_or_404(session, scope, record_id)
    set_etag(response, record.version)
    return service.outs(session, [record])[0]


@router.patch("/{record_id}", response_model=RecordOut)
def correct_record(
    record_id: int,
    body: RecordCorrection,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: RecordWriter,
    scope: CurrentScope,
) -> RecordOut:
    """Correct a record (If-Match); the before and after are kept in the audit trail."""
    record = service.correct(session, request, principal, scope, record_id, body)
    set_etag(response, record.version)
    return service.outs(session, [record])[0]


@router.delete("/{record_id}", status_code=204, response_class=Response)
def delete_record(
    record_id: int, request: Request, session: SessionDep, principal: RecordWriter, scope: CurrentScope
) -> Response:
    """The record stops counting at once; the audit trail keeps what it said, who deleted it and when."""
    service.delete(session, request, principal, scope, record_id)
    return Response(status_code=204)
