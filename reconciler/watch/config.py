"""`reconciler watch --config FILE`: the watch's settings in a file that SIGHUP makes it read again.

    # watch.yml
    interval: 300
    apply: true
    self_heal: false
    prune: true
    max_deletes: 20
    lock_timeout: 60

Each key is the option of the same name (`self_heal` for `--self-heal`); an option given on the command line
wins over the file. The file is read as the watch starts (a problem then ends it, exit 1, `file:line: reason`)
and again on SIGHUP: the settings read apply from the next cycle; a file that no longer reads keeps the
settings in force and says why.
"""

from __future__ import annotations

from typing import Any

from ..desired.yaml_reader import line_of, read_yaml
from ..errors import DocumentError

#: key -> (the types it takes, what it must be, as the error says)
KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "interval": ((int, float), "seconds, 0 or more"),
    "apply": ((bool,), "true or false"),
    "self_heal": ((bool,), "true or false"),
    "prune": ((bool,), "true or false"),
    "max_deletes": ((int,), "a whole number, 0 or more"),
    "lock_timeout": ((int, float), "seconds, 0 or more"),
}


def read_config(path: str) -> dict[str, Any]:
    """The settings of a watch's configuration file; DocumentError with every problem as `file:line: reason`."""
    document = read_yaml(path)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise DocumentError([f"{path}:1: a watch's configuration is a mapping of settings ({', '.join(KEYS)})"])
    problems, settings = [], {}
    for key, value in document.items():
        where = f"{path}:{line_of(document, key)}"
        if key not in KEYS:
            problems.append(f"{where}: unknown setting {key!r}: one of {', '.join(KEYS)}")
            continue
        types, meaning = KEYS[key]
        a_flag_for_a_number = bool not in types and isinstance(value, bool)
        negative = isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0
        if not isinstance(value, types) or a_flag_for_a_number or negative:
            problems.append(f"{where}: {key}: {meaning}, not {value!r}")
            continue
        settings[key] = value
    if problems:
        raise DocumentError(problems)
    return settings
