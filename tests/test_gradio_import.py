"""ui/gradio_import.py: gradio imported without its .pyi side effect, and otherwise whole (fresh processes: the
hook only acts on gradio's first import)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import sys, time
from pathlib import Path
import gradio_import_under_test as g
skip = sys.argv[1] == "skip"
if skip:
    assert g.skip_component_stubs() is True
stub = Path(sys.argv[2])
import gradio as gr
import gradio.component_meta as cm
assert (cm.create_or_modify_pyi is g._no_stubs) == skip
assert not any(isinstance(f, g._SkipStubs) for f in sys.meta_path)       # the hook is gone after one use
assert g.skip_component_stubs() is False                                 # too late now: nothing installed
with gr.Blocks() as demo:                                                 # gradio still works: events and all
    box = gr.Textbox()
    box.change(lambda s: s, box, box)
print(stub.stat().st_size > 0)                                           # was the emptied stub written again?
"""


def _run(mode: str, tmp_path: Path, stub: Path) -> str:
    (tmp_path / "gradio_import_under_test.py").write_text((ROOT / "ui" / "gradio_import.py").read_text())
    stub.write_text("")                                                   # emptied: gradio's import would refill it
    out = subprocess.run([sys.executable, "-c", CHECK, mode, str(stub)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def test_gradio_writes_its_stubs_on_import_unless_skipped(tmp_path):
    import gradio
    stub = Path(gradio.__file__).parent / "components" / "textbox.pyi"   # one of gradio's own stubs
    if not os.access(stub.parent, os.W_OK):
        pytest.skip(f"{stub.parent} is read-only: gradio cannot write its stubs there either")
    saved = stub.read_bytes() if stub.exists() else None
    try:
        assert _run("skip", tmp_path, stub) == "False"    # with the hook: left empty
        assert _run("plain", tmp_path, stub) == "True"    # gradio's own behaviour: written again on import
    finally:
        if saved is not None:
            stub.write_bytes(saved)


def test_app_installs_it_before_importing_gradio():
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    assert source.index("skip_component_stubs()") < source.index("import gradio")
