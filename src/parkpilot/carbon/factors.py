"""The factor catalogue's rules: which units each factor may be written in, how each converts
to the per-canonical-unit figure accounting multiplies by, and which factor a period uses.

The factors themselves are data (EmissionFactor rows, loaded by the demo or entered by staff),
never constants in code."""

from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.utils.translation import gettext

from parkpilot.carbon.errors import ErrorCode
from parkpilot.carbon.models import Carrier, EmissionFactor, Quantity, Region
from parkpilot.tenancy.errors import Code, FieldError, ValidationFailed

# (carrier, quantity) -> {unit as written: multiplier to tCO2 or tce per canonical unit}.
# Canonical units: electricity kWh, natural gas m3, heat GJ.
UNITS: dict[tuple[str, str], dict[str, float]] = {
    (Carrier.ELECTRICITY, Quantity.CO2): {"kgCO2/kWh": 1e-3, "tCO2/MWh": 1e-3},
    (Carrier.NATURAL_GAS, Quantity.CO2): {"tCO2/10^4Nm3": 1e-4, "kgCO2/m3": 1e-3},
    (Carrier.HEAT, Quantity.CO2): {"tCO2/GJ": 1.0, "kgCO2/GJ": 1e-3},
    (Carrier.ELECTRICITY, Quantity.TCE): {"kgce/kWh": 1e-3},
    (Carrier.NATURAL_GAS, Quantity.TCE): {"kgce/m3": 1e-3},
    # 1 kgce/MJ = 1,000 kgce/GJ = 1 tce/GJ.
    (Carrier.HEAT, Quantity.TCE): {"kgce/MJ": 1.0, "tce/GJ": 1.0},
}

# Provinces (first two digits of the administrative division code) in the East China grid.
EAST_CHINA = {"31", "32", "33", "34", "35"}
PROVINCE_REGION = {"33": Region.ZHEJIANG}


def region_chain(region_code: str, carrier: str) -> list[str]:
    """Where to look for a factor, most specific first. Only electricity has regional factors
    (the grid mix differs); fuels and heat use national defaults."""
    if carrier != Carrier.ELECTRICITY:
        return [Region.NATIONAL]
    prov = (region_code or "")[:2]
    chain = []
    if prov in PROVINCE_REGION:
        chain.append(PROVINCE_REGION[prov])
    if prov in EAST_CHINA:
        chain.append(Region.EAST_CHINA)
    chain.append(Region.NATIONAL)
    return chain


def validate_unit(carrier: str, quantity: str, unit: str) -> float:
    allowed = UNITS.get((carrier, quantity))
    if allowed is None:
        raise ValidationFailed.single(
            "carrier", gettext("Unknown carrier or quantity."), Code.UNKNOWN
        )
    if unit not in allowed:
        raise ValidationFailed(
            [
                FieldError(
                    "unit",
                    gettext("The unit must be one of %(units)s.") % {"units": ", ".join(allowed)},
                    Code.INVALID,
                )
            ]
        )
    return allowed[unit]


@dataclass(frozen=True)
class Factor:
    id: int
    carrier: str
    quantity: str
    region: str
    year: int  # the year the factor was published for
    value: float  # as written
    unit: str
    per_unit: float  # tCO2 or tce per canonical unit
    document: str
    version: int
    is_demo: bool = False
    applied_year: int | None = None  # the period's year, where it differs: carried forward

    @property
    def carried_forward(self) -> bool:
        return self.applied_year is not None and self.applied_year != self.year

    @cached_property
    def as_dict(self) -> dict:
        """Read-only: built once and shared by every account that used this factor."""
        return {
            "id": self.id,
            "carrier": self.carrier,
            "quantity": self.quantity,
            "region": self.region,
            "year": self.year,
            "value": self.value,
            "unit": self.unit,
            "document": self.document,
            "version": self.version,
            "is_demo": self.is_demo,
            # A year without its own published factor uses the latest earlier one, marked.
            "carried_forward": self.carried_forward,
            "applied_year": self.applied_year if self.carried_forward else self.year,
        }


def _factor(row: EmissionFactor, applied_year: int | None = None) -> Factor:
    return Factor(
        id=row.pk,
        carrier=row.carrier,
        quantity=row.quantity,
        region=row.region,
        year=row.year,
        value=float(row.value),
        unit=row.unit,
        per_unit=float(row.value) * UNITS[(row.carrier, row.quantity)][row.unit],
        document=row.document,
        version=row.version,
        is_demo=row.is_demo,
        applied_year=applied_year,
    )


class FactorMissing(ValidationFailed):
    """No factor for a carrier in a period: named, never a silent zero or fall-back."""

    def __init__(self, carrier: str, quantity: str, regions: list[str], year: int):
        self.carrier, self.quantity, self.regions, self.year = carrier, quantity, regions, year
        where = "/".join(regions)
        super().__init__(
            [
                FieldError(
                    "factor",
                    gettext(
                        "No %(quantity)s factor for %(carrier)s, region %(region)s, year %(year)s."
                    )
                    % {"quantity": quantity, "carrier": carrier, "region": where, "year": year},
                    ErrorCode.FACTOR_MISSING,
                )
            ]
        )


@dataclass(frozen=True)
class Priced:
    """A carrier's CO2 factor and standard-coal coefficient, with the keys an account files
    them under (`<carrier>.co2`, `<carrier>.tce`)."""

    co2: Factor
    tce: Factor
    co2_key: str
    tce_key: str


class FactorSet:
    """The current factors of a park for one year (latest version of each key), loaded once.

    A year without a published factor for a carrier uses the latest earlier year that has
    one (the notices come out a year or two late), and the factor says it was carried forward
    (`Factor.carried_forward`): never an earlier value relabelled as this year's."""

    def __init__(self, *, park, year: int, rows: list[EmissionFactor] | None = None):
        self.park, self.year = park, year
        if rows is None:
            rows = list(
                EmissionFactor.objects.filter(
                    park=park, year__lte=year, purpose="default", superseded=False
                )
            )
        # {year: {(carrier, quantity, region): Factor}}, newest year first.
        self.by_year: dict[int, dict[tuple[str, str, str], Factor]] = {}
        for r in sorted(rows, key=lambda r: -r.year):
            self.by_year.setdefault(r.year, {})[r.carrier, r.quantity, r.region] = _factor(r, year)
        self._resolved: dict[tuple[str, str], Factor] = {}
        self._pairs: dict[str, tuple[Factor, Factor]] = {}
        self._priced: dict[str, Priced] = {}
        self._used_by: dict[tuple[str, ...], dict[str, dict]] = {}

    @classmethod
    def current(cls, *, park, year: int) -> "FactorSet":
        """The park's current factors for a year, shared by the live reads of this process and
        re-read whenever the catalogue changed. A new factor or version always adds a row and
        rows are never edited in place, so (count, last id, last created) names the state: one
        small aggregate instead of loading every row on every live read."""
        key = (park.pk, park.region_code, year)
        stamp = _catalogue_stamp(park.pk, year)
        cached = _CURRENT.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        found = cls(park=park, year=year)
        _CURRENT[key] = (stamp, found)
        return found

    @classmethod
    def from_ids(cls, *, park, year: int, ids: list[int]) -> "FactorSet":
        """Exactly the factor versions a stored account used (superseded or not)."""
        return cls(park=park, year=year, rows=list(EmissionFactor.objects.filter(pk__in=ids)))

    def get(self, carrier: str, quantity: str) -> Factor:
        # Accounting asks for the same few factors once per entity: resolve each once.
        found = self._resolved.get((carrier, quantity))
        if found is None:
            found = self._resolved[carrier, quantity] = self._resolve(carrier, quantity)
        return found

    def pair(self, carrier: str) -> tuple[Factor, Factor]:
        """The carrier's CO2 factor and standard-coal coefficient."""
        found = self._pairs.get(carrier)
        if found is None:
            found = self._pairs[carrier] = (
                self.get(carrier, Quantity.CO2.value),
                self.get(carrier, Quantity.TCE.value),
            )
        return found

    def priced(self, carrier: str) -> Priced:
        found = self._priced.get(carrier)
        if found is None:
            co2, tce = self.pair(carrier)
            found = self._priced[carrier] = Priced(co2, tce, f"{carrier}.co2", f"{carrier}.tce")
        return found

    def used_by(self, carriers: tuple[str, ...]) -> dict[str, dict]:
        """{"<carrier>.co2": factor, "<carrier>.tce": factor} for these carriers: what an
        account files as the factors it used. Built once per combination and shared
        (read-only), as every entity of a park uses one of very few combinations."""
        found = self._used_by.get(carriers)
        if found is None:
            found = {}
            for carrier in carriers:
                priced = self.priced(carrier)
                found[priced.co2_key] = priced.co2.as_dict
                found[priced.tce_key] = priced.tce.as_dict
            self._used_by[carriers] = found
        return found

    def _resolve(self, carrier: str, quantity: str) -> Factor:
        """The most specific region of the newest year that has the carrier's factor: the
        period's own year first; a later year never applies to an earlier period."""
        chain = region_chain(self.park.region_code, carrier)
        for factors in self.by_year.values():
            for region in chain:
                found = factors.get((carrier, quantity, region))
                if found is not None:
                    return found
        raise FactorMissing(carrier, quantity, chain, self.year)


# (park, region, year) → (catalogue stamp, FactorSet); see FactorSet.current.
_CURRENT: dict[tuple, tuple[tuple, FactorSet]] = {}


def _catalogue_stamp(park_id: int, year: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX(id), MAX(created_at) FROM {EmissionFactor._meta.db_table} "
            "WHERE park_id = %s AND year <= %s",
            [park_id, year],
        )
        return cursor.fetchone()
