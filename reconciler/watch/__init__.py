"""Continuous reconciliation: `reconciler watch` (docs/watch.md).

`source` fetches the desired state (a directory, or a git branch), `cycle` plans it and applies what `policy`
lets through, `loop` runs a cycle every interval and keeps `status`; `suspensions` are kept in the state
backend; `server`, `page` and `metrics` serve the status over HTTP, `notify` posts the `events`.
"""
