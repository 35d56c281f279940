"""Customer and note forms: validation and layout; the writes are in services."""

from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from custnotes.forms import form_helper
from custnotes.permissions import can_change_credit_terms

from . import industry_templates
from .models import Customer, Industry, Note
from .selectors import owner_choices, team_choices

CREDIT_FIELDS = ("credit_limit", "payment_terms_days")
EXTRA_PREFIX = "extra__"


class CustomerForm(forms.ModelForm):
    """Create or edit a customer. Teams and owners are limited to the user's scope; credit terms
    are read-only for users who may not change them; the industry's template adds its fields."""

    class Meta:
        model = Customer
        fields = [
            "name",
            "company",
            "contact_person",
            "phone",
            "email",
            "address",
            "industry",
            "customer_type",
            "team",
            "owner",
            "credit_limit",
            "payment_terms_days",
            "growth_rating",
            "tags",
            "last_reviewed_on",
        ]
        widgets = {
            "last_reviewed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "tags": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["team"].queryset = team_choices(user=user)
        self.fields["owner"].queryset = owner_choices(user=user)
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["payment_terms_days"].widget.attrs.update(min=0, max=365)
        self.fields["credit_limit"].widget.attrs.update(min=0, step="0.01")
        if not can_change_credit_terms(user):
            for name in CREDIT_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only Finance and Admin change credit terms.")
        self.fields["industry"].widget.attrs.update(
            {
                "hx-get": "",
                "hx-trigger": "change",
                "hx-target": "#industry-fields",
                "hx-select": "#industry-fields",
                "hx-swap": "outerHTML",
                "hx-include": "closest form",
            }
        )
        self.extra_fields = industry_templates.extra_fields_for(self._selected_industry())
        stored = self.instance.extra or {}
        for field in self.extra_fields:
            name = EXTRA_PREFIX + field.key
            self.fields[name] = industry_templates.form_field(field)
            self.initial.setdefault(name, industry_templates.from_json(field, stored.get(field.key)))

        self.helper = form_helper()
        self.helper.layout = Layout(
            Fieldset(
                _("Who the customer is"),
                Row(Column("name", css_class="col-md-6"), Column("company", css_class="col-md-6")),
                Row(
                    Column("contact_person", css_class="col-md-4"),
                    Column("phone", css_class="col-md-4"),
                    Column("email", css_class="col-md-4"),
                ),
                "address",
                Row(Column("industry", css_class="col-md-6"), Column("customer_type", css_class="col-md-6")),
                Div(*[EXTRA_PREFIX + f.key for f in self.extra_fields], css_id="industry-fields"),
            ),
            Fieldset(
                _("Who looks after them"),
                Row(Column("team", css_class="col-md-6"), Column("owner", css_class="col-md-6")),
                Row(
                    Column("growth_rating", css_class="col-md-6"),
                    Column("last_reviewed_on", css_class="col-md-6"),
                ),
                "tags",
            ),
            Fieldset(
                _("Credit terms"),
                Row(
                    Column("credit_limit", css_class="col-md-6"),
                    Column("payment_terms_days", css_class="col-md-6"),
                ),
            ),
        )

    def _selected_industry(self):
        """The industry the form is showing: the submitted one, else the initial, else the saved one."""
        raw = self.data.get("industry") if self.is_bound else self.initial.get("industry")
        if raw in (None, ""):
            return None if self.is_bound else self.instance.industry if self.instance.pk else None
        if isinstance(raw, Industry):
            return raw
        try:
            return Industry.objects.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    def clean(self):
        cleaned = super().clean()
        team, owner = cleaned.get("team"), cleaned.get("owner")
        if team and owner and not owner.teams.filter(pk=team.pk).exists():
            self.add_error("owner", _("The owner must be a member of the customer's team."))
        return cleaned

    def model_data(self) -> dict:
        """The cleaned values of the model's own fields, for the services."""
        return {
            name: self.cleaned_data[name] for name in self.Meta.fields if name != "tags" and name in self.cleaned_data
        }

    def extra_data(self) -> dict:
        """The industry fields' values, merged over what the customer already had."""
        data = dict(self.instance.extra or {})
        for field in self.extra_fields:
            value = industry_templates.to_json(field, self.cleaned_data.get(EXTRA_PREFIX + field.key))
            if value is None:
                data.pop(field.key, None)
            else:
                data[field.key] = value
        return data


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        labels = {"text": _("New note")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("A note cannot be empty."), code="empty")
        return text
