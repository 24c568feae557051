"""`onething demo`'s supervision scene (电子监察): one step runs late, and its yellow and red
notices arrive over SMTP and a webhook, once each, with the calendar's working-day figures.

The scene starts a real SMTP server (aiosmtpd) and a real HTTP receiver on 127.0.0.1, routes
the notices of the late step's department to them (a copy of the catalogue, for the scene
only: nothing is sent to the addresses of `departments.yaml`; its mail settings and webhook
secret are the scene's own, not the environment's), submits a sample, leaves one
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
import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from engine.bootstrap import catalogue, definitions_root
from engine.calendar import WorkingCalendar
from engine.cases.service import CaseService
from engine.definitions.catalogue import Catalogue, Channel, ChannelKind
from engine.definitions.escalation import Level
from engine.demo.arrivals import Arrival, arrivals
from engine.demo.driver import Driver, open_steps
from engine.demo.receivers import listening
from engine.errors import OnethingError
from engine.escalation.ladder import marks
from engine.escalation.sweep import Supervision, SweepReport
from engine.notify.dispatch import Dispatcher
from engine.notify.mail import SmtpSettings
from engine.notify.notice import NoticeKind, WorkingTime
from engine.notify.render import SHANGHAI
from engine.notify.transports import default_transports
from engine.retry import RetryPolicy

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
    with listening() as (mailbox, smtp_port, receiver):
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
        # the scene's own mail server and webhook secret, and nothing of the environment's
        transports = default_transports(
            SmtpSettings(host="127.0.0.1", port=smtp_port, sender=SENDER),
            secrets={SECRET_ENV: secret},
        )
        dispatcher = Dispatcher(transports=transports, policy=QUICK, clock=service.clock)
        supervision = Supervision(service, catalogue=scene, dispatcher=dispatcher)
        driver = Driver(service)
        view = driver.accept(service.submit(workflow.id, application), workflow)
        result = SceneResult(case_id=view.id)
        try:
            expected = _late_step(service, supervision, driver, result, echo)
        finally:
            _finish(service, driver, result.case_id, echo)
        arrived = arrivals(mailbox, receiver, secret=secret, mail_to=mail_to, now=service.clock())
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
    view = service.show(case_id)
    others = [s for s in open_steps(view) if s != LATE_STEP]
    for step_id in others:
        view = driver.complete(view, workflow.step(step_id))
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
    workflow = service.workflows(view.workflow, view.version)
    view = driver.run(view, workflow)
    echo(f"  {LATE_STEP} approved after the notices; the case is now {view.status}")


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
