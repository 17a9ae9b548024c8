"""Fixtures for the app tests: the two shipped translators, and the app on a free loopback port.
Imported by conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = Path(os.environ.get("DAWN_CHECKPOINTS", ROOT / "checkpoints"))  # the app reads the same variable
MODEL_NAMES = ("lstm", "transformer")
APP_START_TIMEOUT_S = 240


@pytest.fixture(scope="session")
def checkpoint_root() -> Path:
    return CHECKPOINTS


@pytest.fixture(scope="module")
def translators():
    """Both committed checkpoints, loaded once per test module."""
    from dawn import load_translator
    return {name: load_translator(CHECKPOINTS / name) for name in MODEL_NAMES}


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """`python app.py` exactly as a user starts it, on 127.0.0.1 and a free port; stopped after the session."""
    from training.load_test import launch_app
    with launch_app(tmp_path_factory.mktemp("app") / "app.log", APP_START_TIMEOUT_S) as (url, _):
        yield url
