"""OpenDCP emulator (opendcp-api.txt, with the readings in api-docs/README.md).

- `state.py`: the model (clusters, services, pools, pool nodes, task templates, remote steps,
  remote actions and their implementations) and the rules the document and the upstream server
  (orion) state;
- `flows.py`: flows (tasks): expand, shrink, deploy and `/task/create`, run node by node in
  batches over emulated time (`flow_seconds`, default 4 per batch), remote steps rendered with
  sandboxed Jinja2, never executed;
- `api.py`: `OpenDcpEmulator`, every path for any HTTP method, the `{"code", "msg", "data"}`
  envelope, and the HTML 404/500 pages of the upstream web framework.

`fixtures.yml` here shows the fixture keys the emulator reads: `free_hosts` (more IPs for
expand) and `failing_hosts` (IPs whose flow nodes fail). The `vm_manager` setting (`reachable` or
`unreachable`), or `POST /_emulator/vm_manager {"reachable": false}` while it runs, makes create_vm
fail as the real server's does when it cannot reach its VM manager: the expand flow fails and the
pool keeps a failed node (status 3) whose ip is its own id.
"""
