from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class ZoneOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class EnterpriseOut(Schema):
    id: int
    name: str
    short_name: str
    credit_code: str
    industry_code: str
    zone_id: int | None
    zone_name: str | None = Field(None, alias="zone.name")
    above_scale: bool
    floor_area_m2: int | None
    employees: int | None
    published: dict
    demo_fields: list[str] = Field(description="fields whose values are invented demo data")


class EnterpriseIn(Schema):
    name: str = Field(max_length=200)
    short_name: str = Field("", max_length=50)
    credit_code: str = Field(max_length=40, description="统一社会信用代码 (GB 32100-2015)")
    industry_code: str = Field("", max_length=10, description="GB/T 4754-2017, e.g. C34")
    zone_id: int | None = None
    above_scale: bool = False
    floor_area_m2: int | None = None  # bounds: services.COUNT_LIMITS, one rule for page and API
    employees: int | None = None


class EnterprisePatch(Schema):
    name: str | None = Field(None, max_length=200)
    short_name: str | None = Field(None, max_length=50)
    credit_code: str | None = Field(None, max_length=40)
    industry_code: str | None = Field(None, max_length=10)
    zone_id: int | None = None
    above_scale: bool | None = None
    floor_area_m2: int | None = None  # bounds: services.COUNT_LIMITS, one rule for page and API
    employees: int | None = None


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor_label: str
    via: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    park_id: int | None
    enterprise_id: int | None


class TokenIn(Schema):
    name: str = Field("", max_length=100, description="what the token is for")
    scope: Literal["read", "write", "gateway"] | None = Field(
        None, description="read or write for people (default write), gateway for gateways"
    )
    expires_in_days: int | None = Field(
        None, description="1-730; default: 90 for people, never for gateways"
    )


class TokenOut(Schema):
    id: int
    name: str
    scope: str
    prefix: str
    username: str = Field(alias="user.username")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="shown once: only its hash is stored")
