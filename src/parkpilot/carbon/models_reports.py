"""Issued report versions: each issue of a 碳体检报告 is a numbered, immutable document.

A version keeps what was issued exactly: the figures (content JSON), the PDF and XLSX bytes,
the factor versions with their documents, data completeness, the SHA-256 of the content and of
each file, who issued it, when and why. Re-issuing adds version n+1 with the difference of
its figures against version n; nothing of version n is ever written again. The model refuses
updates and deletes, and database triggers (migration 0002) refuse them below the ORM too,
as for the audit log."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.carbon.models import Report, ReportBatch
from parkpilot.tenancy.models import Enterprise, Park, User
from parkpilot.tenancy.policy import Policy

IMMUTABLE = "an issued report version is immutable"


class ReportVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(IMMUTABLE)

    def delete(self):
        raise PermissionError(IMMUTABLE)


class ReportVersion(models.Model):
    tenancy_policy = Policy(park_path="park", enterprise_path="enterprise")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="versions")
    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(_("version"))
    content = models.JSONField()  # the figures the files were made from
    pdf = models.BinaryField()
    xlsx = models.BinaryField()
    content_sha256 = models.CharField(max_length=64)
    pdf_sha256 = models.CharField(max_length=64)
    xlsx_sha256 = models.CharField(max_length=64)
    # Every factor used: id, carrier, quantity, region, year, version, value, unit, document.
    factors = models.JSONField(default=list)
    completeness = models.JSONField(default=dict)
    is_demo = models.BooleanField(_("demo data"), default=False)
    # Figure by figure against the version before (empty for version 1).
    difference = models.JSONField(default=list)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    issued_by_label = models.CharField(max_length=150)
    issued_at = models.DateTimeField()
    batch = models.ForeignKey(ReportBatch, on_delete=models.PROTECT, null=True, related_name="+")

    objects = ReportVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("issued report version")
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="carbon_report_version")
        ]
        ordering = ["report_id", "-version"]

    def __str__(self) -> str:
        return f"{self.report.number} v{self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(IMMUTABLE)
