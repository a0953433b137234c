"""Ports for the tests' servers, never in the kernel's ephemeral range.

A port the kernel hands out for ``bind(0)`` is in the same range as the source ports of
every outgoing connection (redis clients, HTTP, AMI), so a port picked that way can be taken
by someone's connection before Asterisk binds it (seen: "Unable to bind AMI server ...
Address already in use"). These ports come from 10000-19999 instead, in lanes of 1000: one
per xdist worker (`make test` runs the integration tests on two), else one from the process
id, so two test processes on one machine seldom look in the same lane. Asterisk's RTP ports
are from 20000 on (``rtp_block``), below the ephemeral range too.
"""

from __future__ import annotations

import os
import random
import socket
from itertools import count

LISTEN_FROM, LANE_WIDTH, LANES = 10000, 1000, 10
RTP_FROM, RTP_LANE_WIDTH, RTP_LANES = 20000, 400, 30  # 20000-31999, under 32768

_given: set[int] = set()  # handed out by this process: never twice
_rtp_blocks = count()


def lane() -> int:
    """This test process's number: the xdist worker's ("gw1" -> 1), else from the pid."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") else os.getpid()


def _bindable(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free(needs: tuple[tuple[int, int], ...], step: int = 1) -> int:
    """A port of this process's lane, not handed out before, where each of ``needs``
    (offset, socket kind) can be bound now: port + offset for that kind."""
    first = LISTEN_FROM + LANE_WIDTH * (lane() % LANES)
    span = max(offset for offset, _ in needs) + 1
    for _ in range(LANE_WIDTH * 4):
        port = random.randrange(first, first + LANE_WIDTH - span, step)
        taken = {port + offset for offset, _ in needs}
        if taken & _given:
            continue
        if all(_bindable(port + offset, kind) for offset, kind in needs):
            _given.update(taken)
            return port
    raise RuntimeError(f"no free port in {first}-{first + LANE_WIDTH - 1}")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A free TCP (or, with ``SOCK_DGRAM``, UDP) port."""
    return _free(((0, kind),))


def free_tcp_and_udp_port() -> int:
    """A port free for both TCP and UDP (a SIP listener)."""
    return _free(((0, socket.SOCK_STREAM), (0, socket.SOCK_DGRAM)))


def media_port() -> int:
    """An even UDP port with the next two free too (a SIPp's RTP, RTCP and second stream)."""
    return _free(tuple((offset, socket.SOCK_DGRAM) for offset in range(3)), step=2)


def rtp_block() -> int:
    """The first of 100 RTP ports for the next Asterisk this process starts."""
    return RTP_FROM + RTP_LANE_WIDTH * (lane() % RTP_LANES) + 100 * (next(_rtp_blocks) % 4)
