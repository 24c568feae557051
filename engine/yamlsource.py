"""Load YAML while remembering where every key and item stood, for `file:line:col` errors.

Mappings load as `Located` dicts and sequences as `LocatedList`s; both keep the 1-based line
and column of each key or item, so validators can point at the exact place of a mistake.
Oversized, too deeply nested or malformed files raise `SourceError`, never a YAML traceback;
so does a file whose aliases would expand to more than `MAX_NODES` nodes (a "billion laughs":
549 bytes of aliases nested ten deep stand for 10^10 nodes). Each node is counted once, so the
check costs as much as the file is long, whatever its aliases say.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from engine.errors import SourceError

MAX_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_NODES = 100_000  # after aliases are expanded: far more than any definition holds

Position = tuple[int, int]


class Located(dict[str, Any]):
    """A mapping that knows the position of itself and of each of its keys."""

    pos: Position = (1, 1)
    key_pos: dict[str, Position]
    value_pos: dict[str, Position]

    def at(self, key: str) -> Position:
        """Where `key` stands (for a wrong or unknown key)."""
        return self.key_pos.get(key, self.pos)

    def value_at(self, key: str) -> Position:
        """Where the value of `key` stands (for a wrong value)."""
        return self.value_pos.get(key, self.at(key))


class LocatedList(list[Any]):
    """A sequence that knows the position of itself and of each item."""

    pos: Position = (1, 1)
    item_pos: list[Position]

    def at(self, index: int) -> Position:
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


def _pos(node: yaml.Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry positions; dates stay plain strings."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    result = Located()
    result.pos = _pos(node)
    result.key_pos = {}
    result.value_pos = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | bool | float) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain scalar", key_node.start_mark
            )
        key = str(key)
        if key in result:
            line, col = _pos(key_node)
            raise _Duplicate(f"duplicate key {key!r}", line, col)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_pos[key] = _pos(key_node)
        result.value_pos[key] = _pos(value_node)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(item, deep=True) for item in node.value)
    result.pos = _pos(node)
    result.item_pos = [_pos(item) for item in node.value]
    return result


def _construct_timestamp_as_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


# YAML 1.1 reads yes/no/on/off as booleans; in a definition they are words. Only true/false are.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


class _Duplicate(Exception):
    def __init__(self, message: str, line: int, col: int):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def _check_shape(root: yaml.Node, *, file: str) -> None:
    """Refuse a tree nested deeper than `MAX_DEPTH`, or larger than `MAX_NODES` once its
    aliases are expanded. Each node is visited once (an alias reuses the node it names: its
    size and depth are remembered), so the check is linear in the file, not in the expansion."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}  # the depth below each node, its own counted

    def visit(node: yaml.Node, level: int) -> None:
        if level > MAX_DEPTH:
            line, col = _pos(node)
            raise SourceError(
                f"nested deeper than {MAX_DEPTH} levels", file=file, line=line, col=col
            )
        if id(node) in sizes:
            if level + depths[id(node)] > MAX_DEPTH + 1:
                line, col = _pos(node)
                raise SourceError(
                    f"nested deeper than {MAX_DEPTH} levels", file=file, line=line, col=col
                )
            return
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        sizes[id(node)], depths[id(node)] = -1, 1  # being visited: met again, it is a cycle
        for child in children:
            if sizes.get(id(child)) == -1:
                line, col = _pos(child)
                raise SourceError(
                    "an alias refers to a value that holds it", file=file, line=line, col=col
                )
            visit(child, level + 1)
        sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
        depths[id(node)] = 1 + max((depths[id(child)] for child in children), default=0)
        if sizes[id(node)] > MAX_NODES:
            line, col = _pos(node)
            raise SourceError(
                f"more than {MAX_NODES:,} values once its aliases are expanded",
                file=file,
                line=line,
                col=col,
            )

    visit(root, 0)


def load_text(text: str, *, file: str) -> Any:
    """Parse YAML text; every problem becomes a `SourceError` at its place in `file`."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise SourceError(f"file is larger than {MAX_BYTES // 1_000_000} MB", file=file, line=1)
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None
            _check_shape(root, file=file)
            return loader.construct_document(root)
        finally:
            loader.dispose()
    except _Duplicate as dup:
        raise SourceError(dup.message, file=file, line=dup.line, col=dup.col) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        message = exc.problem or exc.context or "malformed YAML"
        raise SourceError(f"malformed YAML: {message}", file=file, line=line, col=col) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: one line
        reason = f"character #x{exc.character:04x} is not allowed"
        raise SourceError(f"malformed YAML: {reason}", file=file) from None
    except yaml.YAMLError as exc:
        raise SourceError(f"malformed YAML: {' '.join(str(exc).split())}", file=file) from None
    except RecursionError:
        raise SourceError(f"nested deeper than {MAX_DEPTH} levels", file=file) from None


def load_file(path: Path) -> Any:
    """Read and parse one YAML file (size checked before reading it whole)."""
    file = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", file=file) from None
    if size > MAX_BYTES:
        raise SourceError(f"file is larger than {MAX_BYTES // 1_000_000} MB", file=file, line=1)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SourceError("not UTF-8 text", file=file) from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", file=file) from None
    return load_text(text, file=file)
