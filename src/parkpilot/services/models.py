"""Enterprise service requests (五个一: one enterprise, one problem, one named contact, one
solution, followed to the end) and their supervision (督办).

The request's life is a state machine (django-fsm-2): transitions are methods, the status field
cannot be assigned directly, and a save writes only if the row is still in the state it was read
in (ConcurrentTransitionMixin: `UPDATE ... WHERE status = <read state>`), so two people acting on
the same request at once cannot both succeed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from parkpilot.tenancy.models import Enterprise, Park
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_ROLES, Role
from parkpilot.tenancy.storage import attachments_storage


class NoDeleteMixin:
    """Nothing here is ever deleted: the record of how a problem was handled is the point."""

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are never deleted")


class Category(models.TextChoices):
    LAND = "land", _("Land")
    APPROVAL = "approval", _("Approval")
    TALENT = "talent", _("Talent")
    FINANCE = "finance", _("Finance")
    ENERGY = "energy", _("Energy")
    TRANSPORT = "transport", _("Transport")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    CRITICAL = "critical", _("Critical")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGNED = "assigned", _("Contact assigned")
    PLANNED = "planned", _("Solution planned")
    RESOLVED = "resolved", _("Resolved, awaiting confirmation")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.SUBMITTED, Status.ASSIGNED, Status.PLANNED)


class ServiceRequest(NoDeleteMixin, ConcurrentTransitionMixin, models.Model):
    # Enterprises raise requests for themselves and confirm or reopen them; the park triages,
    # plans and resolves. Supervisors read everything and write none of it.
    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="enterprise",
        own_creators=ENTERPRISE_ROLES,
        own_writers=ENTERPRISE_ROLES,
        own_writable_fields=frozenset({"confirmation"}),
        actions={
            # Handle any request, not only those one is the contact person of.
            "handle_any": frozenset({Role.PARK_ADMIN}),
            # Comment, urge, confirm: the requesting enterprise's own voice.
            "speak": ENTERPRISE_ROLES,
        },
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="service_requests"
    )
    title = models.CharField(_("problem"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    urgency = models.CharField(
        _("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL
    )
    description = models.TextField(_("description"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    status = FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, protected=True
    )
    # Exactly one named contact person (park staff) once triaged.
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_requests",
        verbose_name=_("contact person"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    plan = models.TextField(_("solution plan"), blank=True)
    plan_departments = models.CharField(_("departments involved"), max_length=300, blank=True)
    plan_promised_on = models.DateField(_("promised date"), null=True, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating (1-5)"), null=True, blank=True)
    confirmation_comment = models.CharField(_("comment"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    # Service-level deadlines: the last working day on which each step is still on time.
    response_due_on = models.DateField(_("first response due"))
    plan_due_on = models.DateField(_("solution plan due"))
    resolve_due_on = models.DateField(_("resolution due"))
    # A deadline fell in a year the holiday calendar does not cover yet: weekends only.
    calendar_estimated = models.BooleanField(default=False)
    # Reminders and escalations of the timers are alerts of parkpilot.alerts (ServicesConfig
    # .alert_kinds, raised and escalated by services.sla_scan), not fields of the request.
    # The deadline of the step the request waits for now (None once resolved): "overdue" is
    # `next_due_on < today`, one indexed range instead of three OR-ed conditions.
    next_due_on = models.DateField(null=True, blank=True, editable=False)
    demo = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        constraints = [
            models.CheckConstraint(
                name="triaged_requests_have_a_contact",
                condition=models.Q(status="submitted") | models.Q(contact__isnull=False),
            ),
            models.CheckConstraint(
                name="rating_1_to_5",
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
            ),
            models.CheckConstraint(
                name="closed_requests_are_rated",
                condition=~models.Q(status="closed") | models.Q(rating__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["park", "status"], name="request_park_status"),
            models.Index(fields=["park", "resolve_due_on"], name="request_park_resolve_due"),
            models.Index(fields=["park", "next_due_on"], name="request_park_next_due"),
        ]
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def save(self, *args, **kwargs):
        self.next_due_on = self.due_for_status()
        super().save(*args, **kwargs)

    def due_for_status(self):
        return {
            Status.SUBMITTED: self.response_due_on,
            Status.ASSIGNED: self.plan_due_on,
            Status.PLANNED: self.resolve_due_on,
        }.get(self.status)

    # The transitions. Bodies stay empty: the services set the data that goes with each step,
    # and the decorator refuses a step from the wrong state (TransitionNotAllowed).
    @transition(field=status, source=Status.SUBMITTED, target=Status.ASSIGNED)
    def assign(self):
        pass

    @transition(field=status, source=[Status.ASSIGNED, Status.PLANNED], target=Status.PLANNED)
    def record_plan(self):
        pass

    @transition(field=status, source=Status.PLANNED, target=Status.RESOLVED)
    def resolve(self):
        pass

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED)
    def confirm(self):
        pass

    @transition(field=status, source=[Status.RESOLVED, Status.CLOSED], target=Status.PLANNED)
    def reopen(self):
        pass


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGNED = "assigned", _("Contact assigned")
    REASSIGNED = "reassigned", _("Contact changed")
    PLANNED = "planned", _("Solution plan recorded")
    NOTE = "note", _("Progress note")
    RESOLVED = "resolved", _("Resolved")
    CONFIRMED = "confirmed", _("Confirmed and rated")
    REOPENED = "reopened", _("Reopened")
    ATTACHED = "attached", _("Attachment added")
    REMINDER = "reminder", _("Reminder")
    ESCALATED = "escalated", _("Escalated to supervisors")
    COMMENTED = "commented", _("Enterprise comment")
    URGED = "urged", _("Urged by the enterprise")


class ServiceEvent(NoDeleteMixin, models.Model):
    """The request's history as the enterprise sees it (the audit log holds the full record)."""

    tenancy_policy = Policy(
        park_path="request__park", enterprise_path="request__enterprise", park_writers=frozenset()
    )

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class ServiceAttachment(NoDeleteMixin, models.Model):
    """A file the enterprise (or the park) attaches to a request: a drawing, a notice, a photo."""

    tenancy_policy = Policy(
        park_path="request__park",
        enterprise_path="request__enterprise",
        own_creators=ENTERPRISE_ROLES,
    )

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(
        _("file"), upload_to="services/attachments/%Y/%m/", storage=attachments_storage
    )
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SlaRule(models.Model):
    """Working days allowed for each step, per category and urgency (defaults in sla.py)."""

    tenancy_policy = Policy(
        park_path="park", readers=PARK_ROLES, park_writers=frozenset({Role.PARK_ADMIN})
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    urgency = models.CharField(max_length=20, choices=Urgency.choices)
    response_days = models.PositiveSmallIntegerField(_("first response (working days)"))
    plan_days = models.PositiveSmallIntegerField(_("solution plan (working days)"))
    resolve_days = models.PositiveSmallIntegerField(_("resolution (working days)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["park", "category", "urgency"], name="one_sla_per_category_urgency"
            ),
            # The steps follow one another, so the step a request waits for is the one that
            # breaches first (ServiceRequest.next_due_on relies on it).
            models.CheckConstraint(
                name="sla_steps_in_order",
                condition=models.Q(plan_days__gte=models.F("response_days"))
                & models.Q(resolve_days__gte=models.F("plan_days")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.urgency}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Under supervision")
    CLOSED = "closed", _("Closed")


SUPERVISION_WRITERS = frozenset({Role.PARK_ADMIN, Role.SUPERVISOR})


class SupervisionCase(NoDeleteMixin, ConcurrentTransitionMixin, models.Model):
    """督办: a supervisor follows one overdue request (or delayed project) until it is closed."""

    # The only models a supervisor writes. Enterprises do not see supervision.
    tenancy_policy = Policy(
        park_path="park",
        readers=PARK_ROLES,
        park_writers=SUPERVISION_WRITERS,
        # Supervisors' notes are instructions; the park's replies are notes of any park role.
        actions={"instruct": frozenset({Role.SUPERVISOR}), "note": PARK_ROLES},
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    service_request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_cases",
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_cases",
    )
    title = models.CharField(_("subject"), max_length=200)
    instruction = models.TextField(_("instruction"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    status = FSMField(
        max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN, protected=True
    )
    conclusion = models.TextField(_("conclusion"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("supervision case")
        verbose_name_plural = _("supervision cases")
        constraints = [
            models.CheckConstraint(
                name="case_has_a_subject",
                condition=models.Q(service_request__isnull=False) | models.Q(project__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["service_request"],
                condition=models.Q(status="open"),
                name="one_open_case_per_request",
            ),
        ]
        indexes = [models.Index(fields=["park", "status"], name="case_park_status")]
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=CaseStatus.OPEN, target=CaseStatus.CLOSED)
    def close(self):
        pass


class NoteKind(models.TextChoices):
    INSTRUCTION = "instruction", _("Instruction")
    REPLY = "reply", _("Reply")


class SupervisionNote(NoDeleteMixin, models.Model):
    # Supervisors write instructions; park staff reply on the same case.
    tenancy_policy = Policy(
        park_path="case__park",
        readers=PARK_ROLES,
        park_writers=frozenset({Role.PARK_ADMIN, Role.PARK_STAFF, Role.SUPERVISOR}),
    )

    case = models.ForeignKey(SupervisionCase, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=NoteKind.choices)
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
