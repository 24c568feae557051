"""`onething demo`'s supervision scene (电子监察): one step runs late, and its yellow and red
notices arrive over SMTP and a webhook, once each, with the calendar's working-day figures.

The scene starts a real SMTP server (aiosmtpd) and a real HTTP receiver on 127.0.0.1, routes
the notices of the late step's department to them (a copy of the catalogue, for the scene
only: nothing is sent to the addresses of `departments.yaml`), submits a sample, leaves one
parallel step untouched and approves the others, then sweeps as of instants read off the
step's ladder on the working calendar — just after the yellow mark, just after the red mark,
and that moment again to show that nothing fires twice. Those sweeps look at the scene's own
case only: the user's cases in the same database are never swept as of the scene's future
instants. It prints what arrived, checks each figure against
`WorkingCalendar.working_days_between` (what `onething calendar between` prints) and each
webhook's HMAC signature, and finally finishes the case so that nothing of the scene is left
open for later sweeps.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import re
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from engine.app import catalogue, definitions_root
from engine.calendar import WorkingCalendar
from engine.cases.service import CaseService
from engine.definitions.catalogue import Catalogue, Channel, ChannelKind
from engine.definitions.escalation import Level
from engine.driver import Driver, signers_for
from engine.errors import OnethingError
from engine.escalation.ladder import marks
from engine.escalation.sweep import Supervision, SweepReport
from engine.notify.dispatch import Dispatcher
from engine.notify.notice import NoticeKind, WorkingTime
from engine.notify.render import LANGUAGES, SHANGHAI
from engine.notify.retry import RetryPolicy
from engine.notify.signature import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

Echo = Callable[[str], None]

SAMPLE = "utility-external-works-long.json"
LATE_STEP = "road-occupation"  # the step left to run late; its department's notices are routed
SECRET_ENV = "ONETHING_DEMO_WEBHOOK_SECRET"
SENDER = "onething-demo@localhost"
LEVELS = (NoticeKind.YELLOW.value, NoticeKind.RED.value)
CHANNELS = ("email", "webhook")
# Short retries: the receivers are local, and a sweep may also reach the case's other clocks'
# channels.
QUICK = RetryPolicy(max_attempts=2, base_delay=0.1, max_delay=0.5, total_seconds=5)
_KINDS = {tag: kind for kind, tag in LANGUAGES["zh"].kinds.items()}


@dataclass(frozen=True)
class Arrival:
    """One notice as it arrived: over which channel, at which level, with which figures."""

    channel: str  # email | webhook
    to: str  # the address or URL it was sent to
    level: str  # the notice kind: yellow, red, …
    subject: str
    case_id: str
    step_id: str | None
    due: dt.datetime | None  # the due time the notice states
    figure: str  # the notice's own words: 剩余时间：… / 已超期：… (empty when it has none)
    remaining: WorkingTime | None
    overdue: WorkingTime | None
    signed: bool | None = None  # a webhook: whether its HMAC signature verified


@dataclass
class SceneResult:
    """What the scene saw: the case, every notice of its late step that arrived, and checks."""

    case_id: str
    arrivals: list[Arrival] = field(default_factory=list)
    others: list[Arrival] = field(default_factory=list)  # other clocks' notices that arrived
    repeated: int = 0  # levels fired by the repeated sweep (0: nothing fired twice)
    problems: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[tuple[str, str], int]:
        """(level, channel) → how many notices arrived."""
        return dict(Counter((a.level, a.channel) for a in self.arrivals))

    def summary(self) -> str:
        """`yellow: 1 email, 1 webhook; red: 1 email, 1 webhook`."""
        counts = self.counts
        return "; ".join(
            f"{level}: " + ", ".join(f"{counts.get((level, c), 0)} {c}" for c in CHANNELS)
            for level in LEVELS
        )


# -- the local mailbox and receiver -----------------------------------------------------------


class _Mailbox:
    """An aiosmtpd handler that keeps every mail."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"


@dataclass(frozen=True)
class _Request:
    headers: dict[str, str]
    body: bytes


class _Receiver:
    """An HTTP server in a thread that answers every POST with 200 and keeps it."""

    def __init__(self) -> None:
        self.requests: list[_Request] = []
        lock = threading.Lock()
        kept = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    kept.append(_Request(dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _listening() -> Iterator[tuple[_Mailbox, int, _Receiver]]:
    """The SMTP server and the HTTP receiver, both stopped on the way out, whatever happens."""
    from aiosmtpd.controller import Controller

    mailbox, port = _Mailbox(), _free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    receiver = _Receiver()
    smtp.start()
    try:
        receiver.start()
        try:
            yield mailbox, port, receiver
        finally:
            receiver.stop()
    finally:
        smtp.stop()


@contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) environment variables for the scene; restore them after."""
    saved = {name: os.environ.get(name) for name in values}

    def put(settings: Mapping[str, str | None]) -> None:
        for name, value in settings.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    try:
        put(values)
        yield
    finally:
        put(saved)


def routed(found: Catalogue, department: str, *, mail_to: str, hook_url: str) -> Catalogue:
    """A copy of the catalogue in which every role of `department` is told by one e-mail to
    `mail_to` and one webhook to `hook_url` (signed with the secret in `SECRET_ENV`)."""
    pair = (
        Channel(kind=ChannelKind.EMAIL, address=mail_to),
        Channel(kind=ChannelKind.WEBHOOK, url=hook_url, secret_env=SECRET_ENV),
    )
    unit = found.departments[department]
    channels = {role: pair for role in ("default", *unit.roles)}
    departments = {**found.departments, department: unit.model_copy(update={"channels": channels})}
    return found.model_copy(update={"departments": departments})


# -- the scene --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Figures:
    """What the calendar says of the step's clock at one sweep's instant."""

    at: dt.datetime
    due: dt.datetime
    remaining: WorkingTime
    overdue: WorkingTime
    between: str  # the `onething calendar between` command giving the working days
    days: int  # what it prints


def run_scene(service: CaseService, *, echo: Echo) -> SceneResult:
    """Run the supervision scene on `service`'s database; raises if a check fails."""
    echo("\nSupervision (电子监察): a step runs late")
    with _listening() as (mailbox, smtp_port, receiver):
        application = json.loads((definitions_root() / "samples" / SAMPLE).read_text("utf-8"))
        workflow = service.workflows(application["workflow"], None)
        department = workflow.step(LATE_STEP).department
        mail_to = f"{department}@onething-demo.invalid"
        scene = routed(catalogue(), department, mail_to=mail_to, hook_url=receiver.url)
        echo(
            f"  the demo routes the notices of {department} "
            f"({scene.departments[department].name}) to its own local mailbox "
            f"(SMTP 127.0.0.1:{smtp_port}, {mail_to}) and receiver ({receiver.url}), "
            "instead of the channels of departments.yaml; all mail of the scene goes to that "
            "local SMTP server"
        )
        secret = secrets.token_hex(16)
        env: dict[str, str | None] = {
            "ONETHING_SMTP_HOST": "127.0.0.1",
            "ONETHING_SMTP_PORT": str(smtp_port),
            "ONETHING_SMTP_FROM": SENDER,
            "ONETHING_SMTP_STARTTLS": None,
            "ONETHING_SMTP_USER": None,
            "ONETHING_SMTP_PASSWORD": None,
            SECRET_ENV: secret,
        }
        with _environment(env):
            supervision = Supervision(service, catalogue=scene, dispatcher=Dispatcher(policy=QUICK))
            driver = Driver(service)
            view = driver.accept(service.submit(workflow.id, application), workflow)
            result = SceneResult(case_id=view["id"])
            try:
                expected = _late_step(service, supervision, driver, result, echo)
            finally:
                _finish(service, driver, result.case_id, echo)
        arrived = _arrivals(mailbox, receiver, secret, mail_to)
    for found in arrived:
        own = found.case_id == result.case_id and found.step_id == LATE_STEP
        (result.arrivals if own else result.others).append(found)
    _check(result, expected, echo)
    if result.problems:
        raise OnethingError("supervision scene: " + "; ".join(result.problems))
    return result


def _late_step(
    service: CaseService,
    supervision: Supervision,
    driver: Driver,
    result: SceneResult,
    echo: Echo,
) -> dict[str, _Figures]:
    """Approve every parallel step but the late one, then sweep as of its ladder's marks.
    Returns what the calendar says at each level's sweep."""
    case_id = result.case_id
    case = service.load(case_id)
    workflow = service.workflows(case.workflow_id, case.workflow_version)
    others = [s for s in driver.open_steps(service.show(case_id)) if s != LATE_STEP]
    for step_id in others:
        for name in signers_for(workflow.step(step_id)):
            service.act(case_id, "approve", actor=name, args={"step": step_id})
    echo(f"  case {case_id}: {LATE_STEP} left untouched; approved {', '.join(others)}")

    case = service.load(case_id)
    clock = case.steps[LATE_STEP].clock
    if clock is None:
        raise OnethingError(f"case {case_id}: step {LATE_STEP!r} has no clock")
    calendar = service.calendars.get(case.calendar)
    now = service.clock()
    ladder = workflow.ladder_for(workflow.step(LATE_STEP))
    found = {m.level: m.at for m in marks(clock, ladder, calendar, now)}
    yellow, red = found[Level.YELLOW], found[Level.RED]
    due = clock.read(calendar, now).due
    echo(
        f"  {LATE_STEP} ({clock.limit}) due {_moment(due, calendar)}; its ladder: "
        f"yellow {_moment(yellow, calendar)}, red {_moment(red, calendar)}"
    )
    after_yellow = yellow + min(dt.timedelta(minutes=1), (red - yellow) / 2)
    after_red = red + dt.timedelta(minutes=1)
    sweep = partial(_sweep, supervision, case_id, calendar=calendar, echo=echo)
    sweep(after_yellow, "just after the yellow mark")
    sweep(after_red, "just after the red mark")
    again = sweep(after_red, "again, the same moment")
    result.repeated = len(again.fired)
    if again.fired:
        result.problems.append(f"the repeated sweep fired {len(again.fired)} level(s) again")
    return {
        NoticeKind.YELLOW.value: _calendar_figures(calendar, due, after_yellow),
        NoticeKind.RED.value: _calendar_figures(calendar, due, after_red),
    }


def _sweep(
    supervision: Supervision,
    case_id: str,
    at: dt.datetime,
    why: str,
    *,
    calendar: WorkingCalendar,
    echo: Echo,
) -> SweepReport:
    """Sweep the scene's case alone as of `at` (a moment ahead: other cases are left alone)."""
    report = supervision.sweep(at=at, cases=[case_id])
    fired = ", ".join(f"{f.level} {f.step_id or '(case clock)'}" for f in report.fired)
    echo(f"  sweep as of {_moment(at, calendar)} ({why}): {fired or 'nothing fired'}")
    return report


def _finish(service: CaseService, driver: Driver, case_id: str, echo: Echo) -> None:
    """Complete the late step and the case, so that no later sweep finds the scene's case."""
    view = service.show(case_id)
    workflow = service.workflows(view["workflow"], view["version"])
    view = driver.run(view, workflow)
    echo(f"  {LATE_STEP} approved after the notices; the case is now {view['status']}")


def _calendar_figures(calendar: WorkingCalendar, due: dt.datetime, at: dt.datetime) -> _Figures:
    """The remaining (or overdue) working days and minutes at `at`, from the calendar."""
    day, due_day = calendar.local(at).date(), calendar.local(due).date()
    gap = calendar.position(due) - calendar.position(at)
    first, last = (day, due_day) if gap >= 0 else (due_day, day)
    count = calendar.working_days_between(first, last)
    days = max(0, count)
    between = f"onething calendar between {first} {last} --calendar {calendar.id}"
    if gap >= 0:
        return _Figures(at, due, WorkingTime(days, gap), WorkingTime(), between, count)
    return _Figures(at, due, WorkingTime(), WorkingTime(days, -gap), between, count)


# -- what arrived -----------------------------------------------------------------------------


def _arrivals(mailbox: _Mailbox, receiver: _Receiver, secret: str, mail_to: str) -> list[Arrival]:
    """Every mail to the scene's address and every webhook request, as notices."""
    found = []
    for mail in mailbox.messages:
        subject = str(mail["Subject"])
        text = str(mail.get_content())
        remaining, overdue, figure = _figures_in(text)
        step = re.search(r"^环节：.*（([^（）]+)）$", text, re.MULTILINE)
        case = re.search(r"^案件编号：(\S+)$", text, re.MULTILINE)
        found.append(
            Arrival(
                channel="email",
                to=str(mail["To"]),
                level=_level_of(subject),
                subject=subject,
                case_id=case.group(1) if case and mail["To"] == mail_to else "",
                step_id=step.group(1) if step else None,
                due=_due_in(text),
                figure=figure,
                remaining=remaining,
                overdue=overdue,
            )
        )
    for request in receiver.requests:
        headers = {k.lower(): v for k, v in request.headers.items()}
        timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
        signed = timestamp.isdigit() and verify(
            secret,
            request.body,
            timestamp=int(timestamp),
            signature=headers.get(SIGNATURE_HEADER.lower(), ""),
            now=int(time.time()),
        )
        payload = json.loads(request.body)
        notice = payload["notice"]
        _, _, figure = _figures_in(payload["text"])
        found.append(
            Arrival(
                channel="webhook",
                to=receiver.url,
                level=notice["kind"],
                subject=payload["subject"],
                case_id=notice["case_id"],
                step_id=notice["step_id"],
                due=dt.datetime.fromisoformat(notice["due_at"]),
                figure=figure,
                remaining=_span(notice["remaining"]),
                overdue=_span(notice["overdue"]),
                signed=signed and headers.get(DELIVERY_HEADER.lower()) == payload["delivery_id"],
            )
        )
    return found


def _due_in(text: str) -> dt.datetime | None:
    """`办理期限：2026年10月9日 17:30（北京时间）` → that instant."""
    found = re.search(r"^办理期限：(\d+)年(\d+)月(\d+)日 (\d+):(\d+)", text, re.MULTILINE)
    if not found:
        return None
    year, month, day, hour, minute = (int(x) for x in found.groups())
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def _level_of(subject: str) -> str:
    tag = re.match(r"【([^】]+)】", subject)
    kind = _KINDS.get(tag.group(1)) if tag else None
    return kind.value if kind else "?"


def _figures_in(text: str) -> tuple[WorkingTime | None, WorkingTime | None, str]:
    """The remaining and overdue working time as the notice's text says them."""
    spans: dict[str, WorkingTime] = {}
    lines = []
    for label in ("剩余时间", "已超期"):
        line = re.search(rf"^{label}：(.+)$", text, re.MULTILINE)
        if line:
            lines.append(line.group(0))
            spans[label] = _working_time(line.group(1))
    return spans.get("剩余时间"), spans.get("已超期"), " ".join(lines)


def _working_time(words: str) -> WorkingTime:
    """`1个工作日（工作时间7小时30分钟）` → 1 working day, 450 working minutes."""

    def number(pattern: str) -> int:
        found = re.search(pattern, words)
        return int(found.group(1)) if found else 0

    hours, minutes = number(r"(\d+)小时"), number(r"(\d+)分钟")
    return WorkingTime(days=number(r"(\d+)个工作日"), minutes=hours * 60 + minutes)


def _span(data: dict[str, int] | None) -> WorkingTime | None:
    return None if data is None else WorkingTime(**data)


def _check(result: SceneResult, expected: dict[str, _Figures], echo: Echo) -> None:
    """Print what arrived, and note every count, due time, figure or signature that is off."""
    echo("  arrived:")
    for found in result.arrivals:
        echo(f"    {found.channel:<7} {found.level:<6} {found.subject}")
        figures = expected.get(found.level)
        if figures is None:
            result.problems.append(f"an unexpected {found.level} notice over {found.channel}")
            continue
        said = (found.remaining or WorkingTime(), found.overdue or WorkingTime())
        want = (figures.remaining, figures.overdue)
        echo(f"            {found.figure or '(no remaining or overdue time: at the deadline)'}")
        left, late = want
        echo(
            f"            calendar as of {figures.at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}: "
            f"{left.days} WD / {left.minutes} working min left, "
            f"{late.days} WD / {late.minutes} working min overdue "
            f"(`{figures.between}` prints {figures.days}): "
            + ("match" if said == want else "MISMATCH")
        )
        if said != want:
            result.problems.append(f"{found.level} over {found.channel}: {said} != {want}")
        if found.due != figures.due:
            result.problems.append(f"{found.level} over {found.channel}: due {found.due}")
        if found.channel == "webhook":
            echo(f"            HMAC signature {'verified' if found.signed else 'INVALID'}")
            if not found.signed:
                result.problems.append(f"{found.level} webhook: signature does not verify")
    for found in result.others:
        echo(f"    (another clock) {found.channel} to {found.to}: {found.level} {found.subject}")
    counts = result.counts
    for level in LEVELS:
        for channel in CHANNELS:
            n = counts.get((level, channel), 0)
            if n != 1:
                result.problems.append(f"{n} {level} notice(s) over {channel}, not 1")
    again = "nothing fired twice" if result.repeated == 0 else "SOMETHING FIRED TWICE"
    echo(f"  {result.summary()} ({again})")


def _moment(at: dt.datetime, calendar: WorkingCalendar) -> str:
    return f"{calendar.local(at):%Y-%m-%d %H:%M}"
