"""The Gantt chart of a case's parallel steps over the working-day calendar (pure: a function
of the case's view, its calendar and the labels' language, drawn as SVG text).

Each natural day is a column: holidays and weekends shaded, make-up working days (调休)
marked as working; the promised and statutory due lines, today, and each step's bar from
acceptance to its due time (or its last signature once done). A suspended or extended step
says so in words beside its bar, so nothing is told by colour alone.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from engine.calendar import WorkingCalendar
from engine.errors import CalendarError
from engine.pages.i18n import Lang, date_text, status_text, t
from engine.views.cases import CaseView, StepView

WIDTH = 1100  # px for the days; a day is at most 22 px and at least 6
ROW = 30
LABEL = 190
TOP = 46
MAX_DAYS = 120


def _day(moment: dt.datetime, calendar: WorkingCalendar) -> dt.date:
    return calendar.local(moment).date()


def _end_of(step: StepView, calendar: WorkingCalendar) -> dt.date | None:
    if step.clock is not None:
        return _day(step.clock.due, calendar)
    if step.signatures:
        return _day(step.signatures[-1].at, calendar)
    return None


def _span(view: CaseView, calendar: WorkingCalendar) -> tuple[dt.date, dt.date]:
    first = _day(view.accepted_at or view.submitted_at, calendar)
    ends = [_day(view.clocks_at, calendar)]
    ends += [_day(c.due, calendar) for c in (view.promised, view.statutory) if c is not None]
    ends += [d for d in (_end_of(s, calendar) for s in view.steps) if d is not None]
    last = max(ends)
    if last.toordinal() - first.toordinal() >= MAX_DAYS:
        last = dt.date.fromordinal(first.toordinal() + MAX_DAYS - 1)
    return first, last


def _kind(day: dt.date, calendar: WorkingCalendar) -> str:
    """`holiday`, `weekend`, `makeup` (a weekend day worked) or `working`."""
    try:
        working = calendar.is_working_day(day)
    except CalendarError:  # outside the calendar's range: drawn as unknown
        return "unknown"
    weekend = day.weekday() >= 5
    if working:
        return "makeup" if weekend else "working"
    return "weekend" if weekend else "holiday"


def gantt_svg(view: CaseView, calendar: WorkingCalendar, lang: Lang) -> str:
    """The case's steps over its calendar as one `<svg>` element."""
    first, last = _span(view, calendar)
    days = last.toordinal() - first.toordinal() + 1
    day_px = max(6, min(22, WIDTH // days))
    width = LABEL + days * day_px + 20
    height = TOP + ROW * len(view.steps) + 40

    def x(day: dt.date) -> int:
        return LABEL + (min(max(day, first), last).toordinal() - first.toordinal()) * day_px

    title = t("gantt_title", lang).format(case=view.id)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="gantt-title"><title id="gantt-title">{escape(title)}</title>'
    ]
    for i in range(days):
        day = dt.date.fromordinal(first.toordinal() + i)
        kind = _kind(day, calendar)
        left = LABEL + i * day_px
        out.append(
            f'<rect class="day {kind}" data-date="{day}" x="{left}" y="{TOP - 14}" '
            f'width="{day_px}" '
            f'height="{height - TOP - 12}"><title>{escape(date_text(day, lang))} '
            f"{escape(t('day_' + kind, lang))}</title></rect>"
        )
        if kind in ("holiday", "makeup") and day_px >= 12:
            mark = t("mark_" + kind, lang)
            centre = left + day_px / 2
            out.append(f'<text class="daymark" x="{centre}" y="{TOP - 18}">{escape(mark)}</text>')
        if i == 0 or (day.weekday() == 0 and i > 2):
            out.append(f'<text class="daynum" x="{left + 2}" y="14">{day.month}/{day.day}</text>')
    for row, step in enumerate(view.steps):
        y = TOP + row * ROW
        out.append(f'<text class="steplabel" x="4" y="{y + 18}">{escape(step.id)}</text>')
        end = _end_of(step, calendar)
        start = x(first)
        stop = x(end) + day_px if end else start + day_px
        state = "suspended" if step.clock and step.clock.suspended else step.status.value
        if step.clock and step.clock.overdue:
            state = "overdue"
        out.append(
            f'<rect class="bar {escape(state)}" x="{start}" y="{y + 5}" '
            f'width="{max(stop - start, day_px)}" height="{ROW - 10}" rx="3"/>'
        )
        words = [status_text(step.status.value, lang)]
        if step.clock and step.clock.suspended:
            words.append(t("suspended", lang))
        if step.clock and step.clock.extended_days:
            words.append(t("extended_by", lang).format(n=step.clock.extended_days))
        if step.clock and step.clock.overdue:
            words.append(t("overdue", lang))
        label = escape(" · ".join(words))
        out.append(f'<text class="barlabel" x="{start + 4}" y="{y + 19}">{label}</text>')
    for name, clock in (("promised", view.promised), ("statutory", view.statutory)):
        if clock is None:
            continue
        due_day = _day(clock.due, calendar)
        at = x(due_day) + day_px
        label = t(name + "_due", lang) + " " + date_text(_day(clock.due, calendar), lang)
        out.append(
            f'<line class="due {name}" data-date="{due_day}" x1="{at}" x2="{at}" '
            f'y1="{TOP - 14}" y2="{height - 26}"/>'
            f'<text class="duelabel {name}" x="{at - 2}" '
            f'y="{height - 14 if name == "promised" else height - 2}">{escape(label)}</text>'
        )
    today = _day(view.clocks_at, calendar)
    if first <= today <= last:
        at = x(today) + day_px // 2
        out.append(
            f'<line class="today" data-date="{today}" x1="{at}" x2="{at}" '
            f'y1="{TOP - 14}" y2="{height - 26}"/>'
            f'<text class="todaylabel" x="{at + 3}" y="{TOP - 2}">{escape(t("today", lang))}</text>'
        )
    out.append("</svg>")
    return "".join(out)
