"""The wall screen's figures from database tallies (pure, exact numbers)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ivr.reports.wallscreen import Names, Tally, today_and_month, wallscreen_view

NAMES = Names({"consultation": "Consultation", "handling_request": "Handling request",
               "complaint": "Complaint"},
              {"roads": "Roads", "utilities": "Water, electricity and gas", "hazard": "Danger"},
              {"coblong": "Coblong", "cicendo": "Cicendo"})


def test_city_day_and_month_in_the_city_time_zone() -> None:
    # 31 May 18:30 UTC is already 1 June in Jakarta (UTC+7).
    today, month = today_and_month(datetime(2024, 5, 31, 18, 30, tzinfo=UTC), "Asia/Jakarta")
    assert (today.first, month.first, month.last) == (date(2024, 6, 1), date(2024, 6, 1),
                                                      date(2024, 6, 1))
    assert today.start == datetime(2024, 5, 31, 17, 0, tzinfo=UTC)
    _, may = today_and_month(datetime(2024, 5, 20, 3, 0, tzinfo=UTC), "Asia/Jakarta")
    assert may.start == datetime(2024, 4, 30, 17, 0, tzinfo=UTC)
    assert may.end == datetime(2024, 5, 20, 17, 0, tzinfo=UTC)


def test_today_by_kind_category_and_district_and_the_month_s_top() -> None:
    received = [Tally("complaint", "roads", "coblong", 3),
                Tally("handling_request", "roads", "", 2),
                Tally("handling_request", "utilities", "cicendo", 4),
                Tally("consultation", "hazard", "coblong", 1)]
    resolved = [Tally("handling_request", "utilities", "cicendo", 1),
                Tally("complaint", "roads", "coblong", 2)]
    month = [Tally("", "roads", "", 40), Tally("", "utilities", "", 12),
             Tally("", "hazard", "", 12), Tally("", "gone", "", 1)]
    today, _ = today_and_month(datetime(2024, 5, 6, 3, 0, tzinfo=UTC), "Asia/Jakarta")
    view = wallscreen_view(received, resolved, month, NAMES, today, top=3)
    assert (view["day"], view["month"], view["received"], view["resolved"]) == (
        "2024-05-06", "2024-05", 10, 3)
    assert [(k["key"], k["received"], k["resolved"]) for k in view["by_kind"]] == [
        ("consultation", 1, 0), ("handling_request", 6, 1), ("complaint", 3, 2)]  # all kinds
    assert [(c["key"], c["received"], c["resolved"]) for c in view["by_category"]] == [
        ("roads", 5, 2), ("utilities", 4, 1), ("hazard", 1, 0)]
    assert [(d["name"], d["received"], d["resolved"]) for d in view["by_district"]] == [
        ("Coblong", 4, 2), ("Cicendo", 4, 1), ("No district", 2, 0)]
    # A tie (12 and 12) goes by name; only the top three.
    assert [(t["name"], t["received"]) for t in view["top_month"]] == [
        ("Roads", 40), ("Danger", 12), ("Water, electricity and gas", 12)]


def test_a_quiet_day_lists_every_kind_at_zero() -> None:
    today, _ = today_and_month(datetime(2024, 5, 6, 3, 0, tzinfo=UTC), "Asia/Jakarta")
    view = wallscreen_view([], [], [], NAMES, today)
    assert [(k["key"], k["received"], k["resolved"]) for k in view["by_kind"]] == [
        ("consultation", 0, 0), ("handling_request", 0, 0), ("complaint", 0, 0)]
    assert (view["by_category"], view["by_district"], view["top_month"]) == ([], [], [])
