"""Import gradio without writing type stubs: a second or more off the app's cold start on the 2-core CPU.

    from ui.gradio_import import skip_component_stubs
    skip_component_stubs()        # before the first `import gradio`
    import gradio as gr

Every time gradio is imported, its component metaclass (gradio/component_meta.py, ComponentMeta.__new__ ->
create_or_modify_pyi) reads the source file of each component class, parses it and rewrites a `.pyi` type
stub beside it: for about 80 built-in components, and for ours (ui/attention_explorer.pyi). The stubs are for
editors and type checkers (gradio generates them this way on purpose: gradio-app/gradio#13799); a running
app never reads them. To see the cost: `python -X importtime -c "import gradio"` lists gradio.components
and gradio._simple_templates (where the component classes are defined) as the slow part; the app's whole
start is timed by lab/benchmarks/page.py (cold_start_s).

How: a one-shot import hook. When gradio.component_meta is first executed, its create_or_modify_pyi is
replaced by a function that does nothing, before any component class is defined; the hook then removes
itself. Importing gradio anywhere else (tests, a Python shell) still writes the stubs.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

TARGET = "gradio.component_meta"
STUB_WRITER = "create_or_modify_pyi"


def _no_stubs(*args, **kwargs) -> None:
    """Stands in for gradio's create_or_modify_pyi: no stub is read, parsed or written."""


class _SkipStubs(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        sys.meta_path.remove(self)                                 # one shot: later imports are untouched
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_skip(module) -> None:
            exec_module(module)
            if hasattr(module, STUB_WRITER):                        # another gradio version: leave it as it is
                setattr(module, STUB_WRITER, _no_stubs)
        spec.loader.exec_module = exec_then_skip
        return spec


def skip_component_stubs() -> bool:
    """Install the hook. False (and nothing done) when gradio's components are already imported."""
    if TARGET in sys.modules:
        return False
    if not any(isinstance(f, _SkipStubs) for f in sys.meta_path):
        sys.meta_path.insert(0, _SkipStubs())
    return True
