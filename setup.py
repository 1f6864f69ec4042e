"""Packages of the distribution, found rather than listed.

The collection is installed as `ansible_collections.converge.platforms` (this directory), where
ansible-core finds it in site-packages with no further step; `reconciler` and `emulators` are
ordinary packages. Metadata and dependencies are in pyproject.toml.

An editable install (`pip install -e .`) also puts on `sys.path` a directory holding
`ansible_collections/converge/platforms`, a link to this checkout: ansible-core's collection loader
looks for collections as directories on its paths and `sys.path`, and never asks the import hook
through which setuptools makes the packages of an editable install importable.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel

COLLECTION = "ansible_collections.converge.platforms"
COLLECTION_FILES = ["galaxy.yml", "README.md", "CHANGELOG.md", "meta/*.yml", "playbooks/*.yml",
                    "roles/*/*", "roles/*/*/*", "changelogs/*.yaml",
                    # the Event-Driven Ansible source, found by ansible-rulebook in the installed collection
                    "extensions/eda/plugins/event_source/*.py", "extensions/eda/rulebooks/*.yml",
                    "extensions/eda/playbooks/*.yml"]
ROOT = Path(__file__).resolve().parent
#: the directory an editable install puts on sys.path (build/ is left out of git and of the collection)
EDITABLE_COLLECTIONS = ROOT / "build" / "__editable__.collections"

class BuildPy(build_py):
    """Leaves this file out of the collection package, whose directory is the repository root."""

    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        return [m for m in modules if not (package == COLLECTION and m[1] == "setup")]


def link_collection(directory: Path) -> None:
    """Make `directory/ansible_collections/converge/platforms` a link to this checkout."""
    link = directory.joinpath("ansible_collections", *COLLECTION.split(".")[1:])
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() and link.resolve() == ROOT:
        return
    if link.is_symlink():
        link.unlink()
    link.symlink_to(ROOT, target_is_directory=True)


class CollectionPath:
    """Wraps setuptools' editable strategy: also links the collection and adds a .pth naming its directory."""

    def __init__(self, strategy, name: str):
        self.strategy = strategy
        self.name = name

    def __call__(self, wheel, files, mapping):
        self.strategy(wheel, files, mapping)
        link_collection(EDITABLE_COLLECTIONS)
        wheel.writestr(f"__editable__.{self.name}.collections.pth", f"{EDITABLE_COLLECTIONS}\n")

    def __enter__(self):
        self.strategy.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.strategy.__exit__(*exc_info)


class EditableWheel(editable_wheel):
    """`pip install -e .`: setuptools' editable wheel, with the collection where ansible-core looks for it."""

    def _select_strategy(self, name, tag, build_lib):
        return CollectionPath(super()._select_strategy(name, tag, build_lib), name)


emulator_packages = find_packages(include=["emulators", "emulators.*"])
setup(
    packages=find_packages(include=["reconciler", "reconciler.*"]) + emulator_packages + [COLLECTION]
    + [f"{COLLECTION}.{name}" for name in find_packages(include=["plugins", "plugins.*"])],
    package_dir={COLLECTION: "."},
    package_data={COLLECTION: COLLECTION_FILES, **{name: ["*.yml"] for name in emulator_packages}},
    include_package_data=False,
    cmdclass={"build_py": BuildPy, "editable_wheel": EditableWheel},
)
