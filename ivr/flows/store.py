"""Where the flows in use come from, and how an admin changes them safely.

Built-in flows are ``dialplan/flows/<number>.yaml`` in the checkout. An admin's edited flow
is installed into ``<data_dir>/flows/<number>.yaml`` (validated first, the previous version
kept in ``<data_dir>/flows/history/``) and wins over the built-in one. The FastAGI server
asks :meth:`FlowStore.current` at the start of every call: a changed file is reloaded and
checked (an install or a rollback at once, a file edited in place within ``recheck_s``); a
broken one is refused (logged) and the previous flows stay in use. A call keeps
the flow set it started with, so an edit never changes a call already in the menu. Given a
``parsed_dir``, the files in use are also kept parsed there (``parsed.py``): the classic
launcher, a process per call, then needs no YAML parser.

A flow number becomes a file name, so every number the store is given (by an admin, a URL,
or a flow's own ``number:``) must be 1 to 15 digits, else :class:`FlowNumberError`; files are
found by listing a folder and matching an exact pattern, never by a glob built from input.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from .loader import FlowError, load_flow_file, parse_flow
from .model import Flow, FlowIssue, FlowSet
from .parsed import load_flow_file_cached
from .validate import check_flows

log = logging.getLogger(__name__)

SECTION = re.compile(r"^\[([A-Za-z0-9_-]+)\]\s*(\(([^)]*)\))?", re.M)
FLOW_NUMBER = re.compile(r"[0-9]{1,15}")  # an E.164 number has at most 15 digits
FLOW_FILE = re.compile(r"(?P<number>[0-9]{1,15})\.yaml")
HISTORY_FILE = re.compile(r"(?P<number>[0-9]{1,15})-(?P<stamp>[0-9]{8}T[0-9]{6}-[0-9]{9})\.yaml")


class FlowNumberError(ValueError):
    """A flow number that is not 1 to 15 digits: it would not be a safe file name."""


def checked_number(number: str) -> str:
    """``number`` if it is a flow number (1 to 15 digits), else :class:`FlowNumberError`."""
    if not isinstance(number, str) or FLOW_NUMBER.fullmatch(number) is None:
        raise FlowNumberError(f"a flow number is 1 to 15 digits, not {number!r}")
    return number


def flow_files(folder: Path) -> dict[str, Path]:
    """``<number>.yaml`` files of a folder by number; other names are skipped (logged)."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.iterdir()):
        match = FLOW_FILE.fullmatch(path.name)
        if match is not None and path.is_file():
            found[match.group("number")] = path
        elif path.suffix == ".yaml":
            log.warning("flows: %s is not named <number>.yaml, ignored", path)
    return found


def queue_names(queues_conf: str) -> set[str]:
    """The queues a queues.conf defines (not [general], not templates marked ``(!)``)."""
    return {m.group(1) for m in SECTION.finditer(queues_conf)
            if m.group(1) != "general"
            and "!" not in [part.strip() for part in (m.group(3) or "").split(",")]}


class FlowStore:
    def __init__(self, builtin_dir: Path, override_dir: Path, prompt_dirs: list[Path],
                 known_queues: set[str] | None = None, parsed_dir: Path | None = None,
                 recheck_s: float = 0.0) -> None:
        """``recheck_s``: while neither flow folder changed (an install, a rollback, a file
        added or removed: one ``stat`` each), the files themselves are looked at again only
        after this long, so a file edited in place is in use within ``recheck_s``; 0 looks
        at them for every :meth:`current` (listing and ``stat``-ing every file, which was a
        sixth of a FastAGI 112 call's CPU, bench/README.md section 11)."""
        self.builtin_dir = builtin_dir
        self.override_dir = override_dir
        self.history_dir = override_dir / "history"
        self.parsed_dir = parsed_dir  # parsed.py's cache of the files in use, if any
        self.prompt_dirs = prompt_dirs
        self.known_queues = known_queues
        self.recheck_s = recheck_s
        self._signature: tuple[tuple[str, float, int], ...] | None = None
        self._folders: tuple[int, int] | None = None
        self._files_checked_at = 0.0
        self._current: FlowSet | None = None

    def prompt_exists(self, prompt: str, language: str) -> bool:
        return any((d / language / f"{prompt}.wav").is_file() for d in self.prompt_dirs)

    def files(self) -> dict[str, Path]:
        """The file in use for each number: the admin's if installed, else the built-in."""
        return {**flow_files(self.builtin_dir), **flow_files(self.override_dir)}

    def _signature_now(self, files: dict[str, Path]) -> tuple[tuple[str, float, int], ...]:
        stats = []
        for path in files.values():
            st = path.stat()
            stats.append((str(path), st.st_mtime, st.st_size))
        return tuple(sorted(stats))

    def check(self, flows: dict[str, Flow]) -> list[FlowIssue]:
        return [i for i in check_flows(flows, self.prompt_exists, self.known_queues)
                if i.severity == "error"]

    def load(self, files: dict[str, Path] | None = None) -> FlowSet:
        """Load and check the flows in use; :class:`FlowError` if any is unusable."""
        files = self.files() if files is None else files
        flows: dict[str, Flow] = {}
        issues: list[FlowIssue] = []
        for number, path in files.items():
            try:
                flow = (load_flow_file(path) if self.parsed_dir is None
                        else load_flow_file_cached(path, self.parsed_dir))
            except FlowError as exc:
                issues.extend(exc.issues)
                continue
            if flow.number != number:
                issues.append(FlowIssue(str(path), "number",
                                        f"says {flow.number!r} but the file is named {number}"))
            flows[flow.number] = flow
        issues.extend(self.check(flows))
        if issues:
            raise FlowError(issues)
        return FlowSet(flows, version=str(time.time()))

    def current(self) -> FlowSet:
        """The flows for a new call; reloads changed files, keeps the old set if broken."""
        folders = (_mtime_ns(self.builtin_dir), _mtime_ns(self.override_dir))
        now = time.monotonic()
        if (self._current is not None and folders == self._folders
                and now - self._files_checked_at < self.recheck_s):
            return self._current
        self._folders, self._files_checked_at = folders, now
        files = self.files()
        signature = self._signature_now(files)
        if signature != self._signature or self._current is None:
            self._signature = signature
            try:
                self._current = self.load(files)
                log.info("flows loaded: %s", ", ".join(sorted(self._current.flows)))
            except Exception as exc:  # any unusable edit keeps the flows in use
                if self._current is None:
                    raise
                log.error("edited flows refused, the previous ones stay in use:\n%s", exc)
        assert self._current is not None
        return self._current

    # -- admin ---------------------------------------------------------------------------------

    def validate_text(self, text: str, source: str) -> Flow:
        """Check one flow as it would be used beside the others; FlowError if not usable.

        FlowNumberError when the text's ``number:`` is not a flow number.
        """
        flow = parse_flow(text, source)
        checked_number(flow.number)
        others = {n: f for n, f in self._loaded_others(flow.number).items()}
        others[flow.number] = flow
        issues = [i for i in self.check(others) if i.source == source]
        if issues:
            raise FlowError(issues)
        return flow

    def _loaded_others(self, number: str) -> dict[str, Flow]:
        flows = {}
        for other, path in self.files().items():
            if other != number:
                try:
                    flows[other] = load_flow_file(path)
                except FlowError:
                    continue
        return flows

    def install(self, text: str, source: str = "<edit>") -> Flow:
        """Validate and install a flow; the previous version goes to history."""
        flow = self.validate_text(text, source)
        self.override_dir.mkdir(parents=True, exist_ok=True)
        self.history_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**9:09d}"
        (self.history_dir / f"{flow.number}-{stamp}.yaml").write_text(text, encoding="utf-8")
        _atomic_write(self.override_dir / f"{flow.number}.yaml", text)
        log.info("flow %s installed from %s", flow.number, source)
        return flow

    def versions(self, number: str) -> list[Path]:
        """The installed versions of one flow, oldest first."""
        checked_number(number)
        if not self.history_dir.is_dir():
            return []
        matches = [(m, path) for path in self.history_dir.iterdir()
                   if (m := HISTORY_FILE.fullmatch(path.name)) is not None]
        return [path for m, path in sorted(matches, key=lambda pair: pair[0].group("stamp"))
                if m.group("number") == number]

    def rollback(self, number: str) -> str:
        """Back to the version before the one in use; the built-in one when none is left."""
        versions = self.versions(number)  # checks the number
        if not versions:
            raise FlowError([FlowIssue(number, "rollback", "no installed version to roll back")])
        versions[-1].unlink()
        if len(versions) >= 2:
            _atomic_write(self.override_dir / f"{number}.yaml",
                          versions[-2].read_text(encoding="utf-8"))
            return f"flow {number}: back to {versions[-2].name}"
        (self.override_dir / f"{number}.yaml").unlink(missing_ok=True)
        return f"flow {number}: back to the built-in flow"


def _mtime_ns(folder: Path) -> int:
    """When a folder's entries last changed (0 if it is not there)."""
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return 0


def _atomic_write(path: Path, text: str) -> None:
    import tempfile  # the admin's edit only: not on a call's import path

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


StoreFactory = Callable[[], FlowStore]
