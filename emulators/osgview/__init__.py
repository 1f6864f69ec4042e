"""OSG view emulator (osgview-vm-group-api.md): course-lab VM groups cloned from templates.

- `state.py`: the model (templates, groups, servers, cached images) and the rules the document
  states; a server's build follows the emulated clock (`build_seconds`, default 5);
- `api.py`: `OsgViewEmulator`, the four operations in use (`gclone`, `gperpare`, `gstart`,
  `gconnent`) by GET or POST, and the `{"status", "msg"}` envelope.

`fixtures.yml` here shows the fixture key the emulator reads: `templates` (with their VMs, and
`clone_error` / a VM's `error` to make OpenStack fail with status 101).
"""
