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


@dataclass(frozen=True)
class Links:
    """What an entry's edges are made of, read once from its spec: its kind and name (`reference_key`), the
    `(kind, name)` of each entry it references, and the kinds it needs (`prerequisites`)."""

    kind: str
    name: Hashable | None
    references: tuple[tuple[str, Hashable], ...]
    prerequisites: tuple[str, ...]


def links_of(entries: list[Any], specs: dict[str, Any],
             data_of: Callable[[Any], dict[str, Any]] = lambda entry: entry.normalized) -> list[Links]:
    """The links of each entry (of its `normalized` data unless `data_of` says otherwise)."""
    result = []
    for entry in entries:
        spec = specs[entry.kind]
        data = data_of(entry)
        name = data.get(spec.reference_key)
        result.append(Links(entry.kind, name if isinstance(name, Hashable) else None,
                            tuple((reference.kind, reference.name) for reference in spec.references(data)
                                  if isinstance(reference.name, Hashable)),
                            tuple(spec.prerequisites)))
    return result


@dataclass
class EntryGraph(Graph):
    """The dependency graph of entries, with the links it was made of.

    An entry depends on each entry it references (the first of that kind and name) and on every entry of its
    prerequisite kinds. The links are read from the specs once; a graph of some of the entries (`subgraph`)
    or of more of them (`extended`, the owned objects prune deletes) is made from them without reading the
    specs again.
    """

    links: list[Links] = field(default_factory=list)

    @classmethod
    def of(cls, links: list[Links]) -> EntryGraph:
        """The graph whose edges `links` give."""
        by_name: dict[tuple[str, Hashable], int] = {}
        by_kind: dict[str, list[int]] = {}
        for index, link in enumerate(links):
            if link.name is not None:
                by_name.setdefault((link.kind, link.name), index)
            by_kind.setdefault(link.kind, []).append(index)
        graph = cls(len(links), links=list(links))
        for index, link in enumerate(links):
            for reference in link.references:
                target = by_name.get(reference)
                if target is not None:
                    graph.add(index, target)
            for kind in link.prerequisites:
                for target in by_kind.get(kind, []):
                    graph.add(index, target)
        return graph

    def subgraph(self, items: Iterable[int]) -> EntryGraph:
        """The graph of the entries `items` (in their order), numbered from 0."""
        return EntryGraph.of([self.links[index] for index in sorted(set(items))])

    def extended(self, entries: list[Any], specs: dict[str, Any],
                 data_of: Callable[[Any], dict[str, Any]] = lambda entry: entry.normalized) -> EntryGraph:
        """The graph of these entries and `entries` after them, which may depend on and be depended on by them."""
        if not entries:
            return self
        return EntryGraph.of(self.links + links_of(entries, specs, data_of))


def entry_graph(entries: list[Any], specs: dict[str, Any],
                data_of: Callable[[Any], dict[str, Any]] = lambda entry: entry.normalized) -> EntryGraph:
    """The graph of desired entries (their `normalized` data unless `data_of` says otherwise): edges from
    references and from kind prerequisites."""
    return EntryGraph.of(links_of(entries, specs, data_of))


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
    return _Walk(graph, set(items), on_done, on_skip).run(run, succeeded, max(1, concurrency))


class _Walk:
    """The state of one `walk`: what each item still waits for, and what became of the items so far."""

    def __init__(self, graph: Graph, todo: set[int], on_done: Callable[[int, Any], None] | None,
                 on_skip: Callable[[int, int], None] | None) -> None:
        self.todo = todo
        self.waiting = {item: {d for d in graph.needs[item] if d in todo} for item in todo}
        self.dependants: dict[int, set[int]] = {item: set() for item in todo}
        for item, needs in self.waiting.items():
            for dependency in needs:
                self.dependants[dependency].add(item)
        self.outcomes: dict[int, Any] = {}
        self.skipped: dict[int, int] = {}
        self.on_done = on_done
        self.on_skip = on_skip
        self.ready = [item for item in todo if not self.waiting[item]]
        heapq.heapify(self.ready)

    def run(self, run: Callable[[int], Any], succeeded: Callable[[Any], bool], concurrency: int) -> WalkResult:
        """Run the ready items on a pool of `concurrency` threads until none is left to run."""
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            running: dict[Any, int] = {}
            self._start_ready(pool, running, run, concurrency)
            while running:
                finished, _pending = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    item = running.pop(future)
                    self._finished(item, future.result(), succeeded)
                self._start_ready(pool, running, run, concurrency)
        for item in sorted(self.todo - set(self.outcomes) - set(self.skipped)):
            self._skip(item, item)  # waits on itself through a cycle (validation reports cycles first)
        return WalkResult(self.outcomes, self.skipped)

    def _start_ready(self, pool: ThreadPoolExecutor, running: dict[Any, int], run: Callable[[int], Any],
                     concurrency: int) -> None:
        while self.ready and len(running) < concurrency:
            item = heapq.heappop(self.ready)
            if item not in self.skipped:
                running[pool.submit(run, item)] = item

    def _finished(self, item: int, outcome: Any, succeeded: Callable[[Any], bool]) -> None:
        """Record an item's outcome; make ready what waited only for it, or skip its dependants when it failed."""
        self.outcomes[item] = outcome
        if self.on_done:
            self.on_done(item, outcome)
        if not succeeded(outcome):
            self._skip_dependants(item)
            return
        for dependant in self.dependants[item]:
            self.waiting[dependant].discard(item)
            if not self.waiting[dependant] and dependant not in self.skipped:
                heapq.heappush(self.ready, dependant)

    def _skip_dependants(self, cause: int) -> None:
        pending = list(self.dependants[cause])
        while pending:
            dependant = pending.pop()
            if dependant in self.skipped or dependant in self.outcomes:
                continue
            self._skip(dependant, cause)
            pending.extend(self.dependants[dependant])

    def _skip(self, item: int, cause: int) -> None:
        self.skipped[item] = cause
        if self.on_skip:
            self.on_skip(item, cause)
