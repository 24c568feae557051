"""The step graph: `needs` edges, cycles, what can never run, and a running order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Needs = Mapping[str, Sequence[str]]
"""Each step's id → the ids it needs (only ids that exist)."""


def cycles(needs: Needs) -> list[tuple[str, ...]]:
    """One cycle per tangle of steps, as a path back to its start: (a, b, a)."""
    found: list[tuple[str, ...]] = []
    done: set[str] = set()
    for start in needs:
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack = [(start, iter(needs[start]))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, edges = stack[-1]
            nxt = next(edges, None)
            if nxt is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif nxt in on_path:
                cycle = (*path[path.index(nxt) :], nxt)
                if not any(set(cycle) <= set(other) for other in found):
                    found.append(cycle)
            elif nxt not in done:
                stack.append((nxt, iter(needs[nxt])))
                path.append(nxt)
                on_path.add(nxt)
    return found


def blocked(needs: Needs) -> dict[str, str]:
    """Steps that can never start, each with the step of a cycle it waits for."""
    in_cycle = {step for cycle in cycles(needs) for step in cycle}
    reason: dict[str, str] = {step: step for step in in_cycle}
    changed = True
    while changed:
        changed = False
        for step, wanted in needs.items():
            if step not in reason:
                waits = next((w for w in wanted if w in reason), None)
                if waits is not None:
                    reason[step] = reason[waits]
                    changed = True
    return reason


def running_order(needs: Needs) -> list[str]:
    """Every step after the steps it needs (steps in cycles left out), stable in file order."""
    stuck = blocked(needs)
    order: list[str] = []
    placed: set[str] = set()
    pending = [step for step in needs if step not in stuck]
    while pending:
        ready = [s for s in pending if all(n in placed for n in needs[s])]
        if not ready:
            break
        order.extend(ready)
        placed.update(ready)
        pending = [s for s in pending if s not in placed]
    return order


def ancestors(needs: Needs, step: str) -> set[str]:
    """Every step that must finish before `step`, directly or not."""
    seen: set[str] = set()
    todo = list(needs.get(step, ()))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(needs.get(current, ()))
    return seen
