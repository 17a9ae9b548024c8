"""Fixtures for the app tests: the shipped models (as the page loads them), and the app on a free loopback port.
Imported by conftest.py."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = Path(os.environ.get("DAWN_CHECKPOINTS", ROOT / "checkpoints"))  # the app reads the same variable
APP_START_TIMEOUT_S = 900  # generous: the suite may share two CPU cores with training (minutes at nice 19)


@pytest.fixture(scope="session")
def checkpoint_root() -> Path:
    return CHECKPOINTS


@pytest.fixture(scope="module")
def models():
    """Every model of the page, loaded as app.py loads them. All of them must load: a test about the shipped
    models fails when one is missing or unreadable, never passes on the others (the page's own handling of a
    missing model is tested on a folder made for it: test_demo.py)."""
    from ui.pipeline import load_models
    loaded = load_models(CHECKPOINTS)
    assert not loaded.problems, f"checkpoints in {CHECKPOINTS} that did not load: {loaded.problems}"
    return loaded


@pytest.fixture(scope="module")
def translators(models):
    """The models that loaded, by name."""
    return models.translators


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`python app.py` exactly as a user starts it, on 127.0.0.1 and a free port; stopped after the session.
    Yields (url, the path of its log: stdout and stderr).

    DAWN_APP_URL=http://127.0.0.1:7860/ uses an app that is already running instead (loopback only; no log)."""
    url = os.environ.get("DAWN_APP_URL")
    if url:
        from urllib.parse import urlparse
        if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"DAWN_APP_URL must point at this machine, got {url!r}")
        yield url, None
        return
    from lab.benchmarks.app_server import launch_app
    log = tmp_path_factory.mktemp("app") / "app.log"
    with launch_app(log, APP_START_TIMEOUT_S) as (url, _):
        yield url, log


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    return app_server[0]


@pytest.fixture(scope="session")
def app_log(app_server) -> Path:
    """The running app's log file (skips with DAWN_APP_URL: that app's log is elsewhere)."""
    if app_server[1] is None:
        pytest.skip("DAWN_APP_URL: the app's log is not ours to read")
    return app_server[1]


@contextlib.contextmanager
def serve_blocks(demo) -> Iterator[str]:
    """Launch a gr.Blocks on a free loopback port, yield its URL, close it afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
