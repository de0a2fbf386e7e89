"""Investment projects (一本账). This is the register the demo park loads; stages, milestones and
delay alerts arrive with the projects-ledger issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import Enterprise, Park, Zone
from parkpilot.tenancy.policy import Policy


class Project(models.Model):
    tenancy_policy = Policy(park_path="park", enterprise_path="enterprise")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="projects")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200)
    investor = models.CharField(_("investor"), max_length=200, blank=True)
    investment_100m_cny = models.DecimalField(
        _("planned investment (100M CNY)"), max_digits=10, decimal_places=2, null=True
    )
    land_ha = models.DecimalField(_("land (ha)"), max_digits=10, decimal_places=2, null=True)
    floor_area_10k_m2 = models.DecimalField(
        _("floor area (10,000 m²)"), max_digits=10, decimal_places=2, null=True
    )
    capacity = models.CharField(_("capacity"), max_length=200, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    started_on = models.DateField(_("construction started on"), null=True, blank=True)
    in_use_on = models.DateField(_("in use since"), null=True, blank=True)
    in_production_year = models.PositiveSmallIntegerField(_("in production (year)"), null=True)
    status_note = models.CharField(_("status as published"), max_length=100, blank=True)
    facts = models.JSONField(_("other published facts"), default=dict, blank=True)
    source = models.CharField(_("source document"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("investment project")
        verbose_name_plural = _("investment projects")
        constraints = [
            models.UniqueConstraint(fields=["park", "name"], name="project_name_per_park")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
