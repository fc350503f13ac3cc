"""requirements.lock: what CI installs is what the tests ran on, and never a CUDA build."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from paths import REPO

LOCK = REPO / "requirements.lock"
#: Packages that only a CUDA build of torch needs: installing one means a multi-GB download.
CUDA_ONLY = re.compile(r"^(nvidia-|triton|cuda-|cupy)")


def pins() -> dict[str, str]:
    found = {}
    for line in LOCK.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", line):
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + project["optional-dependencies"]["test"]
    return [Requirement(name) for name in names]


def test_the_lock_holds_no_cuda_package_and_the_cpu_build_of_torch() -> None:
    locked = pins()
    assert [name for name in locked if CUDA_ONLY.match(name)] == []
    assert Version(locked["torch"]).local == "cpu", locked["torch"]


def test_the_lock_pins_every_declared_dependency_within_its_range() -> None:
    locked = pins()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is declared in pyproject.toml but not locked"
        version = Version(locked[name])
        assert requirement.specifier.contains(version, prereleases=True), (name, version)


def test_the_tests_run_on_the_locked_versions() -> None:
    # Refresh the lock (see README) after installing other versions, or install the lock.
    differ = {}
    for name, version in pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed is None or Version(installed) != Version(version):
            differ[name] = {"locked": version, "installed": installed}
    assert differ == {}
