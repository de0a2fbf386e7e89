from django import forms
from django.utils.translation import gettext_lazy as _

from parkpilot.field_labels import error_text
from parkpilot.tenancy.errors import ValidationFailed

MEASURE_LABELS = {
    "output_value": _("Industrial output value (10k CNY)"),
    "value_added": _("Industrial value added (10k CNY)"),
    "revenue": _("Revenue (10k CNY)"),
    "tax": _("Tax paid (10k CNY)"),
    "employees": _("Employees"),
    "rnd_spending": _("R&D spending (10k CNY)"),
    "energy_tce": _("Energy use (tce)"),
}


def _figure(label, mode="decimal"):
    # Text, not a number input: a browser drops what a number input cannot parse, so "1,5"
    # would be saved as blank; posted as typed, the service refuses it by name.
    return forms.CharField(
        label=label, required=False, widget=forms.TextInput(attrs={"inputmode": mode})
    )


class _Offered(forms.ChoiceField):
    """Offers its choices and refuses none: the view reads the id (`posted_id`) and the scoped
    getter answers a foreign one."""

    def validate(self, value):
        pass


class MonthlyForm(forms.Form):
    """Labels and widgets of one enterprise-month: it refuses nothing itself. The view passes
    what was posted to services.monthly_save, which holds every rule (the API's too), and shows
    its errors beside their fields (`add_service_errors`)."""

    enterprise_id = _Offered(label=_("Enterprise"), required=False)
    year = _figure(_("Year"), "numeric")
    month = _figure(_("Month"), "numeric")
    output_value = _figure(MEASURE_LABELS["output_value"])
    value_added = _figure(MEASURE_LABELS["value_added"])
    revenue = _figure(MEASURE_LABELS["revenue"])
    tax = _figure(MEASURE_LABELS["tax"])
    employees = _figure(MEASURE_LABELS["employees"], "numeric")
    rnd_spending = _figure(MEASURE_LABELS["rnd_spending"])
    energy_tce = _figure(MEASURE_LABELS["energy_tce"])

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise_id"].choices = [(e.pk, e.name) for e in enterprises]

    def add_service_errors(self, exc: ValidationFailed) -> None:
        for error in exc.errors:
            if error.field in self.fields:  # shown beside its field
                self.add_error(error.field, error.reason)
            else:  # above the form: named by its label
                self.add_error(None, error_text(error))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (XLSX)"))
