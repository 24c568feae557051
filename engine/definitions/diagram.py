"""The step graph as Mermaid, Graphviz DOT or a self-contained SVG.

Parallel branches stand side by side (one column per depth of `needs`); the critical path is
drawn red and thick, conditional steps dashed with their `when`, uncounted steps grey.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from engine.definitions.model import Step, Workflow
from engine.definitions.plan import Plan

CRITICAL = "#c62828"
GREY = "#9e9e9e"


@dataclass(frozen=True)
class _Node:
    step: Step
    critical: bool
    column: int
    row: int

    @property
    def lines(self) -> list[str]:
        s = self.step
        lines = [s.title, f"{s.id} · {s.department} · {s.limit}"]
        return lines + ([f"when {s.when}"] if s.when else [])


def _layout(workflow: Workflow, plan: Plan) -> tuple[list[_Node], list[tuple[str, str, bool]]]:
    critical = set(plan.critical_path)
    ids = {s.id for s in workflow.steps}
    column: dict[str, int] = {}
    for entry in plan.steps:  # the plan lists steps in running order
        step = workflow.step(entry.id)
        column[step.id] = max((column[n] + 1 for n in step.needs if n in column), default=0)
    rows: dict[int, int] = {}
    nodes = []
    for entry in plan.steps:
        c = column[entry.id]
        nodes.append(_Node(workflow.step(entry.id), entry.id in critical, c, rows.get(c, 0)))
        rows[c] = rows.get(c, 0) + 1
    path = list(plan.critical_path)
    on_path = {(a, b) for a, b in zip(path, path[1:], strict=False)}
    edges = [
        (need, s.id, (need, s.id) in on_path)
        for s in workflow.steps
        for need in s.needs
        if need in ids and need in column and s.id in column
    ]
    return nodes, edges


def mermaid(workflow: Workflow, plan: Plan) -> str:
    nodes, edges = _layout(workflow, plan)

    def key(step_id: str) -> str:
        return step_id.replace("-", "_")

    out = ["flowchart LR", f"  %% {workflow.id} v{workflow.version}: critical path in red"]
    for node in nodes:
        text = "<br/>".join(escape(line).replace('"', "#quot;") for line in node.lines)
        out.append(f'  {key(node.step.id)}["{text}"]')
    for index, (a, b, hot) in enumerate(edges):
        out.append(f"  {key(a)} --> {key(b)}")
        if hot:
            out.append(f"  linkStyle {index} stroke:{CRITICAL},stroke-width:3px")
    out.append(f"  classDef critical stroke:{CRITICAL},stroke-width:3px")
    out.append("  classDef conditional stroke-dasharray:5 5")
    out.append(f"  classDef uncounted fill:#eeeeee,color:{GREY}")
    for cls, test in _classes():
        chosen = [key(n.step.id) for n in nodes if test(n)]
        if chosen:
            out.append(f"  class {','.join(chosen)} {cls}")
    return "\n".join(out) + "\n"


def _classes() -> list[tuple[str, Callable[[_Node], bool]]]:
    return [
        ("critical", lambda n: n.critical),
        ("conditional", lambda n: n.step.when is not None),
        ("uncounted", lambda n: not n.step.is_counted),
    ]


def dot(workflow: Workflow, plan: Plan) -> str:
    nodes, edges = _layout(workflow, plan)

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def label(lines: list[str]) -> str:
        return quote("\0".join(lines)).replace("\0", "\\n")

    out = [
        f"digraph {quote(workflow.id)} {{",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded", fontname="Noto Sans CJK SC"];',
    ]
    for node in nodes:
        styles = ["rounded"] + (["dashed"] if node.step.when else [])
        styles += [] if node.step.is_counted else ["filled"]
        attrs = [f"label={label(node.lines)}", f"style={quote(','.join(styles))}"]
        if node.critical:
            attrs += [f"color={quote(CRITICAL)}", "penwidth=3"]
        if not node.step.is_counted:
            attrs.append('fillcolor="#eeeeee"')
        out.append(f"  {quote(node.step.id)} [{', '.join(attrs)}];")
    for a, b, hot in edges:
        extra = f" [color={quote(CRITICAL)}, penwidth=3]" if hot else ""
        out.append(f"  {quote(a)} -> {quote(b)}{extra};")
    out.append("}")
    return "\n".join(out) + "\n"


BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 260, 64, 70, 22, 20


def svg(workflow: Workflow, plan: Plan) -> str:
    """A standalone SVG drawn here (no Graphviz needed)."""
    nodes, edges = _layout(workflow, plan)
    place = {
        n.step.id: (MARGIN + n.column * (BOX_W + GAP_X), MARGIN + 24 + n.row * (BOX_H + GAP_Y))
        for n in nodes
    }
    width = max((x for x, _ in place.values()), default=0) + BOX_W + MARGIN
    height = max((y for _, y in place.values()), default=0) + BOX_H + MARGIN
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<text x="{MARGIN}" y="{MARGIN + 8}" font-weight="bold">'
        f"{escape(workflow.title)} ({escape(workflow.id)} v{workflow.version})</text>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for a, b, hot in edges:
        (ax, ay), (x2, by) = place[a], place[b]
        x1, y1, y2 = ax + BOX_W, ay + BOX_H / 2, by + BOX_H / 2
        mid = (x1 + x2) / 2
        colour, stroke = (CRITICAL, 3) if hot else ("#555", 1.2)
        out.append(
            f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" fill="none" '
            f'stroke="{colour}" stroke-width="{stroke}" marker-end="url(#arrow)"/>'
        )
    for node in nodes:
        x, y = place[node.step.id]
        colour, stroke = (CRITICAL, 3) if node.critical else ("#333", 1.2)
        dash = ' stroke-dasharray="6 4"' if node.step.when else ""
        fill = "#ffffff" if node.step.is_counted else "#eeeeee"
        out.append(
            f'<g><title>{escape(node.step.id)}</title><rect x="{x}" y="{y}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="8" fill="{fill}" stroke="{colour}" '
            f'stroke-width="{stroke}"{dash}/>'
        )
        for i, line in enumerate(node.lines):
            weight = ' font-weight="bold"' if i == 0 else ' fill="#555"'
            out.append(
                f'<text x="{x + 10}" y="{y + 18 + i * 16}"{weight}>{escape(_clip(line))}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _clip(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


FORMATS: dict[str, Callable[[Workflow, Plan], str]] = {"mermaid": mermaid, "dot": dot, "svg": svg}


def diagram(workflow: Workflow, plan: Plan, *, format: str = "mermaid") -> str:
    """The step graph in `format` (mermaid, dot or svg)."""
    return FORMATS[format](workflow, plan)
