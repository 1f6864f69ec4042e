"""ZStack 2.3.1 emulator (the document's global API): 29 operations under `/zstack/v1`.

- `query.py`: the query language of every query API, a pure function over dicts;
- `state.py`: `ZStackState`, the model composed of a store per resource family: `management` (nodes, hosts
  and their capacity, declared resources), `sessions` (sessions and API jobs), `tags` (over the indexed
  `tag_store`), `notifications`, `gc_jobs`, `long_jobs` (and task progress) and `license`, each on `base`;
- `api.py`: `ZStackEmulator`, routes, async jobs, envelopes and status codes; `params.py` reads a request.

`fixtures.yml` here shows the fixture keys the emulator reads: `management_nodes`,
`resources`, `notifications`, `gc_jobs`, `hosts` and `license`.
"""
