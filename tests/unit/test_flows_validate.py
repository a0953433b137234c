"""Checks of a flow set: references, reachability, dead ends, prompts, emergency rules."""

from pathlib import Path

import pytest

from ivr.flows.loader import load_flow_file
from ivr.flows.model import (
    Action,
    Flow,
    FlowIssue,
    GoToMenu,
    HangUp,
    JoinQueue,
    Menu,
    Play,
    RecordReport,
    SetLanguage,
    SwitchFlow,
    TicketStatus,
    Transfer,
    reachable_menus,
)
from ivr.flows.validate import check_flow, check_flows, menus_that_end

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "dialplan" / "flows"
RECORDINGS = ROOT / "recordings"


def recorded(prompt: str, language: str) -> bool:
    return (RECORDINGS / language / f"{prompt}.wav").is_file()


def real_flows() -> dict[str, Flow]:
    return {p.stem: load_flow_file(p) for p in sorted(FLOWS.glob("*.yaml"))}


def menu(name: str, keys: dict[str, Action] | None = None,
         otherwise: Action | None = None, no_input: Action | None = None,
         prompt: str = "main-menu") -> Menu:
    return Menu(name=name, prompt=prompt, timeout_s=5.0, retries=1, keys=keys or {},
                otherwise=otherwise if otherwise is not None else JoinQueue("hotline"),
                no_input=no_input)


def flow(*menus: Menu, number: str = "777", emergency: bool = False,
         fallback_queue: str = "hotline") -> Flow:
    return Flow(number=number, name=number, start=menus[0].name,
                menus={m.name: m for m in menus}, fallback_queue=fallback_queue,
                emergency=emergency, source=f"{number}.yaml")


def issues_at(issues: list[FlowIssue], where: str) -> list[str]:
    return [i.message for i in issues if i.where == where]


def test_real_flows_have_no_issues() -> None:
    flows = real_flows()
    assert set(flows) == {"112", "12345"}
    known = {"police", "fire", "ambulance", "emergency", "hotline"}
    assert check_flows(flows, recorded, known) == []


def test_a_good_small_flow_has_no_issues() -> None:
    good = flow(menu("a", {"1": GoToMenu("b")}), menu("b"))
    assert check_flow(good, {"777": good}) == []


def test_unreachable_menu() -> None:
    f = flow(menu("a"), menu("orphan"))
    assert reachable_menus(f) == ["a"]
    [message] = issues_at(check_flow(f, {"777": f}), "menus.orphan")
    assert "unreachable" in message


def test_menu_reached_only_through_next_is_reachable() -> None:
    f = flow(menu("a", {"1": Play("goodbye", "b"), "2": RecordReport("roads", "c"),
                        "3": TicketStatus("enter-ticket", "d")},
                  no_input=SetLanguage("en", "e")),
             menu("b"), menu("c"), menu("d"), menu("e"))
    assert reachable_menus(f) == ["a", "b", "c", "d", "e"]  # in the order a caller meets them


def test_dead_end_menu_cycle() -> None:
    f = flow(menu("a", {"1": GoToMenu("loop1")}),
             menu("loop1", otherwise=GoToMenu("loop2")),
             menu("loop2", otherwise=Play("goodbye", "loop1")))
    assert menus_that_end(f) == {"a"}
    issues = check_flow(f, {"777": f})
    assert {i.where for i in issues} == {"menus.loop1", "menus.loop2"}
    assert all("dead end" in i.message for i in issues)


def test_reference_to_a_missing_menu() -> None:
    f = flow(menu("a", {"1": GoToMenu("nowhere")}, no_input=SetLanguage("en", "gone")))
    issues = check_flow(f, {"777": f})
    assert issues_at(issues, "menus.a.keys.1") == ["no menu named 'nowhere'"]
    assert issues_at(issues, "menus.a.no_input") == ["no menu named 'gone'"]


def test_start_menu_missing() -> None:
    f = Flow("777", "x", "nope", {"a": menu("a")}, "hotline", source="777.yaml")
    assert issues_at(check_flow(f, {"777": f}), "start") == ["no menu named 'nope'"]


@pytest.mark.parametrize("action", [HangUp("goodbye"), HangUp(), RecordReport("roads", "a"),
                                    TicketStatus("enter-ticket", "a"), Transfer("12345")])
def test_emergency_flow_may_not_leave_without_a_queue(action: Action) -> None:
    f = flow(menu("a", {"1": action}, otherwise=JoinQueue("emergency", 10)),
             number="112", emergency=True, fallback_queue="emergency")
    [message] = issues_at(check_flow(f, {"112": f}), "menus.a.keys.1")
    assert "emergency path must end in a queue" in message
    assert type(action).__name__ in message


def test_same_actions_are_fine_outside_an_emergency_flow() -> None:
    f = flow(menu("a", {"1": HangUp("goodbye"), "2": Transfer("112")}))
    assert check_flow(f, {"777": f}) == []


def test_emergency_flow_switching_to_a_non_emergency_flow() -> None:
    hotline = flow(menu("m"), number="12345")
    emergency = flow(menu("s", {"9": SwitchFlow("12345")}, otherwise=JoinQueue("emergency")),
                     number="112", emergency=True, fallback_queue="emergency")
    issues = check_flows({"112": emergency, "12345": hotline})
    [message] = issues_at(issues, "menus.s.keys.9")
    assert "only continue in another emergency flow" in message
    assert all(i.source == "112.yaml" for i in issues)


def test_switch_to_emergency_and_to_missing_flow() -> None:
    emergency = flow(menu("s"), number="112", emergency=True, fallback_queue="hotline")
    hotline = flow(menu("m", {"9": SwitchFlow("112"), "8": SwitchFlow("999")}),
                   number="12345")
    issues = check_flows({"112": emergency, "12345": hotline})
    assert issues_at(issues, "menus.m.keys.9") == []
    assert issues_at(issues, "menus.m.keys.8") == ["no flow for number '999'"]


def test_unknown_queue_when_known_queues_given() -> None:
    f = flow(menu("a", {"1": JoinQueue("polce")}))
    assert check_flow(f, {"777": f}) == []  # no queue list: not checked
    [message] = issues_at(check_flow(f, {"777": f}, known_queues={"hotline", "police"}),
                          "menus.a.keys.1")
    assert "unknown queue 'polce'" in message


def test_emergency_fallback_queue_must_be_known() -> None:
    f = flow(menu("a", otherwise=JoinQueue("police")), number="112", emergency=True,
             fallback_queue="emergncy")
    issues = check_flow(f, {"112": f}, known_queues={"police", "emergency"})
    assert issues_at(issues, "fallback_queue") == ["unknown queue 'emergncy'"]


def test_bad_queue_name() -> None:
    f = flow(menu("a", {"1": JoinQueue("Bad Queue")}))
    assert issues_at(check_flow(f, {"777": f}), "menus.a.keys.1") == [
        "bad queue name 'Bad Queue'"]


def test_language_not_in_flow() -> None:
    f = flow(menu("a", {"1": SetLanguage("fr", "a")}))
    [message] = issues_at(check_flow(f, {"777": f}), "menus.a.keys.1")
    assert "'fr'" in message


def test_missing_prompt_for_one_language() -> None:
    def only_indonesian_menu(prompt: str, language: str) -> bool:
        return not (prompt == "new-menu" and language == "en")

    f = flow(menu("a", prompt="new-menu"))
    [issue] = check_flow(f, {"777": f}, only_indonesian_menu)
    assert issue.where == "menus.a.prompt"
    assert "'new-menu'" in issue.message
    assert "has no recording for en (" in issue.message


def test_report_needs_its_ticket_and_digit_prompts() -> None:
    f = flow(menu("a", {"1": RecordReport("roads", "a")}))
    issues = check_flow(f, {"777": f}, lambda p, lang: p != "digits/7")
    [message] = issues_at(issues, "menus.a.keys.1")
    assert "'digits/7'" in message
    assert "id, en" in message


def test_queue_prompt_checked_against_recordings() -> None:
    f = flow(menu("a", {"0": JoinQueue("hotline", prompt="no-such-prompt")}))
    issues = check_flow(f, {"777": f}, recorded)
    assert [i.where for i in issues] == ["menus.a.keys.0"]
