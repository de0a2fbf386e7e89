from django import forms
from django.utils.translation import gettext_lazy as _

from parkpilot.field_labels import error_text
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.industry import choices as industry_choices

COUNT = forms.TextInput(attrs={"inputmode": "numeric"})


class EnterpriseForm(forms.Form):
    """Collects input for services.enterprise_*; the rules themselves live in the service."""

    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=50, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=40)
    industry_code = forms.ChoiceField(label=_("Industry (GB/T 4754-2017)"), required=False)
    zone_id = forms.TypedChoiceField(label=_("Zone"), coerce=int, empty_value=None, required=False)
    above_scale = forms.BooleanField(label=_("Above designated size (规上)"), required=False)
    # Passed on as typed: the service's input layer refuses a bad count by name (its bounds are
    # the API's too), and a text input never blanks what a browser cannot parse.
    floor_area_m2 = forms.CharField(label=_("Floor area (m²)"), required=False, widget=COUNT)
    employees = forms.CharField(label=_("Employees"), required=False, widget=COUNT)

    def __init__(self, *args, zones, writable: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry_code"].choices = [("", "—"), *industry_choices()]
        self.fields["zone_id"].choices = [("", "—"), *[(z.pk, z.name) for z in zones]]
        if writable is not None:
            for name in set(self.fields) - writable:
                self.fields[name].disabled = True

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if not self.fields[k].disabled}

    def add_service_errors(self, exc: ValidationFailed) -> None:
        for error in exc.errors:
            if error.field in self.fields:  # shown beside its field
                self.add_error(error.field, error.reason)
            else:  # above the form: named by its label
                self.add_error(None, error_text(error))
