"""Reads for tenancy. Everything goes through access.scoped()/get_for()."""

import datetime
from typing import NamedTuple

from axes.models import AccessAttempt
from django.conf import settings
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from parkpilot.inputs import Fields
from parkpilot.tenancy import access, logins
from parkpilot.tenancy.errors import NotFound
from parkpilot.tenancy.models import (
    ApiToken,
    AuditLog,
    Enterprise,
    EnterpriseKind,
    Park,
    User,
    Zone,
)
from parkpilot.tenancy.roles import PARK_OPERATORS


def enterprise_list(*, user: User, zone_id: int | None = None, q: str = "") -> QuerySet:
    qs = access.scoped(user, Enterprise).tenants().select_related("zone")
    if zone_id is not None:
        qs = qs.filter(zone_id=zone_id)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(credit_code__iexact=q)
    return qs.order_by("id")


class EnterpriseFacts(NamedTuple):
    """What the park-wide figures (accounts, grades, rankings) need of each enterprise."""

    id: int
    name: str
    short_name: str
    zone_id: int | None
    industry_code: str
    floor_area_m2: int | None


_FACT_COLUMNS = [Enterprise._meta.get_field(f).column for f in EnterpriseFacts._fields]
_PARK_FACTS_SQL = (
    f"SELECT {', '.join(_FACT_COLUMNS)} FROM {Enterprise._meta.db_table} "
    "WHERE park_id = %s AND kind = %s ORDER BY id"
)


def enterprise_facts(*, user: User, park_id: int) -> dict[int, EnterpriseFacts]:
    """The enterprises of a park this user may read, by id in id order. Whole-park readers get
    them by one plain SQL read: every live carbon figure starts here, and building the ORM
    query cost as much as running it (park of 500 enterprises). The columns are plain types,
    which both databases return as the ORM would."""
    if access.whole_park(user, Enterprise, park_id):
        with connections[Enterprise.objects.db].cursor() as cursor:
            cursor.execute(_PARK_FACTS_SQL, [park_id, EnterpriseKind.TENANT])
            rows = cursor.fetchall()
    else:
        rows = (
            access.scoped(user, Enterprise)
            .tenants()
            .filter(park_id=park_id)
            .order_by("id")
            .values_list(*EnterpriseFacts._fields)
        )
    return {row[0]: EnterpriseFacts._make(row) for row in rows}


def enterprise_get(*, user: User, enterprise_id: int) -> Enterprise:
    return access.get_for(user, Enterprise.objects.select_related("zone", "park"), enterprise_id)


def zone_list(*, user: User) -> QuerySet:
    return access.scoped(user, Zone).order_by("id")


def home_own_enterprise_card(user: User, park: Park) -> dict | None:
    """TenancyConfig.home_cards: an enterprise user's own enterprise."""
    if not (user.is_enterprise_role and user.enterprise_id):
        return None
    return {"enterprise": user.enterprise}


def home_park_card(user: User, park: Park) -> dict:
    return {
        "enterprise_count": enterprise_list(user=user).count(),
        "zones": list(zone_list(user=user)),
    }


def park_map(*, user: User, park: Park) -> dict | None:
    """The park's outline and its zones as one GeoJSON FeatureCollection for the map component
    (templates/components/park_map.html), or None when nothing has an outline."""
    zones = [z for z in zone_list(user=user) if z.outline]
    features = [_feature(z.outline, kind="zone", name=z.name, code=z.code) for z in zones]
    if park.outline:
        features.insert(0, _feature(park.outline, kind="park", name=park.name))
    if not features:
        return None
    demo = park.outline_is_demo or any(z.outline_is_demo for z in zones)
    return {"type": "FeatureCollection", "features": features, "demo": demo}


def _feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def home_map_card(user: User, park: Park) -> dict | None:
    geojson = park_map(user=user, park=park)
    return {"map": geojson} if geojson else None


def park_of(user: User) -> Park | None:
    """The park the user works in (superusers: the first park, for a single-park install)."""
    if user.park_id:
        return user.park
    if user.is_superuser:
        return Park.objects.order_by("id").first()
    return None


def audit_log_list(
    *,
    user: User,
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    action: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet:
    """The audit entries the user may read, newest first, filtered: `actor` by user name
    (exact), `action` by prefix ("login." for every sign-in), `since`/`until` inclusive days in
    the server's time zone."""
    access.require(user, access.READ, AuditLog)
    qs = access.scoped(user, AuditLog).select_related("actor")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_label=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    if since:
        qs = qs.filter(at__gte=_start_of(since))
    if until:
        qs = qs.filter(at__lt=_start_of(until + datetime.timedelta(days=1)))
    return qs.order_by("-at", "-id")


# The days an audit filter may name (the years every app allows): 9999-12-31 once overflowed
# "until the end of that day", 0001-01-01 the time zone's offset, and both answered 500.
AUDIT_DAYS = (datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))


def audit_day(fields: Fields, name: str, value) -> datetime.date | None:
    """A `since`/`until` filter read by the input layer, for the page and the API alike."""
    low, high = AUDIT_DAYS
    return fields.date(name, value, low=low, high=high, required=False)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class LockedLogin(NamedTuple):
    user: User
    address: str
    failures: int
    minutes_left: int


def _lock_managers(user: User) -> QuerySet:
    """The people whose lockouts this user may see and lift: a park admin's own park's people;
    a superuser everyone's. Anyone else: nobody."""
    return access.scoped(user, User)


def locked_login_list(*, user: User) -> list[LockedLogin]:
    """Sign-ins locked right now (user name and address at the failure limit, cool-off running)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")
    people = {
        u.username: u for u in _lock_managers(user).filter(username__in=attempts.values("username"))
    }
    return [
        LockedLogin(
            people[a.username],
            a.ip_address or "",
            a.failures_since_start,
            logins.minutes_left(a.username, a.ip_address or ""),
        )
        for a in attempts
        if a.username in people
    ]


def lockable_user_get(*, user: User, user_id: int) -> User:
    """One person whose lockout `user` may lift, or NotFound (absent and foreign alike)."""
    found = _lock_managers(user).filter(pk=user_id).first()
    if found is None:
        raise NotFound
    return found


def _token_managers(user: User) -> QuerySet:
    """Tokens `user` may see and revoke: their own; a park admin's also every token of their
    park's people and gateways; a superuser's all."""
    tokens = ApiToken.objects.select_related("user")
    return tokens.filter(Q(user=user) | Q(user__in=access.scoped(user, User)))


def api_token_list(*, user: User, everyone: bool = False) -> QuerySet:
    """The user's own tokens, newest first; with everyone=True all the tokens they manage."""
    tokens = _token_managers(user) if everyone else ApiToken.objects.filter(user=user)
    return tokens.select_related("user").order_by("-created_at", "-id")


def api_token_get(*, user: User, token_id: int) -> ApiToken:
    token = _token_managers(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound
    return token


def role_holders(roles: frozenset[str], **filters) -> QuerySet:
    """The people holding any of `roles`, as their primary role or a granted one. Granted roles
    are a JSON list (no containment lookup on SQLite), read here for the few who have any."""
    people = User.objects.filter(**filters)
    granted = [
        pk
        for pk, extra in people.exclude(granted_roles=[]).values_list("pk", "granted_roles")
        if set(extra) & roles
    ]
    return people.filter(Q(role__in=roles) | Q(pk__in=granted))


def contact_choices(*, user) -> QuerySet:
    """Who can be the contact person of a request or a project: the park's operators (staff
    and admins) of the user's park; offered to park roles only."""
    if not (user.is_superuser or user.is_park_role):
        return User.objects.none()
    return role_holders(PARK_OPERATORS, park_id=user.park_id, is_active=True).order_by("id")


def people_list(*, user: User, q: str = "", role: str = "", active: str = "") -> QuerySet:
    """The people `user` administers (access.scoped): a park admin's park, an enterprise
    admin's own staff; filtered by a name, a role and whether they may sign in."""
    people = access.scoped(user, User).select_related("enterprise")
    if q:
        people = people.filter(
            Q(username__icontains=q) | Q(display_name__icontains=q) | Q(email__icontains=q)
        )
    if role:
        people = people.filter(role=role)
    if active in ("1", "0"):
        people = people.filter(is_active=active == "1")
    return people.order_by("-is_active", "role", "username")


def person_get(*, user: User, person_id: int) -> User:
    """One person `user` administers, or NotFound (absent and foreign alike)."""
    found = access.scoped(user, User).select_related("enterprise").filter(pk=person_id).first()
    if found is None:
        raise NotFound
    return found


def person_history(*, user: User, person: User) -> QuerySet:
    """What was done to this person's account, newest first: the audit rows about them, for
    whoever administers them (the caller has `person` from person_get)."""
    rows = AuditLog.objects.filter(object_type="tenancy.user", object_id=str(person.pk))
    return rows.select_related("actor").order_by("-at", "-id")[:50]
