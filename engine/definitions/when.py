"""The `when` language: a small, safe condition on application fields (never Python `eval`).

    length_m > 200 and (occupies_carriageway or affects_trees)
    permit_category in ["A", "B"] and not work_days <= 90

Comparisons (`== != < <= > >=`), `and`, `or`, `not`, parentheses, field names, numbers,
strings in single or double quotes, `true`/`false`, and `in [...]` / `not in [...]`; at most
1000 characters and 32 levels of `not` and parentheses, so no condition can exhaust the parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import InputError

Scalar = bool | int | float | str


class WhenError(InputError):
    """A `when` that does not parse, or cannot be evaluated against an application."""

    def __init__(self, message: str, *, column: int | None = None):
        self.column = column
        where = f"at column {column}: " if column is not None else ""
        super().__init__(where + message)


# --- the tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Scalar


@dataclass(frozen=True)
class Name:
    name: str
    column: int


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True)
class In:
    item: Node
    options: tuple[Scalar, ...]
    negated: bool


Node = Literal | Name | Not | BoolOp | Compare | In


# --- tokens --------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?)
    | (?P<string>"[^"]*"|'[^']*')
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>==|!=|<=|>=|<|>)
    | (?P<punct>[()\[\],-])
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false"}
MAX_LENGTH = 1000  # characters: a condition is a line, not a program
MAX_NESTING = 32  # `not`s and parentheses inside each other


@dataclass(frozen=True)
class _Token:
    kind: str  # number string name keyword op punct end
    text: str
    column: int


def _tokens(text: str) -> Iterator[_Token]:
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.lastgroup is None:
            column = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            raise WhenError(f"unexpected character {text[column - 1]!r}", column=column)
        kind, value = match.lastgroup, match.group(match.lastgroup)
        column = match.start(kind) + 1
        if kind == "name" and value in _KEYWORDS:
            kind = "keyword"
        yield _Token(kind, value, column)
        pos = match.end()
    yield _Token("end", "", len(text) + 1)


# --- the parser ----------------------------------------------------------------------------


class _Parser:
    """Recursive descent: or > and > not > comparison > atom."""

    def __init__(self, text: str):
        self.tokens = list(_tokens(text))
        self.index = 0
        self.depth = 0

    def nested(self) -> None:
        """One level deeper (a `not` or a parenthesis); refused past `MAX_NESTING`."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise WhenError(f"nested deeper than {MAX_NESTING} levels", column=self.token.column)

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.token
        self.index += 1
        return token

    def accept(self, text: str) -> bool:
        if self.token.kind != "string" and self.token.text == text:
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            self.unexpected(f"expected {text!r}")

    def unexpected(self, what: str) -> None:
        found = "the end" if self.token.kind == "end" else repr(self.token.text)
        raise WhenError(f"{what}, found {found}", column=self.token.column)

    def parse(self) -> Node:
        node = self.disjunction()
        if self.token.kind != "end":
            self.unexpected("expected 'and', 'or' or the end")
        return node

    def disjunction(self) -> Node:
        operands = [self.conjunction()]
        while self.accept("or"):
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def conjunction(self) -> Node:
        operands = [self.negation()]
        while self.accept("and"):
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def negation(self) -> Node:
        if self.accept("not"):
            self.nested()
            node = Not(self.negation())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.atom()
        if self.token.kind == "op":
            op = self.take().text
            return Compare(op, left, self.atom())
        if self.accept("in"):
            return In(left, self.options(), negated=False)
        if self.token.text == "not" and self.tokens[self.index + 1].text == "in":
            self.index += 2
            return In(left, self.options(), negated=True)
        return left

    def options(self) -> tuple[Scalar, ...]:
        self.expect("[")
        values: list[Scalar] = []
        if not self.accept("]"):
            values.append(self.literal())
            while self.accept(","):
                values.append(self.literal())
            self.expect("]")
        return tuple(values)

    def literal(self) -> Scalar:
        column = self.token.column
        node = self.atom()
        if not isinstance(node, Literal):
            raise WhenError("a list holds only numbers, strings or true/false", column=column)
        return node.value

    def atom(self) -> Node:
        token = self.token
        if self.accept("("):
            self.nested()
            node = self.disjunction()
            self.expect(")")
            self.depth -= 1
            return node
        if self.accept("-"):
            number = self.token
            if number.kind != "number":
                self.unexpected("expected a number after '-'")
            self.index += 1
            return Literal(-_number(number.text))
        self.index += 1
        if token.kind == "number":
            return Literal(_number(token.text))
        if token.kind == "string":
            return Literal(token.text[1:-1])
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Literal(token.text == "true")
        if token.kind == "name":
            return Name(token.text, token.column)
        self.index -= 1
        self.unexpected("expected a field name, a number, a string or true/false")
        raise AssertionError("unreachable")


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


# --- the public face -----------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A parsed `when`: its source text and its tree."""

    source: str
    tree: Node

    def __str__(self) -> str:
        return self.source

    @property
    def fields(self) -> frozenset[str]:
        """The field names the condition reads."""
        return frozenset(name.name for name in names_in(self.tree))

    def holds(self, values: Mapping[str, Any]) -> bool:
        """Evaluate against application field values (raises `WhenError` if one is missing)."""
        result = _evaluate(self.tree, values)
        if not isinstance(result, bool):
            raise WhenError(f"{self.source!r} is not a true/false condition")
        return result


def parse_when(text: str) -> Condition:
    """Parse a `when`; a syntax error raises `WhenError` naming the column."""
    if not text.strip():
        raise WhenError("the condition is empty")
    if len(text) > MAX_LENGTH:
        raise WhenError(f"the condition is longer than {MAX_LENGTH} characters")
    return Condition(text, _Parser(text).parse())


def evaluate_when(text: str, values: Mapping[str, Any]) -> bool:
    """Parse and evaluate in one go: `evaluate_when("length_m > 200", {"length_m": 350})`."""
    return parse_when(text).holds(values)


def names_in(node: Node) -> Iterator[Name]:
    """Every field name in a tree, in order of appearance."""
    match node:
        case Name():
            yield node
        case Not(operand):
            yield from names_in(operand)
        case BoolOp(_, operands):
            for operand in operands:
                yield from names_in(operand)
        case Compare(_, left, right):
            yield from names_in(left)
            yield from names_in(right)
        case In(item, _, _):
            yield from names_in(item)


def _evaluate(node: Node, values: Mapping[str, Any]) -> Any:
    match node:
        case Literal(value):
            return value
        case Name(name):
            if name not in values or values[name] is None:
                raise WhenError(f"field {name!r} has no value in the application")
            return values[name]
        case Not(operand):
            return not _truth(_evaluate(operand, values))
        case BoolOp("and", operands):
            return all(_truth(_evaluate(o, values)) for o in operands)
        case BoolOp(_, operands):
            return any(_truth(_evaluate(o, values)) for o in operands)
        case Compare(op, left, right):
            return _compare(op, _evaluate(left, values), _evaluate(right, values))
        case In(item, options, negated):
            return (_evaluate(item, values) in options) != negated
    raise AssertionError(f"unknown node {node!r}")


def _truth(value: Any) -> bool:
    if not isinstance(value, bool):
        raise WhenError(f"{value!r} is not true or false")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("==", "!="):
        same = left == right and (_is_number(left) == _is_number(right))
        return same if op == "==" else not same
    if not (_is_number(left) and _is_number(right)) and not (
        isinstance(left, str) and isinstance(right, str)
    ):
        raise WhenError(f"cannot order {left!r} and {right!r}")
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
