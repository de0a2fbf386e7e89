"""The forest carbon-sink registry (林业碳汇): methodologies, projects and their plots, issued
credits as blocks of serial numbers, and the market's auctions and fixed-price listings.

One serial number is one tonne of CO2e. A block is a run of serials [first, last] of one
issuance, held by one holder, live, retired or cancelled; splitting a block never changes which
serials exist, so the blocks of an issuance always tile its serial range exactly (checked by
selectors.registry_violations and a Hypothesis property). Quantities also move through the
ledger core (`ledger`, unit tCO2e) under the same idempotency key, so a holder's balance and
the serials it holds are two books that must agree."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpilot.tenancy.models import Enterprise, Park, User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import PARK_OPERATORS, PARK_ROLES, Role

# The registry is the park's: its staff run it, every park role reads it.
_REGISTRY = Policy(park_path="park", readers=PARK_ROLES, park_writers=PARK_OPERATORS)


class Methodology(models.Model):
    """A methodology as data: its equations' parameters per species and its document."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=40)  # e.g. CCER-14-001-V01
    name = models.CharField(_("name"), max_length=200)
    document = models.CharField(_("document"), max_length=300)
    in_force_from = models.DateField(_("in force from"), null=True, blank=True)
    # {"carbon_fraction": .., "species": {"杉木": {"increment_m3_ha": .., "density_t_m3": ..,
    #  "bef": .., "root_shoot": ..}}}: the stock-change equations' inputs (selectors.expected)
    parameters = models.JSONField(_("parameters"), default=dict)
    parameters_are_demo = models.BooleanField(_("parameters are demo data"), default=False)

    class Meta:
        verbose_name = _("methodology")
        verbose_name_plural = _("methodologies")
        constraints = [
            models.UniqueConstraint(fields=["park", "code"], name="sinks_methodology_code")
        ]

    def __str__(self) -> str:
        return self.code


class Project(models.Model):
    """A sink project: small plots pooled (the household 收储 model), one methodology."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    methodology = models.ForeignKey(Methodology, on_delete=models.PROTECT, related_name="projects")
    seller = models.CharField(_("seller"), max_length=200)  # e.g. a village collective
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("sink project")
        verbose_name_plural = _("sink projects")
        constraints = [models.UniqueConstraint(fields=["park", "code"], name="sinks_project_code")]

    def __str__(self) -> str:
        return self.name


class ProjectSeller(models.Model):
    """A person who acts for the project's seller (role sinks_seller): they read the project's
    sales, statement and proceeds on the sellers' pages, and nothing of another project."""

    tenancy_policy = Policy(park_path="project__park", readers=PARK_ROLES,
                            park_writers=PARK_OPERATORS)  # fmt: skip

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sellers")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("project seller")
        verbose_name_plural = _("project sellers")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="sinks_project_seller")
        ]


class SellerProject(Project):
    """A project as its seller's people read it: only the projects they are named on
    (ProjectSeller), whoever else they are in the park."""

    tenancy_policy = Policy(park_path="park", user_path="sellers__user")

    class Meta:
        proxy = True


class OwnerKind(models.TextChoices):
    COLLECTIVE = "collective", _("village collective")
    HOUSEHOLD = "household", _("household")


class Plot(models.Model):
    """A forest plot of a project: where, how big, what grows, whose, and its share of the
    project's proceeds."""

    tenancy_policy = Policy(
        park_path="project__park", shared_in_park=True, park_writers=PARK_OPERATORS
    )

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="plots")
    outline = models.JSONField(_("outline"), null=True, blank=True)  # GeoJSON Polygon, WGS 84
    area_ha = models.DecimalField(_("area (ha)"), max_digits=10, decimal_places=2)
    species = models.CharField(_("species"), max_length=40)
    age_class = models.CharField(_("age class"), max_length=20, blank=True)
    owner_name = models.CharField(_("owner"), max_length=100)
    owner_kind = models.CharField(_("owner kind"), max_length=20, choices=OwnerKind.choices)
    share = models.DecimalField(_("share of proceeds"), max_digits=7, decimal_places=6)

    class Meta:
        verbose_name = _("forest plot")
        verbose_name_plural = _("forest plots")

    def __str__(self) -> str:
        return f"{self.owner_name} {self.area_ha} ha"


class Issuance(models.Model):
    """A vintage's verified removals issued as serials [first, last]."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="issuances")
    vintage = models.PositiveSmallIntegerField(_("vintage"))
    quantity = models.PositiveIntegerField(_("quantity (tCO2e)"))
    first = models.BigIntegerField(_("first serial"))
    last = models.BigIntegerField(_("last serial"))
    verification = models.CharField(_("verification report"), max_length=300)
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("issuance")
        verbose_name_plural = _("issuances")
        constraints = [
            models.CheckConstraint(
                name="sinks_issuance_range",
                condition=models.Q(last=models.F("first") + models.F("quantity") - 1),
            ),
        ]


class BlockState(models.TextChoices):
    LIVE = "live", pgettext_lazy("credits", "live")
    RETIRED = "retired", pgettext_lazy("credits", "retired")
    CANCELLED = "cancelled", pgettext_lazy("credits", "cancelled")


class Event(models.Model):
    """One registry event (issue, transfer, retire, cancel), once per idempotency key."""

    tenancy_policy = _REGISTRY

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20)
    quantity = models.PositiveIntegerField(_("quantity (tCO2e)"))
    source = models.CharField(_("from"), max_length=60, blank=True)
    target = models.CharField(_("to"), max_length=60, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    actor_label = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("registry event")
        verbose_name_plural = _("registry events")
        constraints = [models.UniqueConstraint(fields=["park", "key"], name="sinks_event_key")]


class Block(models.Model):
    """Serials [first, last] of one issuance, with one holder and state. An enterprise's users
    read the blocks it holds or retired; the park reads all."""

    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="holder_enterprise",
        park_writers=PARK_OPERATORS,
        actions={"retire": frozenset({Role.ENTERPRISE_ADMIN})},  # its own, against its emissions
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    issuance = models.ForeignKey(Issuance, on_delete=models.PROTECT, related_name="blocks")
    first = models.BigIntegerField(_("first serial"))
    last = models.BigIntegerField(_("last serial"))
    holder = models.CharField(_("holder"), max_length=60)  # "project:<id>" | "enterprise:<id>"
    holder_enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=BlockState.choices)
    retired_for_year = models.PositiveSmallIntegerField(_("retired for year"), null=True)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="blocks")

    class Meta:
        verbose_name = _("credit block")
        verbose_name_plural = _("credit blocks")
        indexes = [models.Index(fields=["park", "holder", "state", "first"], name="sinks_held")]
        constraints = [
            models.CheckConstraint(
                name="sinks_block_order", condition=models.Q(last__gte=models.F("first"))
            ),
            models.UniqueConstraint(fields=["park", "first"], name="sinks_block_first"),
        ]

    @property
    def size(self) -> int:
        return self.last - self.first + 1


class AuctionState(models.TextChoices):
    OPEN = "open", pgettext_lazy("auction", "open")
    CLEARED = "cleared", pgettext_lazy("auction", "cleared")


class Auction(models.Model):
    """单向竞价: a seller offers a quantity with a floor price; bids in whole tonnes at ¥0.01."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="auctions")
    quantity = models.PositiveIntegerField(_("quantity (tCO2e)"))
    floor_price = models.DecimalField(_("floor price (yuan/t)"), max_digits=10, decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=AuctionState.choices)
    opened_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")


class Bid(models.Model):
    """A bid of the order log: fills go by price, then by its sequence number."""

    tenancy_policy = Policy(
        park_path="auction__park",
        enterprise_path="enterprise",
        own_creators=frozenset({Role.ENTERPRISE_ADMIN}),
        park_writers=PARK_OPERATORS,
    )

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bids")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(_("price (yuan/t)"), max_digits=10, decimal_places=2)
    lots = models.PositiveIntegerField(_("lots (tCO2e)"))
    placed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")


class Listing(models.Model):
    """挂牌协议: the seller lists a quantity at a fixed price; enterprises buy parts of it, first
    come first served, until none is left (`remaining` only ever decreases, by a guarded UPDATE)."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="listings")
    quantity = models.PositiveIntegerField(_("quantity (tCO2e)"))
    remaining = models.PositiveIntegerField(_("remaining (tCO2e)"))
    price = models.DecimalField(_("price (yuan/t)"), max_digits=10, decimal_places=2)
    listed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.CheckConstraint(
                name="sinks_listing_remaining",
                condition=models.Q(remaining__lte=models.F("quantity")),
            )
        ]


class Trade(models.Model):
    """A settled sale, from an auction's fill or a purchase from a listing: who bought how much
    at which price, and the registry event that moved the credits."""

    tenancy_policy = Policy(park_path="park", enterprise_path="buyer")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    # The project whose credits were sold (the auction's or the listing's, kept on the row so
    # a seller's trades are one lookup).
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="trades")
    auction = models.ForeignKey(
        Auction, on_delete=models.PROTECT, related_name="trades", null=True, blank=True
    )
    bid = models.OneToOneField(
        Bid, on_delete=models.PROTECT, related_name="trade", null=True, blank=True
    )
    listing = models.ForeignKey(
        Listing, on_delete=models.PROTECT, related_name="trades", null=True, blank=True
    )
    buyer = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity (tCO2e)"))
    price = models.DecimalField(_("price (yuan/t)"), max_digits=10, decimal_places=2)
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="trade")

    class Meta:
        verbose_name = _("trade")
        verbose_name_plural = _("trades")
        constraints = [
            models.CheckConstraint(
                name="sinks_trade_one_source",
                condition=models.Q(auction__isnull=False, bid__isnull=False, listing__isnull=True)
                | models.Q(auction__isnull=True, bid__isnull=True, listing__isnull=False),
            )
        ]

    @property
    def amount(self) -> Decimal:
        return self.price * self.quantity


class SellerTrade(Trade):
    """A trade as the selling project's people read it (ProjectSeller)."""

    tenancy_policy = Policy(park_path="park", user_path="project__sellers__user")

    class Meta:
        proxy = True


class SellerBlock(Block):
    """Serial blocks of a project as its seller's people read them (ProjectSeller)."""

    tenancy_policy = Policy(park_path="park", user_path="issuance__project__sellers__user")

    class Meta:
        proxy = True
