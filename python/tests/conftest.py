"""Shared fixtures: the repository, and the `coserve` command line the
package is checked against (built with cargo if it is not there yet)."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli() -> Path:
    """The release `coserve` binary of this checkout."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--bin", "coserve"], cwd=ROOT, check=True
    )
    binary = target / "release" / "coserve"
    assert binary.exists(), binary
    return binary


def coserve(cli: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(cli), *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done
