import datetime

from ninja import Field, Schema


class RequestIn(Schema):
    title: str = Field(max_length=200)
    category: str = Field(description="land, approval, talent, finance, energy, transport, other")
    urgency: str = Field("normal", description="normal, urgent, critical")
    description: str = Field(max_length=5000)
    enterprise_id: int | None = Field(None, description="park staff raising it on its behalf")


class RequestOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    title: str
    category: str
    urgency: str
    description: str
    status: str
    status_label: str = Field(alias="get_status_display")
    raised_at: datetime.datetime
    contact_id: int | None
    contact_name: str | None = Field(None, alias="contact.display_name")
    plan: str
    plan_departments: str
    plan_promised_on: datetime.date | None
    resolution: str
    rating: int | None
    confirmation_comment: str
    reopen_count: int
    response_due_on: datetime.date
    plan_due_on: datetime.date
    resolve_due_on: datetime.date
    calendar_estimated: bool
    escalated_at: datetime.datetime | None = Field(
        None,
        description="when its service-level alerts were last escalated to the supervisors; "
        "null for readers who do not see the park's alerts (its events say so)",
    )


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    actor: str | None = Field(None, alias="actor.username")
    from_status: str
    to_status: str
    text: str


class AssignIn(Schema):
    contact_id: int


class PlanIn(Schema):
    plan: str = Field(max_length=5000)
    departments: str = Field("", max_length=300)
    promised_on: datetime.date | None = None


class NoteIn(Schema):
    text: str = Field(max_length=5000)


class UrgeIn(Schema):
    text: str = Field("", max_length=500, description="optional: why it is urgent")


class ResolveIn(Schema):
    resolution: str = Field(max_length=5000)


class ConfirmIn(Schema):
    rating: int
    comment: str = Field("", max_length=500)


class ReopenIn(Schema):
    reason: str = Field(max_length=1000)


class OverdueOut(Schema):
    id: int
    title: str
    enterprise_name: str = Field(alias="enterprise.name")
    status: str
    contact_name: str | None = Field(None, alias="contact.display_name")
    response_due_on: datetime.date
    plan_due_on: datetime.date
    resolve_due_on: datetime.date
    escalated_at: datetime.datetime | None = None


class CaseIn(Schema):
    service_request_id: int | None = None
    project_id: int | None = None
    instruction: str = Field(max_length=5000)
    deadline: datetime.date | None = None


class CaseOut(Schema):
    id: int
    title: str
    status: str
    service_request_id: int | None
    project_id: int | None
    instruction: str
    deadline: datetime.date | None
    opened_by: str = Field(alias="opened_by.username")
    opened_at: datetime.datetime
    conclusion: str
    closed_at: datetime.datetime | None


class CaseNoteOut(Schema):
    id: int
    at: datetime.datetime
    author: str = Field(alias="author.username")
    kind: str
    text: str


class CaseCloseIn(Schema):
    conclusion: str = Field(max_length=5000)


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    uploaded_by: str = Field(alias="uploaded_by.username")
    uploaded_at: datetime.datetime
