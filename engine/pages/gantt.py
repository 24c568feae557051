"""The Gantt chart of a case's parallel steps over the working-day calendar (pure: a function
of the case's view, its calendar and the labels' language, drawn as SVG text).

Each natural day is a column: holidays and weekends shaded, make-up working days (调休)
marked as working. Each step's bar runs from its activation to its due time (or to when it
finished); a step due the same day still gets a bar one can see. The spans a clock stood
still are hatched, the time past a due date drawn as its own segment, an extension marked at
the due date; the case's promised and statutory due lines and today stand across the chart.
What colour shows is also said in words, so nothing is told by colour alone.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from engine.calendar import WorkingCalendar
from engine.errors import CalendarError
from engine.pages.i18n import Lang, date_text, status_text, t
from engine.views.cases import CaseView, StepView, StopView

WIDTH = 1100  # px for the days; a day is at most 22 px and at least 6
ROW = 30
LABEL = 200
TOP = 46
MAX_DAYS = 120
MIN_BAR = 12  # px: a same-day step is still seen
TITLE_CHARS = 14


def _day(moment: dt.datetime, calendar: WorkingCalendar) -> dt.date:
    return calendar.local(moment).date()


def _end_of(step: StepView, calendar: WorkingCalendar) -> dt.date | None:
    if step.clock is not None:
        return _day(step.clock.due, calendar)
    if step.finished_at is not None:
        return _day(step.finished_at, calendar)
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


def day_kind(day: dt.date, calendar: WorkingCalendar) -> str:
    """`holiday`, `weekend`, `makeup` (a weekend day worked), `working`, or `unknown`
    (outside the calendar's range)."""
    try:
        working = calendar.is_working_day(day)
    except CalendarError:
        return "unknown"
    weekend = day.weekday() >= 5
    if working:
        return "makeup" if weekend else "working"
    return "weekend" if weekend else "holiday"


class _Chart:
    """The chart's geometry: the first and last day drawn and the width of a day."""

    def __init__(self, first: dt.date, last: dt.date, calendar: WorkingCalendar):
        self.first, self.last, self.calendar = first, last, calendar
        self.days = last.toordinal() - first.toordinal() + 1
        self.day_px = max(6, min(22, WIDTH // self.days))

    def x(self, day: dt.date) -> int:
        """The left edge of `day`'s column (days outside the chart at its edges)."""
        shown = min(max(day, self.first), self.last)
        return LABEL + (shown.toordinal() - self.first.toordinal()) * self.day_px

    def right(self, day: dt.date) -> int:
        return self.x(day) + self.day_px

    def stops(self, stops: list[StopView], now: dt.datetime, y: int, h: int, lang: Lang) -> str:
        """The spans a clock stood still, hatched, each with its dates and reason."""
        out = []
        for stop in stops:
            start = _day(stop.start, self.calendar)
            end = _day(stop.end or now, self.calendar)
            left = self.x(start)
            width = max(self.right(end) - left, MIN_BAR // 2)
            words = f"{t('suspended', lang)} {date_text(start, lang)}–"
            words += date_text(end, lang) if stop.end else t("today", lang)
            out.append(
                f'<rect class="hold" data-start="{start}" data-end="{end}" x="{left}" y="{y}" '
                f'width="{width}" height="{h}"><title>{escape(words)} · '
                f"{escape(stop.reason)}</title></rect>"
            )
        return "".join(out)


def gantt_svg(
    view: CaseView,
    calendar: WorkingCalendar,
    lang: Lang,
    *,
    titles: dict[str, str] | None = None,
) -> str:
    """The case's steps over its calendar as one `<svg>` element (`titles`: the steps' names
    by id; an id stands for itself)."""
    first, last = _span(view, calendar)
    chart = _Chart(first, last, calendar)
    day_px = chart.day_px
    width = LABEL + chart.days * day_px + 160
    height = TOP + ROW * len(view.steps) + 40
    bottom = height - 26
    title = t("gantt_title", lang).format(case=view.id)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="gantt-title"><title id="gantt-title">{escape(title)}</title>'
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f4f4"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="2"/></pattern></defs>'
    ]
    for i in range(chart.days):
        day = dt.date.fromordinal(first.toordinal() + i)
        kind = day_kind(day, calendar)
        left = LABEL + i * day_px
        out.append(
            f'<rect class="day {kind}" data-date="{day}" x="{left}" y="{TOP - 14}" '
            f'width="{day_px}" height="{bottom - TOP + 14}"><title>'
            f"{escape(date_text(day, lang))} {escape(t('day_' + kind, lang))}</title></rect>"
        )
        if kind in ("holiday", "makeup") and day_px >= 12:
            mark = t("mark_" + kind, lang)
            centre = left + day_px / 2
            out.append(f'<text class="daymark" x="{centre}" y="{TOP - 18}">{escape(mark)}</text>')
        if i == 0 or (day.weekday() == 0 and i > 2):
            out.append(f'<text class="daynum" x="{left + 2}" y="14">{day.month}/{day.day}</text>')
    if view.promised is not None:  # the case's own clock stood still (a correction)
        out.append(chart.stops(view.promised.stops, view.clocks_at, TOP - 14, 8, lang))
    for row, step in enumerate(view.steps):
        out.append(_row(chart, step, view.clocks_at, TOP + row * ROW, lang, titles or {}))
    for name, clock in (("promised", view.promised), ("statutory", view.statutory)):
        if clock is None:
            continue
        due_day = _day(clock.due, calendar)
        at = chart.right(due_day)
        label = t(name + "_due", lang) + " " + date_text(due_day, lang)
        out.append(
            f'<line class="due {name}" data-date="{due_day}" x1="{at}" x2="{at}" '
            f'y1="{TOP - 14}" y2="{bottom}"/>'
            f'<text class="duelabel {name}" x="{at - 2}" '
            f'y="{height - 14 if name == "promised" else height - 2}">{escape(label)}</text>'
        )
    today = _day(view.clocks_at, calendar)
    if first <= today <= last:
        at = chart.x(today) + day_px // 2
        out.append(
            f'<line class="today" data-date="{today}" x1="{at}" x2="{at}" '
            f'y1="{TOP - 14}" y2="{bottom}"/>'
            f'<text class="todaylabel" x="{at + 3}" y="{TOP - 2}">▼ {escape(t("today", lang))}'
            "</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _row(
    chart: _Chart, step: StepView, now: dt.datetime, y: int, lang: Lang, titles: dict[str, str]
) -> str:
    """One step: its name, its bar (none before it starts), its stops, overdue part and
    extension, and its state in words after the bar."""
    name = titles.get(step.id, step.id)
    short = name if len(name) <= TITLE_CHARS else name[: TITLE_CHARS - 1] + "…"
    out = [
        f'<text class="steplabel" data-step="{escape(step.id)}" x="4" y="{y + 18}">'
        f"<title>{escape(name)}</title>{escape(short)}</text>"
    ]
    clock = step.clock
    words = [status_text(step.status.value, lang)]
    end = _end_of(step, chart.calendar)
    text_x = chart.x(chart.first) + 4
    if step.activated_at is not None and end is not None:
        start = chart.x(_day(step.activated_at, chart.calendar))
        stop = max(chart.right(end), start + MIN_BAR)
        state = step.status.value
        if clock and clock.suspended:
            state = "suspended"
        out.append(
            f'<rect class="bar {escape(state)}" data-step="{escape(step.id)}" x="{start}" '
            f'y="{y + 5}" width="{stop - start}" height="{ROW - 10}" rx="3"/>'
        )
        text_x = stop + 4
        if clock is not None:
            out.append(chart.stops(clock.stops, now, y + 5, ROW - 10, lang))
            today = _day(now, chart.calendar)
            if clock.overdue and today > end:
                late_to = chart.right(today)
                out.append(
                    f'<rect class="late" x="{stop}" y="{y + 9}" width="{late_to - stop}" '
                    f'height="{ROW - 18}"/>'
                )
                text_x = late_to + 4
            if clock.extended_days:
                out.append(
                    f'<text class="extension" x="{stop - 2}" y="{y + 3}">'
                    f"+{clock.extended_days}</text>"
                )
    if clock and clock.suspended:
        words.append(t("suspended", lang))
    if clock and clock.extended_days:
        words.append(t("extended_by", lang).format(n=clock.extended_days))
    if clock and clock.overdue:
        words.append(t("overdue", lang))
    label = escape(" · ".join(dict.fromkeys(words)))
    out.append(f'<text class="barlabel" x="{text_x}" y="{y + 19}">{label}</text>')
    return "".join(out)
