"""Flow YAML → Flow objects: the real files parse, every problem is named with its place."""

from pathlib import Path

import pytest

from ivr.flows.loader import FlowError, load_flow_file, parse_flow
from ivr.flows.model import (
    FlowIssue,
    GoToMenu,
    HangUp,
    JoinQueue,
    RecordReport,
    SetLanguage,
    SwitchFlow,
    TicketStatus,
)
from ivr.flows.tree import menu_tree

FLOWS = Path(__file__).resolve().parents[2] / "dialplan" / "flows"


def flow_text(menu_body: str, head: str = "") -> str:
    """A one-menu flow; ``menu_body`` is the menu's fields, indented by 4."""
    return (f'number: "777"\nstart: m\nfallback_queue: hotline\n{head}menus:\n'
            f"  m:\n{menu_body}")


GOOD_MENU = ("    prompt: main-menu\n"
             "    keys:\n"
             '      "1": {queue: hotline}\n'
             "    otherwise: {queue: hotline}\n")


def issues_of(text: str) -> list[FlowIssue]:
    with pytest.raises(FlowError) as caught:
        parse_flow(text, "edit.yaml")
    assert str(caught.value)  # the message lists the issues
    return caught.value.issues


def test_real_112_parses() -> None:
    flow = load_flow_file(FLOWS / "112.yaml")
    assert flow.number == "112"
    assert flow.emergency is True
    assert flow.start == "service"
    assert flow.fallback_queue == "emergency"
    service = flow.menus["service"]
    assert service.timeout_s == 5.0
    assert service.retries == 1
    assert service.keys == {"1": JoinQueue("police", 10), "2": JoinQueue("fire", 10),
                            "3": JoinQueue("ambulance", 10)}
    assert service.otherwise == JoinQueue("emergency", 10)
    assert flow.source.endswith("112.yaml")


def test_real_12345_parses() -> None:
    flow = load_flow_file(FLOWS / "12345.yaml")
    assert flow.number == "12345"
    assert flow.emergency is False
    assert flow.languages == ("id", "en")
    assert flow.default_language == "id"
    assert set(flow.menus) == {"language", "main", "report", "after_report"}
    language = flow.menus["language"]
    assert language.keys["2"] == SetLanguage("en", "main")
    assert language.no_input == SetLanguage("id", "main")
    main = flow.menus["main"]
    assert main.keys["1"] == GoToMenu("report")
    assert main.keys["2"] == TicketStatus("enter-ticket", "main", 2)
    assert main.keys["0"] == JoinQueue("hotline", 0, "connecting-operator")
    assert main.keys["9"] == SwitchFlow("112")
    assert flow.menus["report"].keys["3"] == RecordReport("environment", "after_report")
    assert flow.menus["after_report"].no_input == HangUp("goodbye")


def test_defaults_when_optional_fields_are_left_out() -> None:
    flow = parse_flow(flow_text(GOOD_MENU), "edit.yaml")
    menu = flow.menus["m"]
    assert (menu.timeout_s, menu.retries) == (5.0, 2)
    assert (menu.invalid_prompt, menu.no_input_prompt) == ("invalid-choice", "no-input")
    assert menu.no_input is None
    assert flow.name == "777"
    assert flow.languages == ("id", "en")
    assert flow.emergency is False


def test_duplicate_digit_is_refused_with_file_and_line() -> None:
    text = flow_text("    prompt: main-menu\n"
                     "    keys:\n"
                     '      "1": {queue: hotline}\n'
                     '      "1": {queue: police}\n'   # line 9
                     "    otherwise: {queue: hotline}\n")
    with pytest.raises(FlowError) as caught:
        parse_flow(text, "dialplan/flows/777.yaml")
    assert "dialplan/flows/777.yaml:9" in str(caught.value)
    assert "used twice" in str(caught.value)
    [issue] = caught.value.issues
    assert issue.line == 9


def test_same_digit_quoted_and_unquoted_is_refused() -> None:
    text = flow_text("    prompt: main-menu\n"
                     "    keys:\n"
                     "      1: {queue: hotline}\n"
                     '      "1": {queue: police}\n'
                     "    otherwise: {queue: hotline}\n")
    with pytest.raises(FlowError):
        parse_flow(text, "edit.yaml")


@pytest.mark.parametrize(
    ("keys_line", "where", "words"),
    [
        ('      "1": {dial: hotline}', "menus.m.keys.1", "needs exactly one action"),
        ('      "1": {queue: hotline, colour: red}', "menus.m.keys.1", "unknown option(s) colour"),
        ('      "1": {queue: hotline, menu: m}', "menus.m.keys.1", "needs exactly one action"),
        ('      "10": {queue: hotline}', "menus.m.keys.10", "a key is one of 0-9"),
        ("      10: {queue: hotline}", "menus.m.keys.10", "a key is one of 0-9"),
        ('      "1": hotline', "menus.m.keys.1", "must be a mapping"),
        ('      "1": {language: en}', "menus.m.keys.1", "'language'"),
        ('      "1": {queue: hotline, priority: high}', "menus.m.keys.1", "'queue'"),
    ],
)
def test_bad_key_or_action_names_its_place(keys_line: str, where: str, words: str) -> None:
    text = flow_text("    prompt: main-menu\n"
                     "    keys:\n"
                     f"{keys_line}\n"
                     "    otherwise: {queue: hotline}\n")
    [issue] = issues_of(text)
    assert issue.where == where
    assert words in issue.message
    assert issue.line == 8  # the line of the key
    assert issue.source == "edit.yaml"


def test_missing_prompt_is_reported_at_the_menu() -> None:
    [issue] = issues_of(flow_text("    otherwise: {queue: hotline}\n"))
    assert (issue.where, issue.line) == ("menus.m", 5)
    assert "missing 'prompt'" in issue.message


def test_missing_otherwise_is_reported_at_the_menu() -> None:
    [issue] = issues_of(flow_text("    prompt: main-menu\n"))
    assert (issue.where, issue.line) == ("menus.m", 5)
    assert "missing 'otherwise'" in issue.message


@pytest.mark.parametrize("timeout", ["0", "31", "-1"])
def test_timeout_out_of_range(timeout: str) -> None:
    [issue] = issues_of(flow_text(GOOD_MENU + f"    timeout: {timeout}\n"))
    assert issue.where == "menus.m.timeout"
    assert issue.line == 10


def test_timeout_that_is_not_a_number() -> None:
    [issue] = issues_of(flow_text(GOOD_MENU + "    timeout: soon\n"))
    assert issue.where == "menus.m.timeout"


@pytest.mark.parametrize("timeout", ["0.5", "30"])
def test_timeout_in_range(timeout: str) -> None:
    flow = parse_flow(flow_text(GOOD_MENU + f"    timeout: {timeout}\n"), "edit.yaml")
    assert flow.menus["m"].timeout_s == float(timeout)


def test_retries_out_of_range() -> None:
    [issue] = issues_of(flow_text(GOOD_MENU + "    retries: 6\n"))
    assert issue.where == "menus.m.retries"


def test_unknown_menu_field_and_flow_field() -> None:
    issues = issues_of(flow_text(GOOD_MENU + "    colour: red\n", head="owner: me\n"))
    assert {(i.where, i.line) for i in issues} == {("menus.m.colour", 11), ("owner", 4)}


def test_missing_required_flow_fields() -> None:
    issues = issues_of("name: nothing\n")
    assert {i.where for i in issues} == {"number", "start", "menus", "fallback_queue"}


def test_several_problems_are_reported_together() -> None:
    text = flow_text("    keys:\n"
                     '      "1": {dial: hotline}\n'
                     '      "10": {queue: hotline}\n'
                     '      "2": {queue: hotline, colour: red}\n'
                     "    timeout: 99\n")
    issues = issues_of(text)
    assert {i.where for i in issues} == {
        "menus.m.keys.1", "menus.m.keys.10", "menus.m.keys.2", "menus.m", "menus.m.timeout"}
    assert sum(i.where == "menus.m" for i in issues) == 2  # no prompt, no otherwise
    assert all(i.source == "edit.yaml" for i in issues)
    message = str(FlowError(issues))
    assert message.count("\n") == len(issues) - 1


def test_broken_yaml_names_the_line() -> None:
    [issue] = issues_of('number: "777"\nmenus: [unclosed\n')
    assert issue.where == "yaml"
    assert issue.line is not None


def test_a_file_that_is_not_a_mapping() -> None:
    [issue] = issues_of("- just\n- a list\n")
    assert issue.where == "file"


def test_keys_as_a_list_is_a_flow_error() -> None:
    text = flow_text("    prompt: main-menu\n    keys: [1, 2]\n    otherwise: {queue: hotline}\n")
    with pytest.raises(FlowError):
        parse_flow(text, "edit.yaml")


def test_empty_languages_is_a_flow_error() -> None:
    with pytest.raises(FlowError):
        parse_flow(flow_text(GOOD_MENU, head="languages: []\n"), "edit.yaml")


def test_real_flows_as_a_menu_tree() -> None:
    tree = menu_tree(load_flow_file(FLOWS / "12345.yaml")).splitlines()
    assert tree[0] == "12345 - Citizen hotline 12345 (languages: id, en; fallback queue: hotline)"
    menus = [line.split("]")[0].strip(" [") for line in tree if line.startswith("  [")]
    assert menus == ["language", "main", "report", "after_report"]
    assert "    9  -> continue in flow 112" in tree
    assert "    no key -> goodbye, hang up" in tree
    emergency = menu_tree(load_flow_file(FLOWS / "112.yaml"))
    assert "    2  -> queue fire (priority 10)" in emergency.splitlines()
