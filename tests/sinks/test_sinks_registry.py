"""The registry's invariants: blocks tile each issuance's serials (none missing, none held
twice), live + retired + cancelled = issued, and the ledger's balances equal the blocks held.
A Hypothesis property drives random issue / transfer / retire / cancel sequences."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parkpilot.ledger.models import Account
from parkpilot.sinks import selectors, services
from parkpilot.sinks.models import Block, BlockState
from parkpilot.tenancy.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def _holder(ent):
    return services.enterprise_holder(ent)


def test_an_issue_a_sale_and_a_retirement_keep_both_books(registrar, project, ent_a, personas):
    services.issue(actor=registrar, via="test", project=project, vintage=2025, quantity=1000,
                   verification="核证报告 1", key="i1")  # fmt: skip
    source = services.project_holder(project)
    services.transfer(actor=registrar, via="test", park=project.park, source=source, to=ent_a,
                      quantity=300, key="t1")  # fmt: skip
    admin = personas["ent_a_admin"]
    services.retire(actor=admin, via="test", enterprise=ent_a, quantity=120, year=2025, key="r1")
    # 1000 issued: the project keeps 700 (serials 301-1000); the enterprise bought 1-300 and
    # retired its lowest serials first (1-120), so it holds 121-300 live.
    blocks = list(Block.objects.order_by("first").values_list("first", "last", "holder", "state"))
    assert blocks == [
        (1, 120, _holder(ent_a), BlockState.RETIRED),
        (121, 300, _holder(ent_a), BlockState.LIVE),
        (301, 1000, source, BlockState.LIVE),
    ]
    assert selectors.registry_violations(park_id=project.park_id) == []
    balance = Account.objects.get(owner=f"sinks.{_holder(ent_a)}").balance
    assert balance == 180
    assert selectors.retired_for(user=admin, enterprise_id=ent_a.pk, year=2025) == 120


def test_an_enterprises_statement_and_serials(registrar, project, ent_a, personas, client):
    services.issue(actor=registrar, via="test", project=project, vintage=2025, quantity=1000,
                   verification="核证报告 1", key="i1")  # fmt: skip
    source = services.project_holder(project)
    services.transfer(actor=registrar, via="test", park=project.park, source=source, to=ent_a,
                      quantity=300, key="t1")  # fmt: skip
    admin = personas["ent_a_admin"]
    services.retire(actor=admin, via="test", enterprise=ent_a, quantity=120, year=2025, key="r1")
    # Newest first: retired 120 of the 300 bought (balance 180), after the transfer in (300).
    mine = selectors.statement(user=admin, enterprise_id=ent_a.pk)
    assert [(str(x["what"]), x["amount"], x["balance"]) for x in mine["lines"]] == [
        ("抵消注销", -120, 180),
        ("转入", 300, 300),
    ]
    assert [(b.first, b.last) for b in mine["blocks"]] == [(121, 300)]
    # The park reads it; another enterprise does not even find it.
    staff = selectors.statement(user=personas["park_staff"], enterprise_id=ent_a.pk)
    assert [x["balance"] for x in staff["lines"]] == [180, 300]
    with pytest.raises(NotFound):
        selectors.statement(user=personas["ent_b_user"], enterprise_id=ent_a.pk)
    client.force_login(admin)
    page = client.get("/sinks/mine/").content.decode()
    assert "抵消注销" in page and "121–300" in page


def test_a_key_sent_twice_moves_once(registrar, project, ent_a):
    kwargs = dict(actor=registrar, via="test", project=project, vintage=2025, quantity=10,
                  verification="v", key="same")  # fmt: skip
    assert services.issue(**kwargs).pk == services.issue(**kwargs).pk
    source = services.project_holder(project)
    for _ in range(2):
        services.transfer(actor=registrar, via="test", park=project.park, source=source,
                          to=ent_a, quantity=4, key="move")  # fmt: skip
    assert Account.objects.get(owner=f"sinks.{_holder(ent_a)}").balance == 4
    assert selectors.registry_violations(park_id=project.park_id) == []


def test_refusals_name_the_field_and_change_nothing(registrar, project, ent_a, ent_b, personas):
    services.issue(actor=registrar, via="test", project=project, vintage=2025, quantity=10,
                   verification="v", key="i")  # fmt: skip
    source = services.project_holder(project)
    for quantity, code in (("2.5", "out_of_range"), ("x", "not_a_number"), (0, "out_of_range"),
                           (11, "not_enough_credits")):  # fmt: skip
        with pytest.raises(ValidationFailed) as exc:
            services.transfer(actor=registrar, via="test", park=project.park, source=source,
                              to=ent_a, quantity=quantity, key=f"bad-{quantity}")  # fmt: skip
        assert [(e.field, e.code) for e in exc.value.errors] == [("quantity", code)]
    with pytest.raises(NotFound):  # one enterprise cannot retire another's credits
        services.retire(actor=personas["ent_a_admin"], via="test", enterprise=ent_b, quantity=1,
                        year=2025, key="r")  # fmt: skip
    assert (
        Block.objects.count() == 1 and selectors.registry_violations(park_id=project.park_id) == []
    )


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["issue", "transfer", "retire", "cancel"]),
        st.integers(0, 2),  # which holder
        st.integers(0, 2),  # to whom
        st.integers(1, 60),  # tonnes
    ),
    min_size=1,
    max_size=25,
)


def _fresh_world(n: int):
    """A park of its own per example: the ledger's journal is immutable by design, so an
    example cannot clean up after itself; it starts where nothing of another is."""
    from parkpilot.sinks.demo import PARAMETERS
    from parkpilot.sinks.models import Methodology, Project
    from parkpilot.tenancy.actors import system_actor
    from parkpilot.tenancy.models import Enterprise, Park, User
    from parkpilot.tenancy.roles import Role

    park = Park.objects.create(code=f"prop{n}", name=f"园区{n}")
    methodology = Methodology.objects.create(park=park, code="M", name="M", document="M",
                                             parameters=PARAMETERS)  # fmt: skip
    project = Project.objects.create(park=park, code="P", name="P", methodology=methodology,
                                     seller="S")  # fmt: skip
    a = Enterprise.objects.create(park=park, name=f"甲{n}", credit_code=f"A{n}")
    b = Enterprise.objects.create(park=park, name=f"乙{n}", credit_code=f"B{n}")
    admin = User.objects.create(username=f"prop-admin-{n}", role=Role.ENTERPRISE_ADMIN,
                                park=park, enterprise=a)  # fmt: skip
    return system_actor(park, "test"), project, [a, b], admin


WORLDS = iter(range(10**6))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(operations=OPERATIONS)
def test_any_sequence_keeps_the_registry_consistent(db, operations):
    registrar, project, (a, b), admin = _fresh_world(next(WORLDS))
    park = project.park
    holders = [services.project_holder(project), _holder(a), _holder(b)]
    enterprises = [a, b, a]
    for n, (op, who, to, tonnes) in enumerate(operations):
        try:
            if op == "issue":
                services.issue(actor=registrar, via="test", project=project, vintage=2025,
                               quantity=tonnes, verification="v", key=str(n))  # fmt: skip
            elif op == "transfer":
                services.transfer(actor=registrar, via="test", park=park, source=holders[who],
                                  to=enterprises[to], quantity=tonnes, key=str(n))  # fmt: skip
            elif op == "retire":
                services.retire(actor=admin, via="test", enterprise=a, quantity=tonnes,
                                year=2025, key=str(n))  # fmt: skip
            else:
                services.cancel(actor=registrar, via="test", park=park, holder=holders[who],
                                quantity=tonnes, reason="复核", key=str(n))  # fmt: skip
        except ValidationFailed as exc:  # more than the holder has: refused, nothing moved
            assert [e.code for e in exc.errors] == ["not_enough_credits"]
        assert selectors.registry_violations(park_id=park.pk) == [], (n, op, who, to, tonnes)
