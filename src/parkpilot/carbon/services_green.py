"""Writes for green power (绿电交易, 绿证): validated, certificate serials registered once per
park, audited in the same transaction."""

import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from parkpilot.carbon.models_green import GreenCertificate, GreenPowerKind, GreenPowerPurchase
from parkpilot.inputs import Fields
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, snapshot
from parkpilot.tenancy.errors import Code, FieldError, NotFound, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park

SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,63}$")
MAX_SPAN_DAYS = 366
MIN_MWH, MAX_MWH = Decimal("0.001"), Decimal("10000000")
FIELDS = ["enterprise", "kind", "quantity_mwh", "period_start", "period_end", "seller",
          "reference"]  # fmt: skip


def parse_serials(text) -> list[str]:
    """Certificate ids as a list, or pasted one a line / separated by commas or spaces."""
    if isinstance(text, list | tuple):
        return [str(s).strip() for s in text if str(s).strip()]
    return [s for s in re.split(r"[\s,;，；]+", text or "") if s]


@transaction.atomic
def purchase_create(
    *,
    actor,
    via: str,
    park: Park,
    enterprise_id,
    kind: str,
    quantity_mwh,
    period_start,
    period_end,
    seller: str,
    certificates=(),
    reference: str = "",
    is_demo: bool = False,
) -> GreenPowerPurchase:
    """Park staff enter any enterprise's purchase; an enterprise admin only its own. A
    certificate id already registered in the park is refused (never counted twice)."""
    enterprise = _enterprise(actor, park, enterprise_id)
    fields = Fields()
    errors = fields.errors
    kind = fields.choice("kind", kind, GreenPowerKind)
    # MWh to the kWh: at most 10,000,000 MWh, three decimals.
    quantity = fields.decimal("quantity_mwh", quantity_mwh, low=MIN_MWH, high=MAX_MWH, places=3)
    start = fields.date("period_start", period_start)
    end = fields.date("period_end", period_end)
    if start and end:
        if end < start:
            errors.append(
                FieldError(
                    "period_end", gettext("Must not be before the start."), Code.OUT_OF_RANGE
                )
            )
        elif (end - start).days + 1 > MAX_SPAN_DAYS:
            errors.append(FieldError("period_end", gettext("At most one year."), Code.OUT_OF_RANGE))
    seller = fields.text("seller", seller, max_length=200)
    serials = parse_serials(certificates)
    errors += _serial_errors(park, serials, kind, quantity)
    if errors:
        raise ValidationFailed(errors)
    purchase = GreenPowerPurchase.objects.create(
        park=park, enterprise=enterprise, kind=kind, quantity_mwh=quantity, period_start=start,
        period_end=end, seller=seller[:200], reference=(reference or "").strip()[:100],
        is_demo=is_demo, created_by=actor if actor is not None and actor.pk else None,
    )  # fmt: skip
    try:
        with transaction.atomic():
            GreenCertificate.objects.bulk_create(
                GreenCertificate(park=park, purchase=purchase, serial=s) for s in serials
            )
    except IntegrityError:
        # Another request registered one of them in the meantime.
        raise ValidationFailed.single(
            "certificates", gettext("A certificate id is already registered."), Code.TAKEN
        ) from None
    audit_record(
        actor=actor, via=via, action="green_power.create", obj=purchase, before=None,
        after={**snapshot(purchase, FIELDS), "certificates": serials},
    )  # fmt: skip
    return purchase


def _enterprise(actor, park: Park, enterprise_id) -> Enterprise:
    fields = Fields()
    eid = fields.whole("enterprise_id", enterprise_id, low=1)
    fields.check()
    if actor is not None:
        access.require(actor, access.CREATE, GreenPowerPurchase, enterprise_id=eid)
    found = Enterprise.objects.filter(park=park, pk=eid).first()
    if found is None:
        raise NotFound
    return found


def _serial_errors(park, serials: list[str], kind: str, quantity) -> list[FieldError]:
    out = []
    bad = [s for s in serials if not SERIAL.match(s)]
    if bad:
        out.append(
            FieldError(
                "certificates", gettext("Malformed id: %(id)s") % {"id": bad[0]}, Code.FORMAT
            )
        )
    twice = sorted({s for s in serials if serials.count(s) > 1})
    if twice:
        listed = gettext("Listed twice: %(ids)s") % {"ids": ", ".join(twice)}
        out.append(FieldError("certificates", listed, Code.DUPLICATE))
    taken = sorted(
        GreenCertificate.objects.filter(park=park, serial__in=serials).values_list(
            "serial", flat=True
        )
    )
    if taken:
        out.append(FieldError("certificates", gettext("Already registered, never "
                              "counted twice: %(ids)s") % {"ids": ", ".join(taken[:5])},
                              Code.TAKEN))  # fmt: skip
    if kind == GreenPowerKind.CERTIFICATE and quantity is not None:
        # One 绿证 stands for 1 MWh (1,000 kWh) of renewable electricity (国家发展改革委 财政部
        # 国家能源局《关于做好可再生能源绿色电力证书全覆盖工作 促进可再生能源电力消费的通知》2023).
        if not serials:
            out.append(FieldError("certificates", gettext("Certificate ids are "
                                  "required."), Code.REQUIRED))  # fmt: skip
        elif quantity != len(serials):
            reason = gettext("One certificate is 1 MWh: %(count)s certificates are %(count)s MWh.")
            out.append(
                FieldError("quantity_mwh", reason % {"count": len(serials)}, Code.OUT_OF_RANGE)
            )
    return out
