"""Where the portal sends people to record evidence. The evidence app owns those pages; a kind
with no evidence form gets no link. A renamed route fails loudly (NoReverseMatch), not silently."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from apps.jurisdictions.codes import Level

# Requirement kind -> the evidence form kind that satisfies it (evidence:create kinds).
KIND_TO_EVIDENCE = {
    "team_floor": "roster",
    "training_cycle": "trainings",
    "facility_count": "facilities",
    "response_time": "warnings",
    "standing_document": "documents",
    "staffing": "personnel",
}
# periodic_event requirements are recorded as drills, meetings or documents; the topic says which.
PERIODIC_TOPIC_TO_EVIDENCE = {"drill": "drills", "meeting": "meetings"}

EVIDENCE_LABELS = {
    "personnel": "人员",
    "roster": "救援队伍花名册",
    "drills": "演练",
    "trainings": "培训",
    "meetings": "会议",
    "facilities": "设施装备",
    "warnings": "预警叫应",
    "documents": "制度文件",
}


def evidence_kind_for(kind: str, topic: str) -> str:
    if kind == "periodic_event":
        return PERIODIC_TOPIC_TO_EVIDENCE.get(topic, "documents")
    return KIND_TO_EVIDENCE.get(kind, "")


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def evidence_create_url(evidence_kind: str, unit_code: str, presets: dict | None = None) -> str:
    if not evidence_kind:
        return ""
    url = reverse("evidence:create", args=[evidence_kind, unit_code])
    return f"{url}?{urlencode(sorted(presets.items()))}" if presets else url


def evidence_import_url(evidence_kind: str) -> str:
    return _with_query(reverse("evidence:import"), f"kind={evidence_kind}" if evidence_kind else "")


def evidence_list_url(evidence_kind: str, unit_code: str = "") -> str:
    return _with_query(reverse("evidence:list", args=[evidence_kind]), f"unit={unit_code}" if unit_code else "")


def evidence_hub_url(unit_code: str) -> str:
    return reverse("evidence:hub", args=[unit_code])


# Requirement kind -> (parameter list, evidence form field) for the presets of 去填报.
_PRESET_LISTS = {
    "team_floor": ("team_types", "team_type"),
    "facility_count": ("facility_types", "facility_type"),
    "standing_document": ("doc_types", "doc_type"),
    "staffing": ("categories", "category"),
}


def form_presets(kind: str, params: dict) -> dict[str, str]:
    """Form fields a record answering this requirement must have, as initial values of its form:
    a yearly 综合演练 opens the drill form with 综合演练 chosen. The first accepted value wins."""
    params = params or {}
    presets: dict[str, str] = {}
    if kind == "periodic_event":
        for field, values in (params.get("match") or {}).items():
            if values:
                presets[field] = values[0]
    elif kind in _PRESET_LISTS:
        key, field = _PRESET_LISTS[kind]
        if params.get(key):
            presets[field] = params[key][0]
    return presets


# What a link to a unit's landing page says, where the page around it does not say it already.
LANDING_LABELS = {
    Level.PROVINCE: "选择县（区）",
    Level.CITY: "选择县（区）",
    Level.COUNTY: "总览",
    Level.TOWNSHIP: "工作台",
    Level.VILLAGE: "详情",
}


def landing_url(code: str, level: str) -> str:
    """The page a unit opens on: a township on its workspace, a village on its unit page, a
    county (or a city or province, which pick a county there) on the dashboard. The one place
    that knows it: views, the navigation and the templates (``{% landing_url %}``) all ask here."""
    if level == Level.TOWNSHIP:
        return reverse("portal:workspace", args=[code])
    if level == Level.VILLAGE:
        return reverse("portal:unit", args=[code])
    return reverse("portal:dashboard", args=[code])
