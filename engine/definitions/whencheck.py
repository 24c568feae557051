"""Static checks of a `when` against the workflow's fields: names, types, and whether a
condition — or two together — can ever hold.

`can_hold` decides by regions: the literals a condition compares a field with, and the field's
declared `minimum` and `maximum`, cut the field's values into intervals (numbers, ordered
strings and dates) or leave a finite set (booleans, enum values); one value from each piece is
tried in every combination. For comparisons of a field with literals this is exact. What it
cannot decide it assumes possible, so it never calls a satisfiable condition dead: a comparison
of two fields with each other, or more than `MAX_TRIALS` combinations.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping

from engine.definitions.model import ApplicationField, FieldType
from engine.definitions.problems import suggest
from engine.definitions.when import (
    BoolOp,
    Compare,
    Condition,
    In,
    Literal,
    Name,
    Node,
    Not,
    Scalar,
    WhenError,
    names_in,
)

MAX_TRIALS = 20_000

_KIND = {
    FieldType.NUMBER: "number",
    FieldType.INTEGER: "number",
    FieldType.STRING: "string",
    FieldType.DATE: "string",
    FieldType.ENUM: "string",
    FieldType.BOOLEAN: "boolean",
}


def _literal_kind(value: Scalar) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "string"


def when_problems(condition: Condition, fields: Mapping[str, ApplicationField]) -> list[str]:
    """Unknown fields and type mistakes in `condition`, one message each."""
    unknown = [n.name for n in names_in(condition.tree) if n.name not in fields]
    if unknown:
        return [_unknown(name, fields) for name in dict.fromkeys(unknown)]
    problems: list[str] = []
    if _kind(condition.tree, fields, problems) not in ("boolean", None):
        problems.append(f"{condition.source!r} is not a true/false condition")
    return problems


def _unknown(name: str, fields: Mapping[str, ApplicationField]) -> str:
    return f"when: unknown field {name!r}" + suggest(name, fields)


def _kind(node: Node, fields: Mapping[str, ApplicationField], problems: list[str]) -> str | None:
    """The kind of value `node` gives (number, string, boolean), noting mistakes on the way."""
    match node:
        case Literal(value):
            return _literal_kind(value)
        case Name(name):
            return _KIND[fields[name].type]
        case Not(operand):
            _truth_operand(operand, fields, problems)
            return "boolean"
        case BoolOp(_, operands):
            for operand in operands:
                _truth_operand(operand, fields, problems)
            return "boolean"
        case Compare(op, left, right):
            kinds = (_kind(left, fields, problems), _kind(right, fields, problems))
            if None not in kinds and kinds[0] != kinds[1]:
                problems.append(f"when: compares a {kinds[0]} with a {kinds[1]}")
            elif op not in ("==", "!=") and "boolean" in kinds:
                problems.append(f"when: true/false values cannot be ordered with {op!r}")
            for side, other in ((left, right), (right, left)):
                if isinstance(other, Literal):
                    _enum_value(side, (other.value,), fields, problems)
            return "boolean"
        case In(item, options, _):
            kind = _kind(item, fields, problems)
            for value in options:
                if kind is not None and _literal_kind(value) != kind:
                    problems.append(f"when: {value!r} in the list is not a {kind}")
            _enum_value(item, options, fields, problems)
            return "boolean"
    return None


def _truth_operand(node: Node, fields: Mapping[str, ApplicationField], problems: list[str]) -> None:
    kind = _kind(node, fields, problems)
    if kind not in ("boolean", None):
        what = f"field {node.name!r}" if isinstance(node, Name) else "a value"
        problems.append(f"when: {what} is a {kind}, not true/false")


def _enum_value(
    node: Node,
    values: tuple[Scalar, ...],
    fields: Mapping[str, ApplicationField],
    problems: list[str],
) -> None:
    if isinstance(node, Name) and fields[node.name].type is FieldType.ENUM:
        allowed = fields[node.name].values
        for value in values:
            if value not in allowed:
                problems.append(
                    f"when: {value!r} is not a value of {node.name!r} ({', '.join(allowed)})"
                )


def can_hold(condition: Condition, fields: Mapping[str, ApplicationField]) -> bool:
    """Whether some application makes `condition` true (True when it cannot tell)."""
    if _compares_fields(condition.tree):
        return True
    names = sorted(condition.fields)
    choices = [list(_candidates(condition.tree, fields[name])) for name in names]
    trials = 1
    for options in choices:
        trials *= len(options)
    if trials > MAX_TRIALS:
        return True
    for combo in itertools.product(*choices):
        try:
            if condition.holds(dict(zip(names, combo, strict=True))):
                return True
        except WhenError:
            return True
    return False


def both(first: Condition, second: Condition) -> Condition:
    """The condition that `first` and `second` hold together."""
    return Condition(f"({first}) and ({second})", BoolOp("and", (first.tree, second.tree)))


def _compares_fields(node: Node) -> bool:
    match node:
        case Compare(_, left, right):
            return not isinstance(left, Literal) and not isinstance(right, Literal)
        case Not(operand):
            return _compares_fields(operand)
        case BoolOp(_, operands):
            return any(_compares_fields(o) for o in operands)
    return False


def applications(
    conditions: Iterable[Condition], fields: Mapping[str, ApplicationField]
) -> list[dict[str, Scalar]] | None:
    """One application from each region the conditions' literals cut the fields into (every
    field the conditions read, and only those), or None when there are too many to try."""
    conditions = list(conditions)
    names = sorted({name for c in conditions for name in c.fields if name in fields})
    choices: list[list[Scalar]] = []
    for name in names:
        found: dict[Scalar, None] = {}
        for condition in conditions:
            if name in condition.fields:
                found.update(dict.fromkeys(_candidates(condition.tree, fields[name])))
        choices.append(list(found))
    trials = 1
    for options in choices:
        trials *= len(options)
    if trials > MAX_TRIALS:
        return None
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices)]


def _candidates(tree: Node, field: ApplicationField) -> Iterator[Scalar]:
    """One value from each piece the condition's literals and the field's range cut it into."""
    if field.type is FieldType.BOOLEAN:
        yield from (True, False)
        return
    if field.type is FieldType.ENUM:
        yield from field.values
        return
    literals = set(_literals_near(tree, field.id))
    if _KIND[field.type] == "number":
        numbers = {v for v in literals if isinstance(v, int | float) and not isinstance(v, bool)}
        bounds = {b for b in (field.minimum, field.maximum) if b is not None}
        values = (
            _integers(numbers | bounds)
            if field.type is FieldType.INTEGER
            else _reals(numbers | bounds)
        )
        low = field.minimum if field.minimum is not None else -math.inf
        high = field.maximum if field.maximum is not None else math.inf
        yield from sorted(v for v in values if low <= v <= high)
    else:
        texts = sorted(v for v in literals if isinstance(v, str))
        # "" lies below every other string, `t + "\x00"` just above `t`: every interval
        yield from sorted({"", "\x00another value", *texts, *(t + "\x00" for t in texts)})


def _reals(cuts: set[float]) -> set[float]:
    """Each cut, a value between neighbouring cuts, and one beyond each end."""
    points = sorted(cuts) or [0]
    between = {(a + b) / 2 for a, b in itertools.pairwise(points)}
    return {points[0] - 1, *points, *between, points[-1] + 1}


def _integers(cuts: set[float]) -> set[int]:
    """The whole numbers next to each cut: one lies in every piece that holds any."""
    points = cuts or {0}
    return {
        edge + step
        for cut in points
        for edge in (math.floor(cut), math.ceil(cut))
        for step in (-1, 0, 1)
    }


def _literals_near(node: Node, name: str) -> Iterator[Scalar]:
    match node:
        case Compare(_, left, right):
            for side, other in ((left, right), (right, left)):
                if isinstance(side, Name) and side.name == name and isinstance(other, Literal):
                    yield other.value
        case In(Name(item), options, _) if item == name:
            yield from options
        case Not(operand):
            yield from _literals_near(operand, name)
        case BoolOp(_, operands):
            for operand in operands:
                yield from _literals_near(operand, name)
