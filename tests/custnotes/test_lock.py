"""Installs come from the lock: what runs the tests is exactly what requirements/dev.txt names, the
production image installs requirements/base.txt, and both agree with pyproject.toml's ranges.

`make install` builds .venv from the lock with `pip install --require-hashes --no-deps`; a package
that something installed beside it (by hand, or by a tool pulling in its own dependencies) makes
the first test fail, so CI never passes on versions it did not lock.
"""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
# What `python -m venv` itself puts in a new environment: the installer, not the project's choice.
VENV_SEED = {"pip", "setuptools"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(name: str) -> dict[str, str]:
    """{canonical name: version} of a pip-compile lock file; every pin must carry hashes."""
    text = (ROOT / "requirements" / name).read_text()
    found = {}
    for block in re.split(r"\n(?=\S)", text):
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{match.group(1)} in {name} has no hash"
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def installed() -> dict[str, str]:
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_environment_is_exactly_the_dev_lock():
    lock, have = pins("dev.txt"), installed()
    unlocked = {name: version for name, version in have.items() if name not in lock and name not in VENV_SEED}
    assert not unlocked, f"installed but not in requirements/dev.txt (run `make lock`): {unlocked}"
    wrong = {name: (have.get(name), version) for name, version in lock.items() if have.get(name) != version}
    assert not wrong, f"(installed, locked) differ: {wrong}; `make install` rebuilds .venv from the lock"


def test_the_runtime_lock_is_the_runtime_part_of_the_dev_lock():
    base, dev = pins("base.txt"), pins("dev.txt")
    assert {name: dev.get(name) for name in base} == base


def test_the_locks_satisfy_pyprojects_ranges():
    base, dev = pins("base.txt"), pins("dev.txt")
    runtime = [Requirement(r) for r in project()["dependencies"]]
    development = [Requirement(r) for r in project()["optional-dependencies"]["dev"]]
    for requirement, lock in [*((r, base) for r in runtime), *((r, dev) for r in development)]:
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{requirement} is not locked"
        assert requirement.specifier.contains(lock[name], prereleases=True), f"{name}=={lock[name]} vs {requirement}"


def test_development_tools_stay_out_of_the_runtime():
    base = pins("base.txt")
    for tool in ("honcho", "playwright", "ruff", "pytest", "pytest-django", "pytest-xdist", "time-machine"):
        assert tool not in base, tool
    assert {"django", "celery", "gunicorn", "psycopg", "numpy", "scipy", "openpyxl"} <= set(base)


def test_the_image_and_the_makefile_install_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --require-hashes --no-deps -r requirements/base.txt" in dockerfile
    assert "-e ." not in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps" in makefile and "-r requirements/dev.txt" in makefile
