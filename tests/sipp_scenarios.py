"""SIPp scenarios built from small pieces: the SIP that our callers and operators' phones speak.

The tests' citizen (``tests/sipp.py``), the operator's phone (``tests/sipp_operator.py``) and
the end-to-end bench (``bench/e2e_bench.py``) all place or answer the same kind of call. One
builder keeps the INVITE, the SDP and the dialog's headers in one place, so that a change to
them (a codec, a header Asterisk wants) reaches every call. It only makes text: pcap files are
written by the callers, which pass their paths in.

Words in square brackets are SIPp's own keywords, filled in per call (``[call_id]``,
``[len]``, ``[peer_tag_param]``, ``[last_Via:]``...).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# G.711 mu-law only: the speech pcaps we play are mu-law RTP (payload type 0); key presses are
# RFC 4733 events on payload type 101 (tests/dtmf_pcap.py).
MEDIA = (
    "m=audio [media_port] RTP/AVP 0 101",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-16",
)
# SIPp's response-time timer from the INVITE to its 200 OK (read by the bench's -trace_rtt).
SETUP_TIMER = "setup"
RETRANSMIT_MS = "500"  # over UDP SIPp resends a request or a 200 OK until it is answered
_INDENT = " " * 6


@dataclass(frozen=True)
class Caller:
    """Who the calling side says it is.

    ``number`` is the user part of From and Contact, the caller's number Asterisk sees; it may
    hold SIPp keywords, e.g. ``08191[call_number]`` gives each of the bench's calls its own.
    """

    number: str
    name: str = "Citizen"
    headers: tuple[str, ...] = ()  # extra INVITE headers, e.g. "Geolocation: <cid:...>"
    # Behind a proxy (Kamailio): ACK and BYE follow the 200 OK's Record-Route and Contact.
    routed: bool = False


def sdp(origin: str) -> list[str]:
    """A session description with SIPp's media address and our one audio stream (``MEDIA``)."""
    return ["v=0", f"o={origin} 53655765 2353687637 IN IP[local_ip_type] [local_ip]", "s=-",
            "c=IN IP[media_ip_type] [media_ip]", "t=0 0", *MEDIA]


def _element(tag: str, **attributes: str) -> str:
    return f"  <{tag}" + "".join(f' {k}="{v}"' for k, v in attributes.items()) + "/>"


def send(message: Sequence[str], **attributes: str) -> str:
    """A ``<send>`` of one SIP message, its lines as given (an empty line ends the headers)."""
    lines = "\n".join(_INDENT + line if line else "" for line in message)
    opening = _element("send", **attributes)[:-2] + ">"
    return f"{opening}\n    <![CDATA[\n{lines}\n    ]]>\n  </send>"


def recv(**attributes: str) -> str:
    """A ``<recv>``: ``response="200"`` or ``request="BYE"``, with SIPp's other attributes."""
    return _element("recv", **attributes)


def pause(milliseconds: int) -> str:
    return _element("pause", milliseconds=str(milliseconds))


def play_pcap(pcap: Path | str) -> str:
    """Play a pcap's RTP (speech or a key press) to the other side, without waiting for it."""
    return f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>'


def with_body(headers: Sequence[str], body: Sequence[str] = ()) -> list[str]:
    """The headers, then the SDP ``body`` (SIPp counts its ``[len]``) or an empty body."""
    if not body:
        return [*headers, "Content-Length: 0"]
    return [*headers, "Content-Type: application/sdp", "Content-Length: [len]", "", *body]


def scenario(name: str, elements: Iterable[str]) -> str:
    """The whole SIPp scenario file around ``elements`` (from ``send``, ``recv``, ``pause``...)."""
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
            f'<scenario name="{name}">\n' + "\n".join(elements) + "\n</scenario>\n")


# The calling side (UAC): INVITE, ACK, what the caller does, BYE.

def caller_request(method: str, cseq: int, caller: Caller, *, in_dialog: bool) -> list[str]:
    """A request from the caller to the number dialled (``-s``); in the dialog To has a tag."""
    tag = ";tag=[pid]SIPpTag00[call_number]"
    routed = in_dialog and caller.routed
    return [
        f"{method} [next_url] SIP/2.0" if routed else
        f"{method} sip:[service]@[remote_ip]:[remote_port] SIP/2.0",
        *(["[routes]"] if routed else []),
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
        f'From: "{caller.name}" <sip:{caller.number}@[local_ip]:[local_port]>{tag}',
        "To: <sip:[service]@[remote_ip]:[remote_port]>"
        + ("[peer_tag_param]" if in_dialog else ""),
        "Call-ID: [call_id]",
        f"CSeq: {cseq} {method}",
        f"Contact: sip:{caller.number}@[local_ip]:[local_port]",
        "Max-Forwards: 70",
        *(caller.headers if method == "INVITE" else ()),
    ]


def invite(caller: Caller) -> list[str]:
    """The INVITE with our offer, then its answer: provisional replies may come, 200 OK must."""
    request = with_body(caller_request("INVITE", 1, caller, in_dialog=False), sdp("citizen"))
    return [
        send(request, retrans=RETRANSMIT_MS, start_rtd=SETUP_TIMER),
        recv(response="100", optional="true"),
        recv(response="180", optional="true"),
        recv(response="183", optional="true"),
        recv(response="200", rtd=SETUP_TIMER, **({"rrs": "true"} if caller.routed else {})),
    ]


def ack(caller: Caller) -> str:
    return send(with_body(caller_request("ACK", 1, caller, in_dialog=True)))


def bye(caller: Caller) -> list[str]:
    """The caller hangs up and waits for Asterisk's 200 OK."""
    return [send(with_body(caller_request("BYE", 2, caller, in_dialog=True)),
                 retrans=RETRANSMIT_MS),
            recv(response="200", crlf="true")]


def caller_scenario(caller: Caller, actions: Iterable[str], hold_ms: int,
                    name: str = "citizen") -> str:
    """A call that is answered, does ``actions`` (pauses, pcap plays), holds, then hangs up."""
    return scenario(name, [*invite(caller), ack(caller), *actions, pause(hold_ms), *bye(caller)])


# The answering side (UAS): an operator's phone that rings, answers and waits for the BYE.

_OPERATOR_HEADERS = (
    "[last_Via:]",
    "[last_Record-Route:]",  # as phones do: in-dialog requests through a proxy (SIPp drops
    # the line when the INVITE has none)
    "[last_From:]",
    "[last_To:];tag=[pid]SIPpOp[call_number]",
    "[last_Call-ID:]",
    "[last_CSeq:]",
    "Contact: <sip:[local_ip]:[local_port];transport=[transport]>",
)


def ringing() -> str:
    return send(with_body(["SIP/2.0 180 Ringing", *_OPERATOR_HEADERS]))


def answer() -> str:
    """200 OK to the INVITE, with the phone's SDP; resent until Asterisk's ACK comes."""
    return send(with_body(["SIP/2.0 200 OK", *_OPERATOR_HEADERS], sdp("operator")),
                retrans=RETRANSMIT_MS)


def hung_up() -> list[str]:
    """Asterisk ends the call (the caller left, or the operator's part is over): 200 OK."""
    reply = ["SIP/2.0 200 OK", "[last_Via:]", "[last_From:]", "[last_To:]", "[last_Call-ID:]",
             "[last_CSeq:]"]
    return [recv(request="BYE"), send(with_body(reply))]


def operator_scenario(answer_after_ms: int) -> str:
    """A phone that rings for ``answer_after_ms``, answers and stays on until Asterisk hangs up."""
    return scenario("operator", [recv(request="INVITE", crlf="true"), ringing(),
                                 pause(answer_after_ms), answer(),
                                 recv(request="ACK", crlf="true"), *hung_up()])


def unanswered_scenario() -> str:
    """A phone that rings and is never answered: Asterisk gives up with a CANCEL (487)."""
    reply = ["[last_Via:]", "[last_From:]", "[last_To:];tag=[pid]SIPpOp[call_number]",
             "[last_Call-ID:]"]
    return scenario("unanswered", [
        recv(request="INVITE", crlf="true"), ringing(), recv(request="CANCEL"),
        send(with_body(["SIP/2.0 200 OK", *reply, "[last_CSeq:]"])),
        send(with_body(["SIP/2.0 487 Request Terminated", *reply,
                        "CSeq: [last_cseq_number] INVITE"])),
        recv(request="ACK")])


def busy_scenario() -> str:
    """A phone that refuses every call at once with 486 Busy Here (an operator on another
    line): the queue tries the others, or this one again after its retry time."""
    reply = ["[last_Via:]", "[last_From:]", "[last_To:];tag=[pid]SIPpOp[call_number]",
             "[last_Call-ID:]", "[last_CSeq:]"]
    return scenario("busy", [
        recv(request="INVITE", crlf="true"),
        send(with_body(["SIP/2.0 486 Busy Here", *reply])), recv(request="ACK")])


def answer_and_press_scenario(answer_after_ms: int,
                              presses: Sequence[tuple[int, Path | str]]) -> str:
    """A phone that answers, then plays each DTMF capture after its pause (ms, pcap), and
    stays on until Asterisk hangs up (a citizen answering a follow-up call)."""
    keys = [part for wait_ms, pcap in presses for part in (pause(wait_ms), play_pcap(pcap))]
    return scenario("answer-and-press", [
        recv(request="INVITE", crlf="true"), ringing(), pause(answer_after_ms), answer(),
        recv(request="ACK", crlf="true"), *keys, *hung_up()])


def answer_and_hang_up_scenario(answer_after_ms: int, hold_ms: int) -> str:
    """A phone that answers, stays on for ``hold_ms`` and hangs up itself (a BYE of its own:
    From is the INVITE's To with our tag, To is the INVITE's From)."""
    keep = ('  <recv request="INVITE" crlf="true"><action>'
            '<ereg regexp=".*" search_in="hdr" header="From:" assign_to="them"/>'
            '<ereg regexp=".*" search_in="hdr" header="To:" assign_to="us"/>'
            '<ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="peer"/>'
            '</action></recv>')
    bye = ["BYE [$peer] SIP/2.0",
           "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
           "From: [$us];tag=[pid]SIPpOp[call_number]", "To: [$them]", "[last_Call-ID:]",
           "CSeq: 1 BYE", "Max-Forwards: 70"]
    return scenario("answer-and-hang-up", [
        keep, ringing(), pause(answer_after_ms), answer(), recv(request="ACK", crlf="true"),
        pause(hold_ms), send(with_body(bye), retrans=RETRANSMIT_MS), recv(response="200")])


# A phone that registers (the admin's new operator): the registration is the main scenario,
# the calls Asterisk makes to it are out-of-call messages (SIPp's -oocsf).

def _register(username: str, cseq: int, authenticated: bool) -> list[str]:
    return with_body([
        "REGISTER sip:[remote_ip]:[remote_port] SIP/2.0",
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
        f"From: <sip:{username}@[remote_ip]>;tag=[pid]SIPpReg[call_number]",
        f"To: <sip:{username}@[remote_ip]>", "Call-ID: [call_id]", f"CSeq: {cseq} REGISTER",
        f"Contact: <sip:{username}@[local_ip]:[local_port]>", "Expires: 600",
        "Max-Forwards: 70", *(["[authentication]"] if authenticated else [])])


def register_scenario(username: str, stay_ms: int) -> str:
    """REGISTER, answer the digest challenge (SIPp's -au/-ap), then stay up ``stay_ms``."""
    return scenario("register", [
        send(_register(username, 1, False), retrans=RETRANSMIT_MS),
        recv(response="401", auth="true"),
        send(_register(username, 2, True), retrans=RETRANSMIT_MS),
        recv(response="200"), pause(stay_ms)])


def registered_phone_scenario(answer_after_ms: int) -> str:
    """What a registered phone answers: Asterisk's OPTIONS (qualify) get 200 OK; a call rings
    ``answer_after_ms``, is answered and stays on until Asterisk hangs up."""
    options_ok = ["SIP/2.0 200 OK", "[last_Via:]", "[last_From:]",
                  "[last_To:];tag=[pid]SIPpOp[call_number]", "[last_Call-ID:]", "[last_CSeq:]"]
    return scenario("registered-phone", [
        recv(request="OPTIONS", optional="true", next="options"),
        recv(request="INVITE", crlf="true"), ringing(), pause(answer_after_ms), answer(),
        recv(request="ACK", crlf="true"), *hung_up(), _element("nop", next="done"),
        '  <label id="options"/>', send(with_body(options_ok)), '  <label id="done"/>'])


# The simulated day (tests/day_run.py): callers with patience and operators with drawn
# handle times. Both sides log what happened with SIPp's own clock ([timestamp], epoch
# seconds, in the file of -trace_logs): the ground truth the day compares our figures with.

def mark(what: str) -> str:
    """A line ``<what> <date> <time> <epoch>`` in SIPp's log file (-trace_logs)."""
    return f'  <nop><action><log message="{what} [timestamp]"/></action></nop>'


def patient_caller_scenario(caller: Caller, actions: Iterable[str], patience_ms: int) -> str:
    """A caller who does ``actions`` (key presses), then waits: for Asterisk's BYE (the
    operator ended the call), or ``patience_ms`` and hangs up. Logged: ``invite``, ``queued``
    (after the actions), ``ended`` (Asterisk hung up) or ``gave-up`` (they did)."""
    reply = ["SIP/2.0 200 OK", "[last_Via:]", "[last_From:]", "[last_To:]", "[last_Call-ID:]",
             "[last_CSeq:]"]
    return scenario("patient-citizen", [
        mark("invite"), *invite(caller), ack(caller), *actions, mark("queued"),
        recv(request="BYE", timeout=str(patience_ms), ontimeout="gone"),
        mark("ended"), send(with_body(reply), next="done"),
        '  <label id="gone"/>', mark("gave-up"), *bye(caller), '  <label id="done"/>'])


def day_operator_scenario(ring_ms: int, talk_mu: float, talk_sigma: float) -> str:
    """An operator's phone for the simulated day: rings ``ring_ms``, answers, talks for a
    lognormal time (SIPp's ``distribution``: exp(N(mu, sigma)) milliseconds) and hangs up.
    A CANCEL while ringing (the caller gave up) is answered 200 + 487. Logged: ``offered
    <caller>`` and ``answered <caller>`` (the caller's number from the INVITE's From)."""
    keep = ('  <recv request="INVITE" crlf="true"><action>'
            '<ereg regexp=".*" search_in="hdr" header="From:" assign_to="them"/>'
            '<ereg regexp="sip:([^@>;]*)@" search_in="hdr" header="From:" '
            'assign_to="junk,caller"/>'
            '<ereg regexp=".*" search_in="hdr" header="To:" assign_to="us"/>'
            '<ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="peer"/>'
            '</action></recv>')
    tagged = ["[last_Via:]", "[last_From:]", "[last_To:];tag=[pid]SIPpOp[call_number]",
              "[last_Call-ID:]"]
    hang_up = ["BYE [$peer] SIP/2.0",
               "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
               "From: [$us];tag=[pid]SIPpOp[call_number]", "To: [$them]", "[last_Call-ID:]",
               "CSeq: 1 BYE", "Max-Forwards: 70"]
    return scenario("day-operator", [
        keep, ringing(), mark("offered [$caller] from [$junk]"),  # SIPp wants $junk used
        recv(request="CANCEL", timeout=str(ring_ms), ontimeout="answer"),
        send(with_body(["SIP/2.0 200 OK", *tagged, "[last_CSeq:]"])),
        send(with_body(["SIP/2.0 487 Request Terminated", *tagged,
                        "CSeq: [last_cseq_number] INVITE"])),
        recv(request="ACK", next="done"),
        '  <label id="answer"/>', answer(), recv(request="ACK", crlf="true"),
        mark("answered [$caller]"),
        _element("pause", distribution="lognormal", mean=f"{talk_mu:.4f}",
                 stdev=f"{talk_sigma:.4f}"),
        mark("hung-up [$caller]"),
        send(with_body(hang_up), retrans=RETRANSMIT_MS), recv(response="200"),
        '  <label id="done"/>'])
