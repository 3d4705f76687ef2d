"""Evidence records: what requirements are measured on.

Every record is owned by a unit, attributed to its author, reviewed by the county
(submitted → verified / returned), soft-deleted only, and its every change is kept in history.

Identity is the database's job: partial unique constraints on live (not soft-deleted) rows keep
one record per fingerprint and unit, one team per unit and name, one person per team (and per
unit and category); services.py inserts and handles the conflict instead of checking first.
"""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.fields import EncryptedCharField
from apps.core.pii import mask_id_number, mask_mobile
from apps.core.text import chinese_date

# The prefix of an identity key made from an ID number (validation.person_key); name keys never
# match across units.
BLIND_KEY = "bi:"


class History(HistoricalRecords):
    """simple-history's change records, named 「演练变更记录」 rather than its "historical 演练"
    (which the permission names and the admin's permission widget would show)."""

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        meta["verbose_name"] = meta["verbose_name_plural"] = f"{model._meta.verbose_name}变更记录"
        return meta


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    VERIFIED = "verified", "已审核"
    RETURNED = "returned", "已退回"


class Source(models.TextChoices):
    FORM = "form", "表单"
    IMPORT = "import", "导入"
    API = "api", "接口"


class RecordQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def counted(self):
        """Records the evaluation counts: not deleted, and submitted or verified (not returned)."""
        return self.filter(deleted_at__isnull=True, review_status__in=[ReviewStatus.SUBMITTED, ReviewStatus.VERIFIED])


class Record(models.Model):
    unit = models.ForeignKey("jurisdictions.Unit", verbose_name="单位", on_delete=models.PROTECT)
    review_status = models.CharField(
        "审核状态", max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.SUBMITTED, db_index=True
    )
    review_note = models.CharField("审核意见", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.FORM)
    # Hash of the record's business fields: re-importing the same row is recognised, not duplicated.
    fingerprint = models.CharField(max_length=64, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("填报时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delete_reason = models.CharField("删除原因", max_length=300, blank=True)
    # Bumped by every change: edits and reviews carry the revision they were based on (API ETag /
    # If-Match, a hidden form field) and are refused when the record moved on meanwhile.
    revision = models.PositiveIntegerField("修订号", default=1, editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True


LIVE = models.Q(deleted_at__isnull=True)


def live_unique(model: str, *fields: str, keyed: str = "") -> models.UniqueConstraint:
    """At most one live (not soft-deleted) row per ``fields``. ``keyed`` names a computed key
    column (fingerprint, identity_key) that rows written outside services.py (the devtools
    generators' bulk inserts) leave empty: those rows stay outside the constraint."""
    condition = LIVE & ~models.Q(**{keyed: ""}) if keyed else LIVE
    return models.UniqueConstraint(fields=fields, condition=condition,
                                   name=f"evidence_{model}_live_{'_'.join(fields)}")


def live_fingerprint(model: str) -> models.UniqueConstraint:
    return live_unique(model, "unit", "fingerprint", keyed="fingerprint")


class PersonCategory(models.TextChoices):
    TOWNSHIP_CADRE = "township_cadre", "乡镇(街道)干部"
    VILLAGE_COMMITTEE = "village_committee", "村(社区)两委成员"
    VILLAGE_STAFF = "village_staff", "村(社区)专职工作人员"
    EMERGENCY_STAFF = "emergency_staff", "应急管理工作人员(专职或兼职)"
    INFO_REPORTER = "info_reporter", "信息报告员"


class PiiMixin:
    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    @property
    def phone_masked(self) -> str:
        return mask_mobile(self.phone) if self.phone else ""


class Person(PiiMixin, Record):
    name = models.CharField("姓名", max_length=50)
    id_number = EncryptedCharField("身份证号", max_length=18, blank=True)
    phone = EncryptedCharField("手机号", max_length=11, blank=True)
    # ID and phone are encrypted at rest (apps/core/crypto.py). validation.person_key: who this
    # person is, "bi:<blind index of the ID number>" or "name:<name>"; lookups and constraints use it.
    identity_key = models.CharField(max_length=80, editable=False, default="")
    category = models.CharField("人员类别", max_length=20, choices=PersonCategory.choices)
    appointed_on = models.DateField("任职日期")
    left_on = models.DateField("离任日期", null=True, blank=True)
    history = History()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["unit", "name"]
        constraints = [live_fingerprint("person"), live_unique("person", "unit", "category", "identity_key", keyed="identity_key")]
        indexes = [models.Index(fields=["unit", "category"])]

    def __str__(self) -> str:
        return self.name


class TeamType(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合"
    PROFESSIONAL = "professional", "专业"
    SOCIAL = "social", "社会"


class Team(Record):
    name = models.CharField("队伍名称", max_length=100)
    team_type = models.CharField("队伍类型", max_length=20, choices=TeamType.choices)
    history = History()

    class Meta:
        verbose_name = "救援队伍"
        verbose_name_plural = "救援队伍"
        ordering = ["unit", "name"]
        constraints = [live_fingerprint("team"), live_unique("team", "unit", "name")]

    def __str__(self) -> str:
        return self.name


class Employment(models.TextChoices):
    FULL_TIME = "full_time", "专职"
    PART_TIME = "part_time", "兼职"


class TeamMember(PiiMixin, Record):
    """A member counts for a date d only while joined_on <= d < left_on."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    name = models.CharField("姓名", max_length=50)
    id_number = EncryptedCharField("身份证号", max_length=18, blank=True)
    phone = EncryptedCharField("手机号", max_length=11, blank=True)
    identity_key = models.CharField(max_length=80, editable=False, default="")
    employment = models.CharField("专兼职", max_length=10, choices=Employment.choices)
    joined_on = models.DateField("入队日期")
    left_on = models.DateField("离队日期", null=True, blank=True)
    history = History()

    class Meta:
        verbose_name = "队员"
        verbose_name_plural = "队员"
        ordering = ["team", "name"]
        constraints = [live_fingerprint("teammember"), live_unique("teammember", "team", "identity_key", keyed="identity_key")]
        indexes = [
            models.Index(fields=["unit", "joined_on"]),
            # 「重复在册」 (compliance.conflict_selectors): the live members with an ID number, by
            # identity key. The night looks up the evaluated units' members' keys here instead
            # of grouping every team of the county; members without a number are not indexed.
            models.Index(fields=["identity_key"], name="teammember_identity_key_idx",
                         condition=models.Q(identity_key__startswith=BLIND_KEY, deleted_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.name


class DrillType(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合演练"
    SPECIAL = "special", "专项演练"


class Drill(Record):
    held_on = models.DateField("演练日期")
    drill_type = models.CharField("演练类型", max_length=20, choices=DrillType.choices)
    subject = models.CharField("演练科目", max_length=200)
    participants = models.PositiveIntegerField("参演人数", null=True, blank=True)
    evaluation = models.TextField("评估结论", blank=True)
    history = History()

    class Meta:
        verbose_name = "演练"
        verbose_name_plural = "演练"
        ordering = ["-held_on"]
        constraints = [live_fingerprint("drill")]
        indexes = [models.Index(fields=["unit", "held_on"])]

    def __str__(self) -> str:
        return f"{chinese_date(self.held_on)} {self.get_drill_type_display()} {self.subject}"


class Training(Record):
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="trainings")
    held_on = models.DateField("培训日期")
    course = models.CharField("培训名称", max_length=200)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1, null=True, blank=True)
    history = History()

    class Meta:
        verbose_name = "培训"
        verbose_name_plural = "培训"
        ordering = ["-held_on"]
        constraints = [live_fingerprint("training")]
        indexes = [models.Index(fields=["unit", "held_on"])]

    def __str__(self) -> str:
        return f"{chinese_date(self.held_on)} {self.course}"


class MeetingType(models.TextChoices):
    SECRETARY_STUDY = "secretary_study", "党组织书记牵头研究应急管理"
    WORK_MEETING = "work_meeting", "应急管理工作会议"
    OTHER = "other", "其他"


class Meeting(Record):
    held_on = models.DateField("会议日期")
    meeting_type = models.CharField("会议类型", max_length=30, choices=MeetingType.choices)
    chair = models.CharField("主持人", max_length=50, blank=True)
    topic = models.CharField("议题", max_length=300)
    history = History()

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-held_on"]
        constraints = [live_fingerprint("meeting")]
        indexes = [models.Index(fields=["unit", "held_on"])]

    def __str__(self) -> str:
        return f"{chinese_date(self.held_on)} {self.topic}"


class FacilityType(models.TextChoices):
    SHELTER = "shelter", "应急避难场所"
    SHELTER_SPACE = "shelter_space", "应急避难空间"
    SATELLITE_PHONE = "satellite_phone", "卫星电话"
    SATELLITE_TERMINAL = "satellite_terminal", "卫星通信终端"
    SUPPLY_DEPOT = "supply_depot", "应急物资储备点"


class Facility(Record):
    facility_type = models.CharField("类型", max_length=30, choices=FacilityType.choices)
    name = models.CharField("名称", max_length=200)
    quantity = models.PositiveIntegerField("数量", default=1)
    in_service_from = models.DateField("启用日期")
    in_service_to = models.DateField("停用日期", null=True, blank=True)
    history = History()

    class Meta:
        verbose_name = "设施装备"
        verbose_name_plural = "设施装备"
        ordering = ["unit", "facility_type", "name"]
        constraints = [live_fingerprint("facility")]
        indexes = [models.Index(fields=["unit", "facility_type"])]

    def __str__(self) -> str:
        return self.name


class WarningRelay(Record):
    warning_id = models.CharField("预警编号", max_length=60)
    received_at = models.DateTimeField("接收时间")
    relayed_at = models.DateTimeField("传递时间")
    history = History()

    class Meta:
        verbose_name = "预警叫应"
        verbose_name_plural = "预警叫应"
        ordering = ["-received_at"]
        constraints = [live_fingerprint("warningrelay")]
        indexes = [models.Index(fields=["unit", "received_at"])]

    def __str__(self) -> str:
        return self.warning_id

    @property
    def minutes(self) -> float:
        return (self.relayed_at - self.received_at).total_seconds() / 60


class DocumentType(models.TextChoices):
    EMERGENCY_PLAN = "emergency_plan", "应急预案"
    POST_CARD = "post_card", "重点岗位应急处置卡"
    RISK_MAP = "risk_map", "风险隐患一张图"
    HAZARD_LEDGER = "hazard_ledger", "隐患排查台账"
    DUTY_ROSTER = "duty_roster", "值班值守表"
    CONTACT_LIST = "contact_list", "应急联络表"
    TRAINING_PLAN = "training_plan", "培训计划"
    BUDGET = "budget", "应急经费预算"
    RESCUE_LEDGER = "rescue_ledger", "应急救援力量台账"
    RISK_LEDGER = "risk_ledger", "风险管控台账"
    SUPPLY_LIST = "supply_list", "应急物资储备清单"
    RESPONSE_ONE_PAGER = "response_one_pager", "应急处置“一页纸”"
    EVACUATION_MAP = "evacuation_map", "疏散转移“一张图”"
    DUTY_TABLE = "duty_table", "责任分工“一张表”"
    VULNERABLE_REGISTRY = "vulnerable_registry", "困难群体台账"
    PUBLICITY = "publicity", "宣传活动记录"
    OTHER = "other", "其他"


class Campaign(models.TextChoices):
    """The named annual publicity campaigns (central opinion (八)); a publicity record names one."""

    DISASTER_REDUCTION_DAY = "disaster_reduction_day", "全国防灾减灾日"
    SAFETY_MONTH = "safety_month", "安全生产月"
    FIRE_MONTH = "fire_month", "消防宣传月"
    OTHER = "other", "其他宣传活动"


class StandingDocument(Record):
    doc_type = models.CharField("文件类型", max_length=30, choices=DocumentType.choices)
    # Only for doc_type "publicity": which campaign the activity belongs to.
    campaign = models.CharField("宣传活动", max_length=30, choices=Campaign.choices, blank=True, default="")
    title = models.CharField("标题", max_length=200)
    version = models.CharField("版本", max_length=30, blank=True)
    dated = models.DateField("日期")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    history = History()

    class Meta:
        verbose_name = "制度文件"
        verbose_name_plural = "制度文件"
        ordering = ["unit", "doc_type", "-dated"]
        constraints = [live_fingerprint("standingdocument")]
        indexes = [models.Index(fields=["unit", "doc_type"])]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance, filename: str) -> str:
    """A random, non-guessable storage name; the uploader's file name is kept only in the database
    and the extension is derived from the sniffed content, never from the upload."""
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(instance.mime_type, "bin")
    return f"attachments/{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}.{extension}"


class Attachment(models.Model):
    """A photo or PDF attached to a record. Stored under a random name outside any served folder
    and downloaded only through a view that asks the access policy."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    unit = models.ForeignKey("jurisdictions.Unit", on_delete=models.PROTECT)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    mime_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.original_name


# The one registry of evidence record models: everything an evaluation reads, in this order
# (the compliance loader and its freshness fingerprint, a seal's evidence hashes, the synthetic
# data's ANALYZE). A new kind of record is added here once.
EVIDENCE_MODELS = (Person, Training, Team, TeamMember, Drill, Meeting, StandingDocument, Facility, WarningRelay)
