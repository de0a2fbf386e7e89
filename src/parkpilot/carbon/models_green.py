"""Green power an enterprise bought (绿电交易) or certificates it holds (绿证): what the
market-based scope 2 figure deducts (GHG Protocol scope 2 dual reporting). Each certificate
serial is registered once per park, so no MWh is counted twice."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import Enterprise, Park, User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import Role

GREEN_OWN_CREATORS = frozenset({Role.ENTERPRISE_ADMIN})


class GreenPowerKind(models.TextChoices):
    TRADE = "green_trade", _("Green power trade (绿电交易)")
    CERTIFICATE = "certificate", _("Green certificate (绿证)")


class GreenPowerPurchase(models.Model):
    """Green electricity for one enterprise over [period_start, period_end] (whole days,
    inclusive). The MWh apply to the periods the span overlaps, in proportion to days."""

    tenancy_policy = Policy(
        park_path="park", enterprise_path="enterprise", own_creators=GREEN_OWN_CREATORS
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=GreenPowerKind.choices)
    quantity_mwh = models.DecimalField(_("quantity (MWh)"), max_digits=12, decimal_places=3)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    seller = models.CharField(_("seller / source"), max_length=200)
    reference = models.CharField(_("contract or trade number"), max_length=100, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("green power purchase")
        verbose_name_plural = _("green power purchases")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity_mwh__gt=0), name="green_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="green_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity_mwh} MWh {self.period_start:%Y-%m}"


class GreenCertificate(models.Model):
    """One certificate serial (or trade certificate number) of a purchase: once per park."""

    tenancy_policy = Policy(park_path="park", enterprise_path="purchase__enterprise")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    purchase = models.ForeignKey(
        GreenPowerPurchase, on_delete=models.PROTECT, related_name="certificates"
    )
    serial = models.CharField(_("certificate id"), max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["park", "serial"], name="green_certificate_once")
        ]
        ordering = ["serial"]
