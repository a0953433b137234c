"""The escalation report: supervisors see overdue and due-soon tickets per agency."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from web_fixtures import as_user, start_client

from ivr.flows.ports import CallReport
from ivr.web.keys import TICKETS


async def test_escalation_report_lists_due_tickets_for_supervisors_only(tmp_path: Path):
    client = await start_client(tmp_path)
    try:
        desk = client.server.app[TICKETS]
        number = await desk.open_from_call(CallReport("0812", "id", "utilities", None, "u1"))
        # "utilities" is due in 24 h: inside a 48 h window, not inside a 1 h one.
        reply = await client.get("/api/v1/reports/escalations?hours=48",
                                 headers=as_user("sri"))
        assert reply.status == 200
        body = await reply.json()
        assert body["due_soon_count"] == 1 and body["overdue_count"] == 0
        assert [number] == [n for line in body["agencies"] for n in line["due_soon"]]
        narrow = await (await client.get("/api/v1/reports/escalations?hours=1",
                                         headers=as_user("sri"))).json()
        assert narrow["due_soon_count"] == 0
        assert (await client.get("/api/v1/reports/escalations",
                                 headers=as_user("ani"))).status == 403
        assert (await client.get("/api/v1/reports/escalations")).status == 401
        bad = await client.get("/api/v1/reports/escalations?hours=soon", headers=as_user("sri"))
        assert bad.status == 400
        flagged = await desk.escalate(timedelta(hours=48))
        assert flagged == [number]
        assert await desk.escalate(timedelta(hours=48)) == []  # once per ticket
    finally:
        await client.close()
        await asyncio.sleep(0)


async def test_operator_figures_for_supervisors_as_json_csv_and_a_page_and_my_own(
        tmp_path: Path):
    from datetime import UTC, datetime

    from ivr.reports.records import HANDLED, PAUSE, OperatorActivity

    client = await start_client(tmp_path)
    try:
        desk = client.server.app[TICKETS]
        now = datetime.now(UTC)
        # Seconds ago: "my figures" cover the shift running now, which began before them.
        for activity in (OperatorActivity("ani", HANDLED, now - timedelta(seconds=20), 10.0,
                                          queue="hotline", unique_id="c1"),
                         OperatorActivity("ani", PAUSE, now - timedelta(seconds=9), 5.0,
                                          "wrap-up"),
                         OperatorActivity("budi", PAUSE, now - timedelta(seconds=15), 6.0,
                                          "break")):
            await desk.record_operator_activity(activity)
        reply = await client.get("/api/v1/reports/operators", headers=as_user("sri"))
        assert reply.status == 200
        lines = {line["operator"]: line for line in (await reply.json())["lines"]}
        assert (lines["ani"]["handled"], lines["ani"]["wrapup_s"]) == (1, 5.0)
        assert lines["ani"]["average_handle_s"] == 15.0
        assert lines["budi"]["pause_s_by_reason"] == {"break": 6.0}
        csv = await client.get("/api/v1/reports/operators?operator=budi&format=csv",
                               headers=as_user("sri"))
        assert (await csv.text()).splitlines()[1].startswith("budi,0,0,")
        page = await client.get("/reports/operators?operator=ani", headers=as_user("sri"))
        assert page.status == 200 and 'data-operator="ani"' in await page.text()
        bad = await client.get("/api/v1/reports/operators?shift=tea", headers=as_user("sri"))
        assert bad.status == 400
        assert (await client.get("/api/v1/reports/operators",
                                 headers=as_user("ani"))).status == 403
        mine = await client.get("/api/v1/me/figures", headers=as_user("ani"))
        assert mine.status == 200
        body = await mine.json()
        assert body["operator"] == "ani" and body["handled"] == 1
    finally:
        await client.close()
        await asyncio.sleep(0)
