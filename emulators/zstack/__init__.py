"""ZStack 2.3.1 emulator (the document's global API): 29 operations under `/zstack/v1`.

- `query.py`: the query language of every query API, a pure function over dicts;
- `state.py`: the model (sessions, API jobs, tags, notifications, GC jobs, long jobs, task
  progress, license, host capacity) and the rules the document states;
- `api.py`: `ZStackEmulator`, routes, async jobs, envelopes and status codes.

`fixtures.yml` here shows the fixture keys the emulator reads: `management_nodes`,
`resources`, `notifications`, `gc_jobs`, `hosts` and `license`.
"""
