"""Calendar files (`definitions/calendars/*.yaml`): official schedules and regional overlays.

A base file (`national: …`) takes China's schedule from `holidays.China` for its official years
and may add or override any year (so 2027 loads the day the State Council publishes it). A
regional file (`extends: cn`) adds its own days off and make-up days on top of its base.
Every day carries its legal source; every mistake is reported as `file:line:col: message`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.calendar.schedule import Schedule, national_schedule
from engine.calendar.working import DEFAULT_HOURS, BusinessHours, WorkingCalendar
from engine.errors import SourceError, UnknownCalendar
from engine.yamlsource import Located, LocatedList, load_file

FILE_KEYS = {
    "id",
    "name",
    "source",
    "timezone",
    "business_hours",
    "range",
    "national",
    "extends",
    "years",
}
YEAR_KEYS = {"source", "official", "days_off", "workdays"}
DEFAULT_RANGE = (2004, 2040)


@dataclass
class YearEntry:
    """One year of a calendar file: days off, make-up working days, and their source."""

    year: int
    source: str
    official: bool
    off: dict[dt.date, str] = field(default_factory=dict)
    workdays: dict[dt.date, str] = field(default_factory=dict)


@dataclass
class CalendarFile:
    """A parsed calendar file, before it is resolved against its base."""

    id: str
    path: str
    name: str
    timezone: str | None
    hours: BusinessHours | None
    years_span: tuple[int, int] | None
    national_years: range | None
    extends: str | None
    extends_pos: tuple[int, int]
    years: dict[int, YearEntry]


class _Reader:
    """Collects every problem of one file, so the user sees them all at once."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[SourceError] = []

    def problem(self, message: str, pos: tuple[int, int]) -> None:
        self.problems.append(SourceError(message, file=self.path, line=pos[0], col=pos[1]))

    def text(self, node: Located, key: str, *, required: bool = False) -> str | None:
        value = node.get(key)
        if value is None:
            if required:
                self.problem(f"missing {key!r}", node.pos)
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{key!r} must be text", node.value_at(key))
            return None
        return value

    def year_span(self, value: Any, pos: tuple[int, int], key: str) -> tuple[int, int] | None:
        match = re.fullmatch(r"(\d{4})\.\.(\d{4})", str(value).strip())
        if not match or int(match.group(1)) > int(match.group(2)):
            self.problem(f"{key!r} must look like '2004..2026'", pos)
            return None
        return int(match.group(1)), int(match.group(2))


def _parse_date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        return None


def _dates(reader: _Reader, item: Any, pos: tuple[int, int]) -> tuple[list[dt.date], str]:
    """An item is `2027-02-05`, `2027-02-05..2027-02-11`, or `{dates: …, name: …}`."""
    name = ""
    if isinstance(item, Located):
        unknown = set(item) - {"dates", "name"}
        for key in sorted(unknown):
            reader.problem(f"unknown key {key!r} (expected dates, name)", item.at(key))
        name = str(item.get("name") or "")
        pos = item.at("dates")
        item = item.get("dates")
        if item is None:
            reader.problem("missing 'dates'", pos)
            return [], name
    first_text, _, last_text = str(item).partition("..")
    first = _parse_date(first_text)
    last = _parse_date(last_text) if last_text else first
    if first is None or last is None:
        reader.problem(f"not a date or date range: {item!r} (use YYYY-MM-DD[..YYYY-MM-DD])", pos)
        return [], name
    if last < first:
        reader.problem(f"range ends before it starts: {item!r}", pos)
        return [], name
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)], name


def _year(reader: _Reader, year: int, node: Any, pos: tuple[int, int]) -> YearEntry | None:
    if not isinstance(node, Located):
        reader.problem(f"year {year} must be a mapping with source, days_off, workdays", pos)
        return None
    for key in sorted(set(node) - YEAR_KEYS):
        reader.problem(
            f"unknown key {key!r} (expected {', '.join(sorted(YEAR_KEYS))})", node.at(key)
        )
    source = reader.text(node, "source", required=True) or ""
    official = node.get("official", False)
    if not isinstance(official, bool):
        reader.problem("'official' must be true or false", node.at("official"))
        official = False
    entry = YearEntry(year, source, official)
    seen: dict[dt.date, tuple[str, tuple[int, int]]] = {}
    for kind in ("days_off", "workdays"):
        if kind not in node:
            continue
        items = node[kind]
        if not isinstance(items, LocatedList):
            reader.problem(f"{kind!r} must be a list of dates", node.value_at(kind))
            continue
        table = entry.off if kind == "days_off" else entry.workdays
        for index, item in enumerate(items):
            item_pos = items.at(index)
            days, name = _dates(reader, item, item_pos)
            for day in days:
                if day.year != year:
                    reader.problem(f"{day.isoformat()} is not in year {year}", item_pos)
                elif day in seen:
                    other_kind, (line, _) = seen[day]
                    what = "both off and working" if other_kind != kind else "listed twice"
                    reader.problem(f"{day.isoformat()} is {what} (see line {line})", item_pos)
                else:
                    seen[day] = (kind, item_pos)
                    table[day] = name or (
                        "放假 day off" if kind == "days_off" else "调休上班 make-up"
                    )
    return entry


def parse_file(path: Path) -> CalendarFile:
    """Parse one calendar file, raising one `SourceError` that lists every problem."""
    reader = _Reader(str(path))
    root = load_file(path)
    if not isinstance(root, Located):
        raise SourceError("a calendar file must be a mapping", file=str(path), line=1)
    for key in sorted(set(root) - FILE_KEYS):
        reader.problem(
            f"unknown key {key!r} (expected {', '.join(sorted(FILE_KEYS))})", root.at(key)
        )
    calendar_id = reader.text(root, "id", required=True) or path.stem
    reader.text(root, "source", required=True)
    extends = reader.text(root, "extends")
    national = root.get("national")
    national_years = None
    if national is not None:
        span = reader.year_span(national, root.value_at("national"), "national")
        national_years = range(span[0], span[1] + 1) if span else None
    if (extends is None) == (national is None):
        reader.problem("a calendar has exactly one of 'national' (a base) or 'extends'", root.pos)
    span_range = None
    if "range" in root:
        span_range = reader.year_span(root["range"], root.value_at("range"), "range")
    hours = _hours(reader, root) if "business_hours" in root else None
    years: dict[int, YearEntry] = {}
    year_nodes = root.get("years", Located())
    if not isinstance(year_nodes, Located):
        reader.problem("'years' must map a year to its schedule", root.value_at("years"))
        year_nodes = Located()
    for key, node in year_nodes.items():
        if not re.fullmatch(r"\d{4}", key):
            reader.problem(f"not a year: {key!r}", year_nodes.at(key))
            continue
        entry = _year(reader, int(key), node, year_nodes.at(key))
        if entry:
            years[entry.year] = entry
    if reader.problems:
        raise _Problems(reader.problems)
    return CalendarFile(
        calendar_id,
        str(path),
        str(root.get("name") or calendar_id),
        reader.text(root, "timezone"),
        hours,
        span_range,
        national_years,
        extends,
        root.value_at("extends"),
        years,
    )


def _hours(reader: _Reader, root: Located) -> BusinessHours | None:
    node = root["business_hours"]
    if not isinstance(node, LocatedList) or not node:
        reader.problem(
            "'business_hours' is a list like ['09:00-12:00', '13:30-17:30']",
            root.at("business_hours"),
        )
        return None
    spans: list[tuple[int, int]] = []
    for index, item in enumerate(node):
        match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", str(item).strip())
        if not match:
            reader.problem(f"not a span of hours: {item!r} (use HH:MM-HH:MM)", node.at(index))
            return None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if not (0 <= start < end <= 24 * 60) or (spans and start < spans[-1][1]):
            reader.problem(f"hours must be increasing and within a day: {item!r}", node.at(index))
            return None
        spans.append((start, end))
    return tuple(spans)


class _Problems(SourceError):
    """Several problems in one file, printed one per line."""

    def __init__(self, problems: list[SourceError]):
        first = problems[0]
        super().__init__(first.message, file=first.file, line=first.line, col=first.col)
        self.problems = problems
        self.args = ("\n".join(str(p) for p in problems),)

    def __str__(self) -> str:
        return str(self.args[0])


class CalendarSet:
    """The calendars of a folder, each resolved against its base and built on first use."""

    def __init__(self, files: dict[str, CalendarFile]):
        self._files = files
        self._built: dict[str, WorkingCalendar] = {}

    @property
    def ids(self) -> list[str]:
        return sorted(self._files)

    def get(self, calendar_id: str) -> WorkingCalendar:
        if calendar_id not in self._files:
            raise UnknownCalendar(
                f"unknown calendar {calendar_id!r} (known: {', '.join(self.ids) or 'none'})"
            )
        if calendar_id not in self._built:
            self._built[calendar_id] = self._build(calendar_id)
        return self._built[calendar_id]

    def unsettled(self, calendar_id: str, year: int) -> list[str]:
        """The layers of `calendar_id` (its files, base first) that do not settle `year`: a
        base without that year's published national schedule, a region without its own entry
        for the year (a 2027 national schedule does not settle Guangxi's 2027 壮族三月三)."""
        self.get(calendar_id)  # an unknown id says so
        found = []
        for spec in self._chain(calendar_id):
            if spec.national_years is not None:
                entry = spec.years.get(year)
                settled = year in spec.national_years or bool(entry and entry.official)
            else:
                settled = year in spec.years
            if not settled:
                found.append(spec.id)
        return found

    def layers(self, calendar_id: str) -> list[str]:
        """The files `calendar_id` is built from, base first (`["cn", "gx"]`)."""
        self.get(calendar_id)  # an unknown id says so
        return [spec.id for spec in self._chain(calendar_id)]

    def layer_of(self, calendar_id: str, day: dt.date) -> str:
        """The layer (file) of `calendar_id` that names `day`: the last of its chain whose
        year lists it (a region's 壮族三月三), else the base (the national schedule)."""
        chain = self._chain(calendar_id)
        for spec in reversed(chain):
            entry = spec.years.get(day.year)
            if entry and (day in entry.off or day in entry.workdays):
                return spec.id
        return chain[0].id

    def _chain(self, calendar_id: str) -> list[CalendarFile]:
        """The file and its bases, base first."""
        chain: list[CalendarFile] = []
        current: str | None = calendar_id
        while current is not None:
            spec = self._files[current]
            if spec in chain:
                path = " -> ".join([c.id for c in chain[chain.index(spec) :]] + [spec.id])
                raise SourceError(f"calendars extend each other in a cycle: {path}", file=spec.path)
            chain.append(spec)
            if spec.extends is not None and spec.extends not in self._files:
                raise SourceError(
                    f"extends unknown calendar {spec.extends!r} (known: {', '.join(self.ids)})",
                    file=spec.path,
                    line=spec.extends_pos[0],
                    col=spec.extends_pos[1],
                )
            current = spec.extends
        return list(reversed(chain))

    def _build(self, calendar_id: str) -> WorkingCalendar:
        chain = self._chain(calendar_id)
        base = chain[0]
        first_year, last_year = next(
            (c.years_span for c in reversed(chain) if c.years_span), DEFAULT_RANGE
        )
        assert base.national_years is not None  # checked when parsed
        schedule = national_schedule(
            first_year=first_year, last_year=last_year, official=base.national_years
        )
        for spec in chain:
            _apply(schedule, spec, is_base=spec is base)
        timezone = next((c.timezone for c in reversed(chain) if c.timezone), "Asia/Shanghai")
        hours = next((c.hours for c in reversed(chain) if c.hours), DEFAULT_HOURS)
        return WorkingCalendar(
            calendar_id,
            schedule,
            first=dt.date(first_year, 1, 1),
            last=dt.date(last_year, 12, 31),
            timezone=timezone,
            hours=hours,
            name=chain[-1].name,
        )


def _apply(schedule: Schedule, spec: CalendarFile, *, is_base: bool) -> None:
    if not is_base:  # a region's year is official only where its own days are known too
        schedule.published &= set(spec.years)
    for entry in spec.years.values():
        if entry.official:
            schedule.replace_year(entry.year)
            schedule.published.add(entry.year)
        for day, name in entry.off.items():
            schedule.set_off(day, f"{name} — {entry.source}")
        for day, name in entry.workdays.items():
            schedule.set_working(day, f"{name} — {entry.source}")


def load_calendars(folder: Path) -> CalendarSet:
    """Read every `*.yaml` in `folder`; all problems of all files are raised together."""
    files: dict[str, CalendarFile] = {}
    problems: list[SourceError] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            spec = parse_file(path)
        except _Problems as many:
            problems.extend(many.problems)
            continue
        except SourceError as one:
            problems.append(one)
            continue
        if spec.id in files:
            problems.append(
                SourceError(
                    f"calendar id {spec.id!r} is also defined in {files[spec.id].path}",
                    file=str(path),
                    line=1,
                )
            )
            continue
        files[spec.id] = spec
    if problems:
        raise _Problems(problems)
    calendars = CalendarSet(files)
    for calendar_id in calendars.ids:
        calendars._chain(calendar_id)
    return calendars
