"""Packages of the distribution, found rather than listed.

The collection is installed as `ansible_collections.converge.platforms` (this directory), where
ansible-core finds it in site-packages with no further step; `reconciler` and `emulators` are
ordinary packages. Metadata and dependencies are in pyproject.toml.
"""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

COLLECTION = "ansible_collections.converge.platforms"
COLLECTION_FILES = ["galaxy.yml", "README.md", "CHANGELOG.md", "meta/*.yml", "playbooks/*.yml",
                    "roles/*/*", "roles/*/*/*", "changelogs/*.yaml"]



class BuildPy(build_py):
    """Leaves this file out of the collection package, whose directory is the repository root."""

    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        return [m for m in modules if not (package == COLLECTION and m[1] == "setup")]


emulator_packages = find_packages(include=["emulators", "emulators.*"])
setup(
    packages=["reconciler"] + emulator_packages + [COLLECTION]
    + [f"{COLLECTION}.{name}" for name in find_packages(include=["plugins", "plugins.*"])],
    package_dir={COLLECTION: "."},
    package_data={COLLECTION: COLLECTION_FILES, **{name: ["*.yml"] for name in emulator_packages}},
    include_package_data=False,
    cmdclass={"build_py": BuildPy},
)
