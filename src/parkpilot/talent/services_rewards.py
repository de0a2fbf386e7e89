"""Writes of the talent registry and the policy rewards (政策兑现). Keyword-only, atomic,
audited; input through parkpilot.inputs (one answer names every bad field).

A talent is registered by its enterprise (or the park's staff) under a class of the park's
classification and verified by the staff. An application under a policy is for one talent of
the applying enterprise, once per policy, talent and year; its amount is what the policy gives
the talent's class, within the policy's cap per enterprise and year. Staff approve or reject it
(with a note), then record the payment: submitted → approved | rejected, approved → paid."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.inputs import Fields
from parkpilot.talent.errors import ErrorCode
from parkpilot.talent.models import (
    ApplicationState,
    PolicyApplication,
    RewardPolicy,
    Talent,
    TalentClass,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park

S = ApplicationState


@transaction.atomic
def talent_register(*, actor, via: str, enterprise: Enterprise, name, class_code, evidence,
                    certified_on, joined_on, project="", demo: bool = False) -> Talent:  # fmt: skip
    access.require(actor, access.CREATE, Talent, enterprise_id=enterprise.pk)
    fields = Fields()
    name = fields.text("name", name, max_length=100)
    evidence = fields.text("evidence", evidence, max_length=300)
    certified = fields.date("certified_on", certified_on)
    joined = fields.date("joined_on", joined_on)
    project = fields.text("project", project, max_length=200, required=False)
    code = fields.text("class_code", class_code, max_length=2)
    found = TalentClass.objects.filter(park_id=enterprise.park_id, code=code).first()
    if code and found is None:
        fields.refuse("class_code", _("Not a class of the park's classification."), Code.UNKNOWN)
    fields.check()
    talent = Talent.objects.create(park_id=enterprise.park_id, enterprise=enterprise, name=name,
                                   talent_class=found, evidence=evidence, certified_on=certified,
                                   joined_on=joined, project=project, demo=demo)  # fmt: skip
    audit_record(actor=actor, via=via, action="talent.talent_register", obj=talent, before=None,
                 after={"name": name, "class": code}, park_id=talent.park_id)  # fmt: skip
    return talent


@transaction.atomic
def talent_verify(*, actor, via: str, talent: Talent, now=None) -> Talent:
    access.require(actor, "verify", talent)
    talent.verified_at = now or timezone.now()
    talent.save(update_fields=["verified_at"])
    audit_record(actor=actor, via=via, action="talent.talent_verify", obj=talent,
                 before={"verified_at": None}, after={"verified_at": str(talent.verified_at)},
                 park_id=talent.park_id)  # fmt: skip
    return talent


@transaction.atomic
def policy_create(*, actor, via: str, park: Park, name, document, amounts: dict, deadline,
                  conditions="", cap=None, demo: bool = False) -> RewardPolicy:  # fmt: skip
    """`amounts`: yuan by class code, e.g. {"D": "100000.00"}."""
    access.require(actor, access.CREATE, RewardPolicy)
    fields = Fields()
    name = fields.text("name", name, max_length=200)
    document = fields.text("document", document, max_length=300)
    conditions = fields.text("conditions", conditions, max_length=4000, required=False)
    deadline = fields.date("deadline", deadline)
    cap_yuan = fields.decimal("cap", cap, low=0, places=2, required=False)
    codes = set(TalentClass.objects.filter(park=park).values_list("code", flat=True))
    fen = {}
    for code, yuan in (amounts or {}).items():
        value = fields.decimal(f"amounts.{code}", yuan, low=0, places=2)
        if code not in codes:
            fields.refuse(f"amounts.{code}", _("Not a class of the park's classification."),
                          Code.UNKNOWN)  # fmt: skip
        elif value is not None:
            fen[code] = int(value * 100)
    if not amounts:
        fields.refuse("amounts", _("Give the amount of at least one class."), Code.REQUIRED)
    fields.check()
    policy = RewardPolicy.objects.create(
        park=park, name=name, document=document, conditions=conditions, amounts=fen,
        cap_fen=None if cap_yuan is None else int(cap_yuan * 100), deadline=deadline, demo=demo,
    )  # fmt: skip
    audit_record(actor=actor, via=via, action="talent.policy_create", obj=policy, before=None,
                 after={"amounts": fen, "cap_fen": policy.cap_fen})  # fmt: skip
    return policy


@transaction.atomic
def application_submit(*, actor, via: str, policy: RewardPolicy, talent: Talent, on,
                       demo: bool = False) -> PolicyApplication:  # fmt: skip
    """An application for `talent` under `policy`, by the talent's enterprise."""
    access.require(actor, access.CREATE, PolicyApplication, enterprise_id=talent.enterprise_id)
    fields = Fields()
    on = fields.date("on", on)
    fields.check()
    if talent.park_id != policy.park_id:
        raise ValidationFailed.single("talent", _("Not a talent of this park."), Code.UNKNOWN)
    if on > policy.deadline:
        raise ValidationFailed.single("on", _("After the policy's deadline (%(day)s).")
                                      % {"day": policy.deadline.isoformat()},
                                      Code.OUT_OF_RANGE)  # fmt: skip
    amount = policy.amounts.get(talent.talent_class.code)
    if amount is None:
        raise ValidationFailed.single("talent", _("The policy gives nothing to this class."),
                                      Code.INVALID)  # fmt: skip
    # The enterprise's applications of the policy and year, locked: two at once cannot both
    # pass the cap.
    same = (
        PolicyApplication.objects.select_for_update()
        .filter(policy=policy, enterprise_id=talent.enterprise_id, year=on.year)
        .exclude(state=S.REJECTED)
    )
    if same.filter(talent=talent).exists():
        raise ValidationFailed.single("talent", _("Already applied for this talent this year."),
                                      Code.DUPLICATE)  # fmt: skip
    taken = sum(a.amount_fen for a in same)
    if policy.cap_fen is not None and taken + amount > policy.cap_fen:
        raise ValidationFailed.single("policy", _("Above the policy's cap for the year."),
                                      ErrorCode.ABOVE_LIMIT)  # fmt: skip
    application = PolicyApplication.objects.create(
        park_id=policy.park_id, policy=policy, enterprise_id=talent.enterprise_id, talent=talent,
        year=on.year, amount_fen=amount, submitted_on=on, demo=demo,
    )  # fmt: skip
    audit_record(actor=actor, via=via, action="talent.application_submit", obj=application,
                 before=None, after={"amount_fen": amount}, park_id=policy.park_id)  # fmt: skip
    return application


def _move(actor, via, application, action, to, allowed_from, **changes) -> PolicyApplication:
    application = PolicyApplication.objects.select_for_update().get(pk=application.pk)
    access.require(actor, action, application)
    if application.state not in allowed_from:
        message = _("Not allowed while the application is %(state)s.") % {
            "state": application.get_state_display()}  # fmt: skip
        raise ValidationFailed.single("state", message, Code.INVALID_TRANSITION)
    before = application.state
    application.state = to
    for name, value in changes.items():
        setattr(application, name, value)
    application.save()
    audit_record(actor=actor, via=via, action=f"talent.application_{to}", obj=application,
                 before={"state": before}, after={"state": to, **{k: str(v) for k, v in
                                                              changes.items()}},
                 park_id=application.park_id)  # fmt: skip
    return application


@transaction.atomic
def application_review(*, actor, via: str, application: PolicyApplication, approve: bool, on,
                       note="") -> PolicyApplication:  # fmt: skip
    fields = Fields()
    day = fields.date("on", on)
    note = fields.text("note", note, max_length=2000, required=not approve)  # a refusal says why
    fields.check()
    to = S.APPROVED if approve else S.REJECTED
    return _move(actor, via, application, "review", to, (S.SUBMITTED,), reviewed_on=day,
                 review_note=note)  # fmt: skip


@transaction.atomic
def application_pay(*, actor, via: str, application: PolicyApplication, on) -> PolicyApplication:
    fields = Fields()
    day: date = fields.date("on", on)
    fields.check()
    return _move(actor, via, application, "pay", S.PAID, (S.APPROVED,), paid_on=day)
