"""`onething demo`: every sample application of the definitions folder's `samples/` run to its
end.

It registers the workflows, seeds its own officers and the sample registries, tells the
licence library's story (`library.py`: a licence issued by one section, read by another),
then drives each case through the real service, printing which steps ran side by side and
their deadlines on the working-day calendar. Automatic steps run their connectors inline, or —
with `--prefect` while `onething serve` runs — are left to the case flows.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from engine.bootstrap import catalogue, definitions_root
from engine.cases import automatic
from engine.cases.service import CaseService
from engine.connectors.registry import seed
from engine.connectors.runner import call
from engine.definitions.model import Step, Workflow
from engine.demo.driver import Automatic, Driver, officer_name, seed_officers
from engine.demo.inspection import DemoClock, demo_drawer, inspect_by_draw, seed_roster
from engine.demo.library import Officers, tell_library_story
from engine.demo.scene import Echo, run_scene
from engine.draw.roster import load_roster
from engine.draw.service import DrawService
from engine.errors import OnethingError
from engine.licences.sources import seed as seed_registries
from engine.registry import register
from engine.views.cases import CaseView

BUREAU = "approval-bureau"  # its market section registers the enterprises of the story


def register_workflows(service: CaseService, echo: Echo) -> None:
    for path in sorted((definitions_root() / "workflows").glob("*.yaml")):
        done = register(
            service.engine,
            path.read_text(encoding="utf-8"),
            file=str(path),
            catalogue=catalogue(),
            now=service.clock(),
        )
        note = "" if done.created else " (already registered)"
        echo(f"registered {done.version.workflow_id} v{done.version.version}{note}")


def run_inline(service: CaseService) -> Automatic:
    """Complete an automatic step by calling its connector here (no Prefect)."""

    def complete(view: CaseView, step: Step) -> CaseView | None:
        after = None
        case = service.load(view.id)
        workflow = service.workflows(case.workflow_id, case.workflow_version)
        for job in automatic.ready_jobs(case, workflow):
            if job.step_id == step.id:
                answer = asyncio.run(
                    call(
                        job.connector,
                        automatic.request_for(case, job, now=service.clock()),
                        database=service.engine,
                    )
                )
                action, args = automatic.completion(job, answer)
                key = job.result_key(action)
                after = service.act(case.id, action, actor="system", args=args, key=key)
        return after

    return complete


def wait_for_flows(service: CaseService, *, seconds: float = 120.0) -> Automatic:
    """Leave an automatic step to the case's flow run and wait until it has moved."""

    def wait(view: CaseView, step: Step) -> CaseView:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            current = service.show(view.id)
            if current.step(step.id).status != "active":
                return current
            time.sleep(0.5)
        raise OnethingError(
            f"case {view.id}: step {step.id!r} still waits for its flow run after "
            f"{seconds:g} s — is `onething serve` running?"
        )

    return wait


def report_round(view: CaseView, echo: Echo) -> None:
    active = [s for s in view.steps if s.status == "active"]
    if not active:
        return
    label = "parallel" if len(active) > 1 else "step"
    echo(
        f"  {label}: "
        + ", ".join(f"{s.id} (due {s.clock.due_text}, {s.clock.left})" for s in active if s.clock)
    )


def run_sample(path: Path, service: CaseService, driver: Driver, echo: Echo) -> CaseView:
    application = json.loads(path.read_text(encoding="utf-8"))
    workflow: Workflow = service.workflows(application["workflow"], None)
    view = service.submit(workflow.id, application)
    echo(f"\n{workflow.title} — {path.stem}  case {view.id}")
    view = driver.accept(view, workflow)
    promised, statutory = view.promised, view.statutory
    if promised and statutory:
        echo(
            f"  accepted; promised by {promised.due_text} ({promised.limit}), statutory by "
            f"{statutory.due_text}"
        )
    view = driver.run(view, workflow, on_round=lambda v: report_round(v, echo))
    steps = {s.status.value for s in view.steps}
    echo(f"  -> {view.status} ({view.outcome or 'open'}); steps: " + ", ".join(sorted(steps)))
    return view


def run(service: CaseService, *, flows: bool, echo: Echo) -> list[CaseView]:
    """Every sample to its end on `service`, then the supervision scene. With `flows`, the
    automatic steps are left to the case flows (`service` wakes them), else run here."""
    register_workflows(service, echo)
    added = seed_officers(service, catalogue())
    echo(f"officers seeded: {added} new")
    drivers = seed(service.engine, definitions=definitions_root())
    records = seed_registries(service.engine, definitions=definitions_root())
    echo(f"sample registry records loaded: {drivers} drivers, {records} registry records")
    roster = load_roster(definitions_root() / "examiners.yaml")
    echo(f"examiners' roster seeded: {seed_roster(service, roster)} audited changes")
    drawer = demo_drawer(service, echo)

    def own_driver() -> tuple[CaseService, Driver]:
        """A service and driver of one case's own (the inspection moves its clock on)."""
        clock = DemoClock(service.clock)
        own = service.derived(clock=clock, reaction=drawer)
        driver = Driver(
            own,
            automatic=wait_for_flows(own) if flows else run_inline(own),
            inspection=inspect_by_draw(DrawService(own, drawer), clock, echo),
        )
        return own, driver

    def sample(path: Path) -> CaseView:
        return run_sample(path, *own_driver(), echo)

    officers = Officers(*(officer_name(BUREAU, role) for role in ("window", "reviewer", "head")))
    story = tell_library_story(service.derived(reaction=drawer), officers, echo=echo)
    own, driver = own_driver()
    driver.run(story.accepted, own.workflows(story.accepted.workflow, story.accepted.version))
    views = [sample(path) for path in sorted((definitions_root() / "samples").glob("*.json"))]
    run_scene(service, echo=echo)  # an overdue step's notices, over SMTP and a webhook
    return views
