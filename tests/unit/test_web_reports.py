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
