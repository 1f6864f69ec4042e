"""Every write lands through the modules too: one play per kind creates its entry, changes one field in place
and deletes it, and after each task the emulator's own state (`GET /_emulator/state`, fetched by the play
itself) holds what the task said, read back through `writes.WIRE`."""

from __future__ import annotations

import pytest

from reconciler.platforms import kinds
from tests.contract.test_modules import module_env, untemplated
from tests.contract.test_writes_land import FIRST_STATE, KINDS, applied, site
from tests.contract.writes import BEFORE_DELETE, UPDATES, stored, wrongly_held
from tests.support import run_playbook

pytestmark = pytest.mark.slow


def module_task(kind, options):
    """A task of the kind's module with `options`."""
    return {f"converge.platforms.{kind}": untemplated(options)}


def state_task(platform):
    """A task fetching the emulator's whole state, registered with the others."""
    return {"ansible.builtin.uri": {"url": platform.handle.url + "/_emulator/state", "return_content": True}}


def steps(kind, entry):
    """(what each module task sets, whether the object is then gone): the create, one update, what a delete
    needs first, the delete."""
    spec = kinds()[kind]
    created = dict(entry, state=FIRST_STATE.get(kind, spec.states[0]))
    result = [(created, False)]
    if UPDATES.get(kind):
        result.append((dict(created, **UPDATES[kind][0]), False))
    if kind in BEFORE_DELETE:
        result.append((dict(result[-1][0], **BEFORE_DELETE[kind]), False))
    if "absent" in spec.states:
        result.append((dict(result[-1][0], state="absent"), True))
    return result


@pytest.mark.parametrize("kind", KINDS)
def test_each_module_write_lands_in_the_emulator(kind, platform_of, tmp_path):
    platform = site(platform_of, kind)
    entry = platform.resources[kind][0]
    platform.resources = {k: v for k, v in platform.resources.items() if k != kind}
    platform.write()
    if platform.resources:
        applied(platform)  # what the entry depends on
    planned = steps(kind, entry)
    tasks = [task for options, _gone in planned for task in (module_task(kind, options), state_task(platform))]
    results = run_playbook(tasks, env=module_env(platform), workdir=tmp_path).results
    assert len(results) == len(tasks)
    for index, (options, gone) in enumerate(planned):
        done, state = results[2 * index], results[2 * index + 1]["json"]
        assert not done.get("failed"), (options, done.get("msg"))
        if gone:
            assert stored(kind, platform.spec, state, options) is None, options
        else:
            assert wrongly_held(kind, platform.spec, state, options) == {}, options
