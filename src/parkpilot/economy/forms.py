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


class MonthlyForm(forms.Form):
    """Collects one enterprise-month for services.monthly_save, which holds the rules."""

    enterprise_id = forms.TypedChoiceField(label=_("Enterprise"), coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    output_value = forms.DecimalField(label=MEASURE_LABELS["output_value"], required=False)
    value_added = forms.DecimalField(label=MEASURE_LABELS["value_added"], required=False)
    revenue = forms.DecimalField(label=MEASURE_LABELS["revenue"], required=False)
    tax = forms.DecimalField(label=MEASURE_LABELS["tax"], required=False)
    employees = forms.IntegerField(label=MEASURE_LABELS["employees"], required=False)
    rnd_spending = forms.DecimalField(label=MEASURE_LABELS["rnd_spending"], required=False)
    energy_tce = forms.DecimalField(label=MEASURE_LABELS["energy_tce"], required=False)

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise_id"].choices = [(e.pk, e.name) for e in enterprises]

    def values(self) -> dict:
        return {k: self.cleaned_data[k] for k in MEASURE_LABELS}

    def add_service_errors(self, exc: ValidationFailed) -> None:
        for error in exc.errors:
            if error.field in self.fields:  # shown beside its field
                self.add_error(error.field, error.reason)
            else:  # above the form: named by its label
                self.add_error(None, error_text(error))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (XLSX)"))
