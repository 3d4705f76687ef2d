"""The audit administrator's viewer of the security audit log: filters and a CSV export, which is
itself audited. Only the audit administrator (三员分立) may read the log (apps.accounts.access)."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.accounts.access import can_read_audit_log
from apps.audit import selectors
from apps.audit.forms import AuditFilterForm
from apps.core.audit import record_event
from apps.core.spreadsheets import csv_safe

CSV_HEADER = ["序号", "时间", "操作人", "角色", "来源地址", "操作", "单位代码", "对象", "结果", "详情", "摘要"]


@login_required
def audit_log(request):
    if not can_read_audit_log(request.user):
        raise PermissionDenied("仅审计管理员可查看安全审计日志")
    form = AuditFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    filters = form.to_filter() if form.is_bound and valid else selectors.AuditFilter()
    entries = selectors.audit_entries(filters) if valid else selectors.audit_entries(selectors.AuditFilter()).none()
    if valid and request.GET.get("format") == "csv":
        return _csv(request, filters, entries)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {
        "form": form, "page": page, "actions": selectors.known_actions(),
        "csv_query": _with_csv(request),
    })


def _with_csv(request) -> str:
    params = request.GET.copy()
    params["format"] = "csv"
    params.pop("page", None)
    return f"?{params.urlencode()}"


class _Echo:
    def write(self, value):
        return value


def _csv(request, filters, entries):
    # Counted and audited before the first byte goes out: the export is on record even if the
    # download is interrupted.
    rows = entries.count()
    record_event(actor=request.user, action="audit.export", target="audit_log", rows=rows,
                 filters=filters.as_detail())
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(CSV_HEADER)  # BOM: Excel opens UTF-8 as such
        for e in entries.iterator(chunk_size=2000):
            yield writer.writerow([csv_safe(v) for v in (
                e.seq, timezone.localtime(e.at).isoformat(timespec="seconds"), e.actor_name, e.role,
                e.source_ip or "", e.action, e.unit_code, e.target, e.get_result_display(),
                _detail(e.detail), e.hash)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


def _detail(detail: dict) -> str:
    import json

    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""
