"""The catalog admin on a real database (SQLite and PostgreSQL): seeding, saves with their
history, going back, the next ticket's routing and deadline, the wall screen's tallies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, select
from tickets_pg import database_url  # noqa: F401  (the sqlite/postgresql fixture)

from ivr.db import make_engine
from ivr.schema.upgrade import upgrade_database
from ivr.tickets import tallies
from ivr.tickets.catalog_admin import CatalogAdmin
from ivr.tickets.catalog_rules import CatalogChangedSince, CatalogInvalid
from ivr.tickets.deadlines import TIER_SPANS, WorkingCalendar
from ivr.tickets.desk import IVR_CATEGORIES
from ivr.tickets.errors import UnknownCategory
from ivr.tickets.models import DeadlineTier, District
from ivr.tickets.numbers import ticket_number
from ivr.tickets.records import NewTicket
from ivr.tickets.service import TicketService
from ivr.tickets.status import Status

MONDAY_10 = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)  # Monday 6 May 2024, 10:00 in Jakarta
CALENDAR = WorkingCalendar(timezone="Asia/Jakarta", opens=time(8), closes=time(16))
ADMIN = "web:boss"


@pytest.fixture
def service(database_url):  # noqa: F811
    engine = make_engine(database_url)
    upgrade_database(engine)
    yield TicketService(engine, CALENDAR, clock=lambda: MONDAY_10)
    engine.dispose()


@pytest.fixture
def admin(service: TicketService) -> CatalogAdmin:
    return CatalogAdmin(service.sessions, lambda: MONDAY_10, IVR_CATEGORIES)


def ticket(counter: int, category: str, **fields: object) -> NewTicket:
    return NewTicket(**{"number": ticket_number(counter), "token": f"tok{counter}",
                        "channel": "api", "category": category, "received_at": MONDAY_10,
                        **fields})  # type: ignore[arg-type]


def test_tiers_and_districts_are_seeded_once_and_an_empty_table_again(
        service: TicketService) -> None:
    with service.sessions.begin() as session:
        tiers = {t.code: (t.amount, t.unit, t.clock_always)
                 for t in session.scalars(select(DeadlineTier))}
        districts = {d.code: d.parent_code for d in session.scalars(select(District))}
    assert tiers == {str(k): (s.amount, s.unit, s.clock_always) for k, s in TIER_SPANS.items()}
    assert districts["dago"] == "coblong" and districts["sukajadi"] == ""
    with service.sessions.begin() as session:
        session.execute(delete(District).where(District.code == "cicendo"))
        session.execute(delete(DeadlineTier))  # as a database made before tiers were stored
    upgrade_database(service.engine)  # the next start
    with service.sessions.begin() as session:
        assert len(list(session.scalars(select(DeadlineTier)))) == 4  # seeded again
        assert session.get(District, "cicendo") is None  # a city's removal is kept


def test_a_new_agency_and_category_take_the_next_ticket_and_going_back_retires_it(
        service: TicketService, admin: CatalogAdmin) -> None:
    admin.save("tier", "fast", {"amount": 3, "unit": "days"}, ADMIN, True)
    admin.save("agency", "parks", {"name_en": "Parks Agency", "name_id": "Dinas Taman",
                                   "office_hours": False, "email": "parks@city.go.id"},
               ADMIN, True)
    added = admin.save("category", "trees", {"name": "Trees and parks", "agency": "parks",
                                             "tier": "fast"}, ADMIN, True)
    made = service.open_ticket(ticket(1_000_001, "trees"), actor="open311:test")
    assert (made.agency, made.agency_name_en) == ("parks", "Parks Agency")
    assert made.due_at == MONDAY_10 + timedelta(days=3)  # round the clock
    assert "trees" in {c.code for c in service.categories()}  # Open311's services at once
    listing = admin.listing()
    assert [(c.kind, c.code, c.summary()) for c in listing["changes"]] == [
        ("category", "trees", "added"), ("agency", "parks", "added"), ("tier", "fast", "added")]

    retired = admin.go_back(added.id, ADMIN)
    assert retired.after is not None and retired.after["active"] is False
    with pytest.raises(UnknownCategory):
        service.open_ticket(ticket(1_000_002, "trees"), actor="open311:test")
    assert "trees" not in {c.code for c in service.categories()}
    assert service.get(made.number) is not None  # its ticket keeps it
    restored = admin.go_back(retired.id, ADMIN)
    assert restored.summary() == "restored"
    assert service.open_ticket(ticket(1_000_003, "trees"), actor="x").agency == "parks"


def test_a_tier_edit_moves_the_next_deadline_and_a_used_tier_stays(
        service: TicketService, admin: CatalogAdmin) -> None:
    admin.save("tier", "general", {"amount": 2, "unit": "days"}, ADMIN, False)
    record = service.open_ticket(ticket(1_000_004, "roads"), actor="x")
    assert record.due_at == datetime(2024, 5, 8, 3, 0, tzinfo=UTC)  # 2 working days
    with pytest.raises(CatalogInvalid) as refused:
        admin.remove("tier", "general", ADMIN)
    assert refused.value.details["field"] == "code"
    desk = {c["code"]: c["deadline"] for c in service.desk_categories()}
    assert desk["roads"] == "2 working days" and desk["hazard"] == "2 hours"


def test_a_holiday_saved_in_the_catalog_moves_deadlines(service, admin) -> None:
    admin.save("holiday", "2024-05-09", {"name": "Ascension"}, ADMIN, True)
    record = service.open_ticket(ticket(1_000_005, "roads"), actor="x")
    assert record.due_at == datetime(2024, 5, 16, 3, 0, tzinfo=UTC)
    assert admin.listing()["holiday"] == [{"code": "2024-05-09", "name": "Ascension",
                                           "workday": False}]


def test_a_ticket_in_a_branch_s_district_goes_to_the_branch(service, admin) -> None:
    admin.save("agency", "pw_coblong", {"name_en": "Public Works, Coblong office",
                                        "parent": "public_works", "districts": ["coblong"],
                                        "office_hours": False}, ADMIN, True)
    routed = service.open_ticket(ticket(1_000_006, "roads", subdistrict="dago"), actor="x")
    assert (routed.agency, routed.district, routed.subdistrict) == ("pw_coblong", "coblong",
                                                                    "dago")
    assert routed.due_at == MONDAY_10 + timedelta(days=7)  # the branch works round the clock
    elsewhere = service.open_ticket(ticket(1_000_007, "roads", district="cicendo"), actor="x")
    assert elsewhere.agency == "public_works"
    nowhere = service.open_ticket(ticket(1_000_008, "roads"), actor="x")
    assert nowhere.agency == "public_works"
    admin.remove("agency", "pw_coblong", ADMIN)
    again = service.open_ticket(ticket(1_000_009, "roads", district="coblong"), actor="x")
    assert again.agency == "public_works"  # a retired branch takes none


def test_going_back_on_an_older_change_is_refused_and_bad_saves_write_nothing(
        admin: CatalogAdmin) -> None:
    first = admin.save("district", "cigadung", {"name": "Cigadung", "parent": "coblong"},
                       ADMIN, True)
    admin.save("district", "cigadung", {"name": "Cigadung Baru", "parent": "coblong"}, ADMIN,
               False)
    with pytest.raises(CatalogChangedSince):
        admin.go_back(first.id, ADMIN)
    with pytest.raises(CatalogInvalid):
        admin.save("category", "lamps", {"name": "Lamps", "agency": "nobody",
                                         "tier": "general"}, ADMIN, True)
    with pytest.raises(CatalogInvalid):
        admin.save("district", "cigadung", {"name": "C"}, ADMIN, True)  # a duplicate
    assert len(admin.listing()["changes"]) == 2
    tree = {d["code"]: [s["code"] for s in d["subdistricts"]] for d in admin.districts()}
    assert tree["coblong"] == ["cigadung", "dago", "lebakgede", "sekeloa"]


def test_the_wall_screen_counts_today_in_the_database(service: TicketService) -> None:
    yesterday = MONDAY_10 - timedelta(days=1)
    for n, (kind, category, district, at) in enumerate([
            ("complaint", "roads", "coblong", MONDAY_10),
            ("complaint", "roads", "coblong", MONDAY_10),
            ("handling_request", "utilities", "", MONDAY_10),
            ("complaint", "roads", "cicendo", yesterday)]):
        service.open_ticket(ticket(1_000_100 + n, category, kind=kind, district=district,
                                   received_at=at), actor="x")
    first = ticket_number(1_000_100)
    for status in (Status.IN_PROGRESS, Status.RESOLVED):
        service.change_status(first, status, "agency:pw")
    with service.sessions.begin() as session:
        view = tallies.wallscreen_figures(session, MONDAY_10, "Asia/Jakarta")
    assert (view["day"], view["received"], view["resolved"]) == ("2024-05-06", 3, 1)
    kinds = {k["key"]: (k["received"], k["resolved"]) for k in view["by_kind"]}
    assert kinds["complaint"] == (2, 1) and kinds["handling_request"] == (1, 0)
    assert [(c["key"], c["received"]) for c in view["by_category"]] == [("roads", 2),
                                                                        ("utilities", 1)]
    assert [(d["name"], d["received"]) for d in view["by_district"]] == [("Coblong", 2),
                                                                        ("No district", 1)]
    assert [(t["key"], t["received"]) for t in view["top_month"]] == [("roads", 3),
                                                                      ("utilities", 1)]
    assert date.fromisoformat(view["day"]) == date(2024, 5, 6)


def test_every_kind_saved_reads_back_as_saved_so_going_back_always_matches(
        admin: CatalogAdmin) -> None:
    saves = [("tier", "weekly", {"amount": 7, "unit": "days", "clock_always": True}),
             ("holiday", "2024-08-17", {"name": "Independence Day", "workday": False}),
             ("district", "cigadung", {"name": " Cigadung ", "parent": "coblong"}),
             ("agency", "pw_north", {"name_en": "PW North", "parent": "public_works",
                                     "districts": "sukajadi,cicendo", "email": "n@x.id"}),
             ("category", "lamps", {"name": "Lamps", "agency": "pw_north", "tier": "weekly",
                                    "description": "Street lamps\nout"})]
    changes = [admin.save(kind, code, body, ADMIN, True) for kind, code, body in saves]
    listing = admin.listing()
    for change in changes:
        stored = next(e for e in listing[change.kind] if e["code"] == change.code)
        assert stored == change.after
    for change in reversed(changes[1:]):  # each addition undone: retired or removed
        admin.go_back(change.id, ADMIN)
    with pytest.raises(CatalogInvalid, match="lamps"):  # retired, it may come back
        admin.go_back(changes[0].id, ADMIN)
    listing = admin.listing()
    assert listing["holiday"] == []
    assert next(c for c in listing["category"] if c["code"] == "lamps")["active"] is False
