"""The per-resource dependency graph and the ready-queue walk that applies it.

Nodes are desired entries. An entry depends on each entry it names (`ResourceSpec.references`) and
on every entry of the kinds its spec declares as `prerequisites` on the same platform (a migration
task needs the license). Writes run dependencies first; deletions run the other way round, dependants
first, so a child is gone before its parent is deleted. Cycles are found at validation time.
"""

from __future__ import annotations

import heapq
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterable


@dataclass
class Graph:
    """Dependencies between items 0..n-1: `needs[i]` holds the items that item i depends on."""

    size: int
    needs: dict[int, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for index in range(self.size):
            self.needs.setdefault(index, set())

    def add(self, item: int, dependency: int) -> None:
        if item != dependency:
            self.needs[item].add(dependency)

    def closure(self, items: Iterable[int]) -> set[int]:
        """`items` and every item they depend on, directly or through others."""
        chosen = set(items)
        todo = list(chosen)
        while todo:
            for dependency in self.needs[todo.pop()]:
                if dependency not in chosen:
                    chosen.add(dependency)
                    todo.append(dependency)
        return chosen

    def dependants(self) -> dict[int, set[int]]:
        """The reverse edges: for each item, the items that depend on it."""
        result: dict[int, set[int]] = {index: set() for index in range(self.size)}
        for item, dependencies in self.needs.items():
            for dependency in dependencies:
                result[dependency].add(item)
        return result

    def cycles(self) -> list[list[int]]:
        """Every set of items that depend on each other in a loop, each in dependency order (Tarjan)."""
        index_of: dict[int, int] = {}
        low: dict[int, int] = {}
        stack: list[int] = []
        on_stack: set[int] = set()
        found: list[list[int]] = []
        counter = [0]

        def visit(root: int) -> None:
            # iterative depth-first search, so a long chain cannot overflow the stack
            work = [(root, iter(sorted(self.needs[root])))]
            index_of[root] = low[root] = counter[0]
            counter[0] += 1
            stack.append(root)
            on_stack.add(root)
            while work:
                node, children = work[-1]
                child = next(children, None)
                if child is not None:
                    if child not in index_of:
                        index_of[child] = low[child] = counter[0]
                        counter[0] += 1
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, iter(sorted(self.needs[child]))))
                    elif child in on_stack:
                        low[node] = min(low[node], index_of[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index_of[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

        for item in range(self.size):
            if item not in index_of:
                visit(item)
        return sorted(found)

    def order(self) -> list[int]:
        """Items with every dependency before its dependants; ties keep their original order."""
        remaining = {item: set(needs) for item, needs in self.needs.items()}
        dependants = self.dependants()
        ready = [item for item, needs in remaining.items() if not needs]
        heapq.heapify(ready)
        result: list[int] = []
        while ready:
            item = heapq.heappop(ready)
            result.append(item)
            for dependant in dependants[item]:
                remaining[dependant].discard(item)
                if not remaining[dependant]:
                    heapq.heappush(ready, dependant)
        # items left are in a cycle, which validation reports; keep them last rather than lose them
        return result + sorted(set(range(self.size)) - set(result))


def entry_graph(entries: list[Any], specs: dict[str, Any],
                data_of: Callable[[Any], dict[str, Any]] = lambda entry: entry.normalized) -> Graph:
    """The graph of desired entries (their `normalized` data unless `data_of` says otherwise): edges from
    references and from kind prerequisites."""
    by_name: dict[tuple[str, Hashable], int] = {}
    by_kind: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        spec = specs[entry.kind]
        name = data_of(entry).get(spec.reference_key)
        if isinstance(name, Hashable) and name is not None:
            by_name.setdefault((entry.kind, name), index)
        by_kind.setdefault(entry.kind, []).append(index)
    graph = Graph(len(entries))
    for index, entry in enumerate(entries):
        spec = specs[entry.kind]
        for reference in spec.references(data_of(entry)):
            target = by_name.get((reference.kind, reference.name))
            if target is not None:
                graph.add(index, target)
        for kind in spec.prerequisites:
            for target in by_kind.get(kind, []):
                graph.add(index, target)
    return graph


@dataclass
class WalkResult:
    """What happened to each item of a walk: its outcome, or why it was skipped."""

    outcomes: dict[int, Any]
    skipped: dict[int, int]  # item -> the failed item that caused the skip


def walk(graph: Graph, items: Iterable[int], run: Callable[[int], Any], succeeded: Callable[[Any], bool],
         concurrency: int, on_done: Callable[[int, Any], None] | None = None,
         on_skip: Callable[[int, int], None] | None = None) -> WalkResult:
    """Run every item as soon as the items it depends on (among `items`) have succeeded.

    Up to `concurrency` run at once, across kinds and platforms. When an item fails, every item
    that depends on it, directly or through others, is skipped and tied to that first failure.
    """
    todo = set(items)
    waiting = {item: {d for d in graph.needs[item] if d in todo} for item in todo}
    dependants: dict[int, set[int]] = {item: set() for item in todo}
    for item, needs in waiting.items():
        for dependency in needs:
            dependants[dependency].add(item)
    outcomes: dict[int, Any] = {}
    skipped: dict[int, int] = {}

    def skip_dependants(item: int, cause: int) -> None:
        pending = list(dependants[item])
        while pending:
            dependant = pending.pop()
            if dependant in skipped or dependant in outcomes:
                continue
            skipped[dependant] = cause
            if on_skip:
                on_skip(dependant, cause)
            pending.extend(dependants[dependant])

    ready = [item for item in todo if not waiting[item]]
    heapq.heapify(ready)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        running: dict[Any, int] = {}

        def start_ready() -> None:
            while ready and len(running) < max(1, concurrency):
                item = heapq.heappop(ready)
                if item not in skipped:
                    running[pool.submit(run, item)] = item

        start_ready()
        while running:
            finished, _pending = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                item = running.pop(future)
                outcome = future.result()
                outcomes[item] = outcome
                if on_done:
                    on_done(item, outcome)
                if succeeded(outcome):
                    for dependant in dependants[item]:
                        waiting[dependant].discard(item)
                        if not waiting[dependant] and dependant not in skipped:
                            heapq.heappush(ready, dependant)
                else:
                    skip_dependants(item, item)
            start_ready()
    for item in sorted(todo - set(outcomes) - set(skipped)):
        skipped[item] = item  # waits on itself through a cycle (validation reports cycles first)
        if on_skip:
            on_skip(item, item)
    return WalkResult(outcomes, skipped)
