"""Pages: the unit hub, per-kind lists, forms, detail with history, review, delete, import,
templates and attachment downloads. Thin: validate, call a service or selector, render."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.access import (
    Action,
    can,
    filter_for_user,
    get_unit_or_404,
    may_export_personal_data,
    may_reveal_personal_data,
    units_for,
)
from apps.core.audit import record_event
from apps.core.pii import mask_text
from apps.evidence import exports, import_report, pending_imports, selectors
from apps.evidence.attachments import attachment_add
from apps.evidence.forms import (
    AttachmentForm,
    DeleteForm,
    FilterForm,
    ImportForm,
    RecordForm,
    ReviewForm,
    initial_from,
)
from apps.evidence.importing import import_records
from apps.evidence.kinds import ID_NUMBER, KINDS, MOBILE, get_kind
from apps.evidence.records import display_values
from apps.evidence.services import (
    EvidenceError,
    ExportRefused,
    StaleRecord,
    record_create,
    record_review,
    record_soft_delete,
    record_update,
    records_export,
)
from apps.evidence.workbooks import MAX_LISTED_UNITS, template_workbook
from apps.jurisdictions.codes import Level


def _kind_or_404(kind: str):
    spec = get_kind(kind)
    if spec is None:
        raise Http404("未知的记录类型")
    return spec


def _form_error(form, exc: EvidenceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def hub(request, code):
    """A unit's "record evidence" page: one card per kind with its count and a 新增 button."""
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    counts = {key: spec.model.objects.alive().filter(unit=unit).count() for key, spec in KINDS.items()}
    children = unit.children.filter(level=Level.VILLAGE).order_by("code") if unit.level == Level.TOWNSHIP else []
    return render(request, "evidence/hub.html", {
        "unit": unit, "kinds": [(key, spec, counts[key]) for key, spec in KINDS.items()],
        "can_submit": can(request.user, Action.SUBMIT, unit) and unit.level in (Level.TOWNSHIP, Level.VILLAGE),
        "children": children,
    })


def _filtered(request, spec, query):
    """The list's filter form over ``query`` (GET, or the export form's POST), the unit it names
    and the records the user may see under those filters."""
    keys = ("unit", "date_from", "date_to", "status")
    given = any(query.get(k) for k in keys)
    filters = FilterForm({k: query.get(k, "") for k in keys} if given else None)
    under, data = None, {}
    records = selectors.records_for(request.user, spec).none()
    if filters.is_valid() or not given:
        data = filters.cleaned_data if given else {}
        if data.get("unit"):
            under = get_unit_or_404(request.user, data["unit"], Action.VIEW)
        records = selectors.records_for(request.user, spec, under=under, date_from=data.get("date_from"),
                                        date_to=data.get("date_to"), status=data.get("status", ""))
    return filters, under, records, data


@login_required
def record_list(request, kind):
    spec = _kind_or_404(kind)
    filters, under, records, _ = _filtered(request, spec, request.GET)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    columns = [spec.field(name) for name in spec.list_columns]
    rows = []
    for record in page:
        reveal = selectors.reveals_personal_data(request.user, record)
        shown = {n: v for n, _, v in display_values(spec, record, reveal=reveal)}
        rows.append((record, [shown[c.name] for c in columns]))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evidence/list.html", {
        "kind": spec, "filters": filters, "page": page, "rows": rows, "columns": columns, "under": under,
        "query": query.urlencode(), "kinds": KINDS,
        "may_export": units_for(request.user, Action.EXPORT).exists(),
        "may_export_clear": exports.has_personal_fields(spec) and may_export_personal_data(request.user),
        "filter_values": {k: request.GET.get(k, "") for k in ("unit", "date_from", "date_to", "status")},
    })


@login_required
def export(request, kind):
    """「导出」 a record list as Excel or CSV: masked (GET); full ID and mobile numbers only by the
    explicit option (POST, 「导出完整身份证号和手机号」 with a reason) for PII_REVEAL_ROLES, audited,
    the file marked 「含完整个人信息，注意保密」; any other role gets 403 and no file."""
    spec = _kind_or_404(kind)
    query = request.POST if request.method == "POST" else request.GET
    fmt = query.get("format", "xlsx")
    if fmt not in ("xlsx", "csv") or not units_for(request.user, Action.EXPORT).exists():
        raise PermissionDenied if fmt in ("xlsx", "csv") else Http404("未知的导出格式")
    clear = request.method == "POST" and query.get("clear") == "1"
    filters, _, records, data = _filtered(request, spec, query)
    records = filter_for_user(records, request.user, Action.EXPORT)
    try:
        content, name = records_export(actor=request.user, kind=spec.key, records=records, fmt=fmt, clear=clear,
                                       reason=query.get("reason", ""), filters=data)
    except ExportRefused as exc:
        raise PermissionDenied(str(exc)) from exc
    except EvidenceError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('evidence:list', args=[spec.key])}?{urlencode(data)}")
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@login_required
def create(request, kind, code):
    spec = _kind_or_404(kind)
    unit = get_unit_or_404(request.user, code, Action.SUBMIT)
    # 去填报 from a due task names the kind's type in the query (?drill_type=comprehensive).
    presets = {k: v for k, v in request.GET.items() if k in {f.name for f in spec.input_fields}}
    form = RecordForm(request.POST or None, kind=spec, unit=unit, initial_values=presets or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                record = record_create(kind=kind, unit=unit, values=form.values, actor=request.user)
                # Photos chosen on the same form: the record and its files are saved together or not at all.
                for upload in request.FILES.getlist("file"):
                    attachment_add(record=record, data=upload.read(), filename=upload.name, actor=request.user)
        except EvidenceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已保存{spec.label}记录，状态：已提交（待县级审核）"
                             + (f"，附件 {len(request.FILES.getlist('file'))} 个" if request.FILES else ""))
            if "save_and_add" in request.POST:
                return redirect("evidence:create", kind=kind, code=code)
            return redirect("evidence:detail", kind=kind, pk=record.pk)
    return render(request, "evidence/form.html", {"kind": spec, "unit": unit, "form": form, "record": None,
                                                  "photos": True})


@login_required
def update(request, kind, pk):
    spec = _kind_or_404(kind)
    record = selectors.record_for(request.user, spec, pk, Action.SUBMIT)
    if record.deleted_at is not None:
        raise Http404("记录已删除")
    form = RecordForm(request.POST or None, kind=spec, unit=record.unit, initial_values=initial_from(spec, record),
                      revision=record.revision)
    status = 200
    if request.method == "POST" and form.is_valid():
        revision = record.revision
        try:
            record_update(record=record, values=form.values, actor=request.user,
                          based_on=form.cleaned_data.get("revision"))
        except EvidenceError as exc:
            _form_error(form, exc)
            status = 409 if isinstance(exc, StaleRecord) else 200
        else:
            if record.revision == revision:
                messages.info(request, "内容没有变化，未保存修改")
            else:
                messages.success(request, "已保存修改，记录重新进入待审核状态")
            return redirect("evidence:detail", kind=kind, pk=record.pk)
    return render(request, "evidence/form.html", {"kind": spec, "unit": record.unit, "form": form, "record": record},
                  status=status)


def _personal_fields(spec, record) -> list[str]:
    return [f.name for f in spec.fields if f.type in (ID_NUMBER, MOBILE) and getattr(record, f.name, "")]


@login_required
def detail(request, kind, pk):
    spec = _kind_or_404(kind)
    record = selectors.record_for(request.user, spec, pk, Action.VIEW)
    reveal = selectors.reveals_personal_data(request.user, record)
    personal = _personal_fields(spec, record)
    if reveal and personal:
        # 个人信息保护: who saw which record's ID number or phone in full (the values stay out of the log).
        record_event(actor=request.user, action="evidence.pii_reveal", unit_code=record.unit.code, kind=spec.key,
                     record_id=record.pk, fields=personal)
    return _detail_page(request, spec, record, reveal=reveal, personal=personal)


@login_required
@require_POST
def reveal(request, kind, pk):
    """「查看完整信息」 (issue 17): a role of 安全设置 pii_reveal_roles (default settings.PII_REVEAL_ROLES) sees the full numbers of one
    record after giving a reason; audited (who, whose record, reason, time) and rate-limited."""
    spec = _kind_or_404(kind)
    record = selectors.record_for(request.user, spec, pk, Action.VIEW)
    if not may_reveal_personal_data(request.user, record.unit):
        raise PermissionDenied("无权查看完整个人信息")
    reason = (request.POST.get("reason") or "").strip()
    if len(reason) < 2:
        messages.error(request, "请填写查看完整信息的事由")
        return _detail_page(request, spec, record, reveal=False, personal=_personal_fields(spec, record), status=400)
    if not _reveal_allowed_now(request.user):
        messages.error(request, f"查看完整信息过于频繁（每小时最多 {settings.PII_REVEAL_PER_HOUR} 次），请稍后再试")
        record_event(actor=request.user, action="evidence.pii_reveal", unit_code=record.unit.code, kind=spec.key,
                     record_id=record.pk, result="failure", refused="rate_limited")
        return _detail_page(request, spec, record, reveal=False, personal=_personal_fields(spec, record), status=429)
    personal = _personal_fields(spec, record)
    record_event(actor=request.user, action="evidence.pii_reveal", unit_code=record.unit.code, kind=spec.key,
                 record_id=record.pk, fields=personal, reason=mask_text(reason[:200]))
    return _detail_page(request, spec, record, reveal=True, personal=personal)


def _reveal_allowed_now(user) -> bool:
    from django.core.cache import cache
    from django.utils import timezone

    key = f"pii-reveal:{user.pk}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= settings.PII_REVEAL_PER_HOUR


def _detail_page(request, spec, record, *, reveal: bool, personal: list[str], status: int = 200):
    return render(request, "evidence/detail.html", {
        "can_reveal": not reveal and bool(personal) and may_reveal_personal_data(request.user, record.unit),
        "kind": spec, "record": record, "values": display_values(spec, record, reveal=reveal),
        "history": selectors.record_history(spec, record, reveal=reveal),
        "attachments": selectors.attachments_of(record),
        "can_submit": reveal and record.deleted_at is None,
        # Free text may hold an ID or mobile number: masked like the structured fields.
        "title": str(record) if reveal else mask_text(str(record)),
        "review_note": record.review_note if reveal else mask_text(record.review_note),
        "delete_reason": record.delete_reason if reveal else mask_text(record.delete_reason),
        "can_verify": can(request.user, Action.VERIFY, record.unit) and record.deleted_at is None,
        "review_form": ReviewForm(initial={"revision": record.revision}),
        "delete_form": DeleteForm(initial={"revision": record.revision}), "attachment_form": AttachmentForm(),
    }, status=status)


@login_required
@require_POST
def review(request, kind, pk):
    spec = _kind_or_404(kind)
    record = selectors.record_for(request.user, spec, pk, Action.VERIFY)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            record_review(record=record, actor=request.user, decision=form.cleaned_data["decision"],
                          note=form.cleaned_data["note"], based_on=form.cleaned_data["revision"])
        except EvidenceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已审核通过" if form.cleaned_data["decision"] == "verify" else "已退回")
    elif "revision" in form.errors:
        messages.error(request, "页面缺少记录版本，审核未保存；请刷新页面后重试")
    else:
        messages.error(request, "审核结果无效")
    return redirect("evidence:detail", kind=kind, pk=pk)


@login_required
def delete(request, kind, pk):
    spec = _kind_or_404(kind)
    record = selectors.record_for(request.user, spec, pk, Action.SUBMIT)
    form = DeleteForm(request.POST or None, initial={"revision": record.revision})
    if request.method == "POST" and form.is_valid():
        try:
            record_soft_delete(record=record, actor=request.user, reason=form.cleaned_data["reason"],
                               based_on=form.cleaned_data.get("revision"))
        except EvidenceError as exc:
            messages.error(request, exc.message)
            return redirect("evidence:detail", kind=kind, pk=pk)
        messages.success(request, "记录已删除（保留删除痕迹，可在“已删除”中查看）")
        return redirect(f"{reverse('evidence:list', args=[kind])}?unit={record.unit.code}")
    return render(request, "evidence/delete.html", {"kind": spec, "record": record, "form": form})


@login_required
@require_POST
def attachment_upload(request, kind, pk):
    spec = _kind_or_404(kind)
    record = selectors.record_for(request.user, spec, pk, Action.SUBMIT)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment_add(record=record, data=upload.read(), filename=upload.name, actor=request.user)
        except EvidenceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "附件已上传")
    else:
        messages.error(request, "请选择文件")
    return redirect("evidence:detail", kind=kind, pk=pk)


@login_required
def attachment_download(request, pk):
    attachment = selectors.attachment_for(request.user, pk)
    record_event(actor=request.user, action="evidence.attachment_download", unit_code=attachment.unit.code,
                 attachment=attachment.pk)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.mime_type)
    # Always a download (never rendered inline), never sniffed into something executable.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attachment.original_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def import_view(request):
    """Upload a filled template; on any error nothing is saved and every error is listed."""
    if not units_for(request.user, Action.SUBMIT).exists():
        raise PermissionDenied
    initial_kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else "personnel"
    if request.method == "POST" and "confirm_token" in request.POST:
        return _import_confirmed(request)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": initial_kind})
    result = None
    if request.method == "POST" and form.is_valid():
        upload, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
        data = upload.read()
        # First pass: a file naming teams that do not exist yet is held until the user confirms.
        result = import_records(kind=kind, data=data, actor=request.user, filename=upload.name,
                                confirm_new_teams=False)
        if result.needs_confirmation:
            token = pending_imports.store(data)
            request.session["import_pending"] = {"token": token, "kind": kind, "filename": upload.name}
            messages.warning(request, result.summary())
            return render(request, "evidence/import.html", {
                "form": form, "result": result, "kinds": KINDS, "confirm_token": token, "pending_name": upload.name,
                "max_rows": settings.IMPORT_MAX_ROWS, "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)})
        if result.ok:
            _import_done(request, result)
            return redirect(f"{reverse('evidence:import')}?kind={kind}")
        messages.error(request, result.summary())
        return _import_failed(request, form, result, data)
    return render(request, "evidence/import.html", {"form": form, "result": result, "kinds": KINDS,
                                                     "max_rows": settings.IMPORT_MAX_ROWS,
                                                     "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)})


MAX_WARNINGS_SHOWN = 50


def _import_done(request, result) -> None:
    """The summary, then each warning (「重复在册」 rows: saved, but counted for one team only)."""
    messages.success(request, result.summary())
    for text in result.warnings[:MAX_WARNINGS_SHOWN]:
        messages.warning(request, text)
    if len(result.warnings) > MAX_WARNINGS_SHOWN:
        messages.warning(request, f"另有 {len(result.warnings) - MAX_WARNINGS_SHOWN} 行提示未列出，请在县级「重复在册」清单中查看")


def _import_failed(request, form, result, data: bytes):
    """The errors grouped by column and message, and the user's rows with an error column as a
    downloadable Excel file (its token kept in the session: only the uploader can fetch it)."""
    request.session["import_errors"] = import_report.store(import_report.error_workbook(result.errors, data))
    return render(request, "evidence/import.html", {
        "form": form, "result": result, "kinds": KINDS, "groups": import_report.group_errors(result.errors, data),
        "error_report_url": reverse("evidence:import_errors"),
        "max_rows": settings.IMPORT_MAX_ROWS, "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)})


@login_required
def import_errors_download(request):
    data = import_report.load(request.session.get("import_errors", ""))
    if data is None:
        raise Http404("错误报告已过期，请重新上传文件")
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('导入错误报告.xlsx')}"
    return response


def _import_confirmed(request):
    """The user confirmed the new teams: import the held file (validated again in full)."""
    pending = request.session.pop("import_pending", None) or {}
    if not pending or pending.get("token") != request.POST["confirm_token"]:
        messages.error(request, "确认已失效，请重新上传文件")
        return redirect("evidence:import")
    data = pending_imports.take(pending["token"])
    if data is None:
        messages.error(request, "确认已失效，请重新上传文件")
        return redirect("evidence:import")
    result = import_records(kind=pending["kind"], data=data, actor=request.user, filename=pending["filename"])
    if result.ok:
        _import_done(request, result)
        return redirect(f"{reverse('evidence:import')}?kind={pending['kind']}")
    messages.error(request, result.summary())
    return _import_failed(request, ImportForm(initial={"kind": pending["kind"]}), result, data)


@login_required
def template_download(request, kind):
    spec = _kind_or_404(kind)
    response = HttpResponse(
        template_workbook(kind, selectors.template_units(request.user, MAX_LISTED_UNITS)), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(spec.label + '导入模板.xlsx')}"
    return response
