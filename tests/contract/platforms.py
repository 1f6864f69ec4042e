"""The contract suite's platforms, kinds and logins, all read from the platform descriptors.

Every list the contract tests parametrise over comes from here, so a platform registered with
`module_utils.platforms.register` (the sixth-platform test's) is in them without another edit.
"""

from __future__ import annotations

from ansible_collections.converge.platforms.plugins.module_utils.platforms import descriptor, descriptors

from reconciler.platforms import kinds


def platform_names() -> list[str]:
    """The names of the platforms now known, in the descriptors' order."""
    return [known.name for known in descriptors()]


def contract_kinds() -> list[str]:
    """Every reconcilable kind of every platform now known, sorted: what the contract runs over."""
    return sorted(kinds())


def endpoint(platform: str, url: str) -> dict[str, str]:
    """A desired state's `endpoints.<platform>` for its emulator at `url`: the url and the test credentials."""
    return dict(descriptor(platform).credentials, url=url)


def module_environment(platform: str, url: str) -> dict[str, str]:
    """The environment variables that give a platform's modules the same endpoint (each option's fallback)."""
    spec = descriptor(platform).connection_argument_spec()
    return {spec[option]["fallback"][1][0]: str(value) for option, value in endpoint(platform, url).items()}
