"""`/metrics`: the `onething_*` series in Prometheus text format. The case figures are read
from the store at each scrape (aggregates in the database, never cases loaded into Python);
the API's latency is a histogram kept by the process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlmodel import SQLModel

from engine.cases.overview import lights
from engine.cases.state import CaseStatus
from engine.cases.tables import CaseRow, EscalationRow, StepRow
from engine.clock import as_utc
from engine.notify.tables import NotifyDelivery

_T = SQLModel.metadata.tables
CLOSED = [s.value for s in CaseStatus if s.closed]
disable_created_metrics()  # the `_created` series say nothing a dashboard uses
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)


class StoreCollector(Collector):
    """Cases, steps, escalations and deliveries as the store holds them at the scrape."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], dt.datetime]):
        self.engine, self.clock = engine, clock

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        cases, steps = _T[CaseRow.__tablename__], _T[StepRow.__tablename__]
        escalations, deliveries = _T[EscalationRow.__tablename__], _T[NotifyDelivery.__tablename__]
        now = as_utc(self.clock())
        with self.engine.connect() as db:
            by_status = db.execute(
                sa.select(cases.c.workflow_id, cases.c.status, sa.func.count()).group_by(
                    cases.c.workflow_id, cases.c.status
                )
            ).all()
            light = lights(now).label("light")  # as the overview counts them
            open_steps = db.execute(
                sa.select(steps.c.department, light, sa.func.count())
                .where(steps.c.is_open == sa.true())
                .group_by(steps.c.department, light)
            ).all()
            fired = db.execute(
                sa.select(escalations.c.level, sa.func.count()).group_by(escalations.c.level)
            ).all()
            in_time = db.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count().filter(cases.c.updated_at <= cases.c.promised_due_at),
                ).where(cases.c.status.in_(CLOSED), cases.c.promised_due_at.is_not(None))
            ).one()
            sent = db.execute(
                sa.select(deliveries.c.channel, deliveries.c.status, sa.func.count()).group_by(
                    deliveries.c.channel, deliveries.c.status
                )
            ).all()
        open_cases = GaugeMetricFamily(
            "onething_open_cases", "Cases not yet closed, by workflow", labels=["workflow"]
        )
        totals: dict[str, int] = {}
        status_cases = GaugeMetricFamily(
            "onething_cases", "Cases by workflow and status", labels=["workflow", "status"]
        )
        for workflow, status, count in by_status:
            status_cases.add_metric([workflow, status], count)
            if status not in CLOSED:
                totals[workflow] = totals.get(workflow, 0) + count
        for workflow, count in sorted(totals.items()):
            open_cases.add_metric([workflow], count)
        yield open_cases
        yield status_cases
        steps_metric = GaugeMetricFamily(
            "onething_open_steps",
            "Open steps by department and traffic light (red: past due; yellow: warned)",
            labels=["department", "light"],
        )
        for department, colour, count in open_steps:
            steps_metric.add_metric([department, colour], count)
        yield steps_metric
        fired_metric = CounterMetricFamily(
            "onething_escalations_fired", "Escalation levels fired (电子监察)", labels=["level"]
        )
        for level, count in fired:
            fired_metric.add_metric([level], count)
        yield fired_metric
        closed, on_time = in_time
        rate = GaugeMetricFamily(
            "onething_on_time_rate",
            "Share of closed cases closed by their promised due time (1 when none closed)",
        )
        rate.add_metric([], on_time / closed if closed else 1.0)
        yield rate
        sent_metric = GaugeMetricFamily(
            "onething_deliveries",
            "Notice deliveries by channel and outcome",
            labels=["channel", "outcome"],
        )
        for channel, status, count in sent:
            sent_metric.add_metric([channel, status], count)
        yield sent_metric


class Metrics:
    """The registry of one app: the store's figures and the API's latency histogram."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], dt.datetime]):
        self.registry = CollectorRegistry()
        self.registry.register(StoreCollector(engine, clock))
        self.latency = Histogram(
            "onething_api_request_duration_seconds",
            "API request latency by route template, method and status",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
