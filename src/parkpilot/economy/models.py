"""Economy figures. For now the park-level figures the documents publish, exactly as printed;
monthly enterprise statistics and computed indicators arrive with the cockpit issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import Park
from parkpilot.tenancy.policy import Policy


class PublishedFigure(models.Model):
    tenancy_policy = Policy(park_path="park", shared_in_park=True)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="published_figures")
    code = models.SlugField(max_length=80)
    period = models.CharField(_("period"), max_length=20)  # "2020" or "2022-01/08"
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20)
    growth_pct = models.DecimalField(
        _("growth (%)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    share_pct = models.DecimalField(
        _("share (%)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    group = models.CharField(_("group"), max_length=30)
    headline = models.BooleanField(_("headline figure"), default=False)
    source = models.CharField(_("source document"), max_length=200)

    class Meta:
        verbose_name = _("published figure")
        verbose_name_plural = _("published figures")
        constraints = [
            models.UniqueConstraint(fields=["park", "code", "period"], name="figure_per_period")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.period} {self.name}"
