"""Problems found in a definition file, each at its `file:line:col`.

Pydantic reports a place as a path of keys and indexes (`steps`, 3, `signers`, `mode`); the
located YAML turns that path back into a line and column.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.errors import InputError
from engine.yamlsource import Located, LocatedList, Position

Path = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, where it is."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class DefinitionError(InputError):
    """A definition with problems; `problems` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def locate(doc: Any, path: Path) -> Position:
    """The line and column of `path` in located YAML (the nearest existing place)."""
    node, pos = doc, getattr(doc, "pos", (1, 1))
    for part in path:
        if isinstance(node, Located) and isinstance(part, str):
            pos, node = node.at(part), node.get(part)
        elif isinstance(node, LocatedList) and isinstance(part, int) and part < len(node):
            pos, node = node.at(part), node[part]
        else:
            break
    return pos


def problem_at(doc: Any, path: Path, message: str, *, file: str) -> Problem:
    line, col = locate(doc, path)
    return Problem(file, line, col, message)


def validation_problems(
    error: ValidationError, doc: Any, *, file: str, model: type[BaseModel], prefix: Path = ()
) -> list[Problem]:
    """Pydantic's errors as problems; `model` is the root whose schema names the known keys."""
    schema = model.model_json_schema()
    problems = []
    for item in error.errors():
        path = prefix + tuple(item["loc"])
        problems.append(problem_at(doc, path, _message(item, path, schema), file=file))
    return problems


def _message(item: Any, path: Path, schema: dict[str, Any]) -> str:
    keys = [part for part in path if isinstance(part, str)]
    key = keys[-1] if keys else None
    if item["type"] == "missing":
        return f"missing required key {key!r}"
    if item["type"] == "extra_forbidden":
        return f"unknown key {key!r}" + suggest(str(key), _known_keys(schema, path[:-1]))
    if item["type"] == "value_error":  # a model's own rule, reported at the model
        return str(item["msg"]).removeprefix("Value error, ")
    return f"{key}: {item['msg']}" if key else str(item["msg"])


def suggest(word: str, known: Iterable[str], *, listing: bool = True) -> str:
    """` (did you mean 'needs'?)`, else the known names (if `listing`), else nothing."""
    names = sorted(known)
    close = difflib.get_close_matches(word, names, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known: {', '.join(names)})" if listing and names else ""


def _known_keys(schema: dict[str, Any], path: Path) -> list[str]:
    defs = schema.get("$defs", {})

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while True:
            if "$ref" in node:
                node = defs[node["$ref"].rsplit("/", 1)[-1]]
            elif "anyOf" in node:
                options = [o for o in node["anyOf"] if o.get("type") != "null"]
                node = next((o for o in options if "$ref" in o or "properties" in o), options[0])
            else:
                return node

    node = resolve(schema)
    for part in path:
        if isinstance(part, int):
            node = resolve(node.get("items", {}))
        else:
            node = resolve(
                node.get("properties", {}).get(part, node.get("additionalProperties", {}))
            )
    return list(node.get("properties", {}))
