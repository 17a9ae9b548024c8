"""The library installs: pyproject.toml builds a package holding `dawn` (and only `dawn`), which
imports and translates outside the checkout; its pins agree with requirements.txt (the app's) and
requirements-dev.txt (training, tests); the app's requirements hold what the app imports, no more."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s;#]+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    """{normalised distribution name: version} of every `name==version` line."""
    return {_norm(m.group(1)): m.group(3) for line in lines if (m := PIN.match(line.strip()))}


def _requirements(name: str) -> list[str]:
    return (ROOT / name).read_text().splitlines()


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_every_requirement_is_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in _requirements(name):
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r "):
                assert PIN.match(line), f"{name}: {line!r} is not pinned (name==version)"


def test_pyproject_pins_agree_with_the_requirements_files(project):
    app, dev = _pins(_requirements("requirements.txt")), _pins(_requirements("requirements-dev.txt"))
    assert _requirements("requirements-dev.txt")[[l.startswith("-r") for l in _requirements("requirements-dev.txt")].index(True)] \
        == "-r requirements.txt"
    library = _pins(project["dependencies"])
    extras = {k: _pins(v) for k, v in project["optional-dependencies"].items()}
    assert {**library, **extras["app"]} == app                        # the Space: the library and Gradio
    assert {**extras["training"], **extras["test"]} == dev            # the rest: training and tests
    assert "code-dawn-2014[app,training]" in project["optional-dependencies"]["test"]
    assert not set(app) & set(dev)                                    # each pin written once per file set


def _third_party_imports(paths: list[Path], top_level_only: bool) -> set[str]:
    """Top-level modules imported by these files, outside the standard library and this repository.
    top_level_only: only module-level imports (a lazy import inside a function is not a requirement)."""
    found = set()
    for path in paths:
        tree = ast.parse(path.read_text())
        nodes = tree.body if top_level_only else list(ast.walk(tree))
        for node in nodes:
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and not _is_local(m) and m != "__future__"}


def _is_local(module: str) -> bool:
    """A module of this repository: a top-level package or file (dawn, ui, app, ...) or a test helper."""
    return any((d / module).is_dir() or (d / f"{module}.py").is_file() for d in (ROOT, ROOT / "tests"))


def _closure(pins: dict[str, str]) -> set[str]:
    """The distributions pinned and everything they require, as installed here."""
    seen, todo = set(), list(pins)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            for req in requires(name) or []:
                if "extra ==" not in req:
                    todo.append(_norm(re.match(r"[A-Za-z0-9_.-]+", req).group(0)))
        except PackageNotFoundError:
            pass
    return seen


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    dists = packages_distributions()
    missing = sorted(m for m in modules if m not in dists)
    assert not missing, f"imported but not installed: {missing}"
    return {m: {_norm(d) for d in dists[m]} for m in modules}


def _reachable(start: Path) -> list[Path]:
    """start and every module of this repository it imports at module level, transitively."""
    seen, todo = [], [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        for node in ast.parse(path.read_text()).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                     if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            for name in names:
                for candidate in (ROOT / (name.replace(".", "/") + ".py"), ROOT / name.replace(".", "/") / "__init__.py"):
                    if candidate.is_file():
                        todo.append(candidate)
    return seen


def test_the_app_requirements_hold_what_the_app_imports_and_no_test_or_training_tools():
    app_files = _reachable(ROOT / "app.py")
    assert ROOT / "dawn" / "translator.py" in app_files and ROOT / "dawn" / "plots.py" not in app_files
    pins = _pins(_requirements("requirements.txt"))
    provided = _closure(pins)
    for module, dists in _distributions(_third_party_imports(app_files, top_level_only=True)).items():
        assert dists & provided, f"the app imports {module} ({dists}), which requirements.txt does not install"
    assert not {"pytest", "playwright", "datasets", "matplotlib", "tqdm"} & set(pins)


def test_the_library_dependencies_hold_what_dawn_imports(project):
    """pip install . gives every module dawn imports at load time; dawn.plots (figures, for training.evaluate)
    needs the [training] extra."""
    library = _closure(_pins(project["dependencies"]))
    training = _closure({**_pins(project["dependencies"]), **_pins(project["optional-dependencies"]["training"])})
    for path in sorted((ROOT / "dawn").glob("*.py")):
        provided = training if path.name == "plots.py" else library
        for module, dists in _distributions(_third_party_imports([path], top_level_only=True)).items():
            assert dists & provided, f"dawn/{path.name} imports {module} ({dists}), not in pyproject's dependencies"


def test_the_dev_requirements_hold_what_training_and_tests_import():
    files = [*sorted((ROOT / "training").rglob("*.py")), *sorted((ROOT / "tests").rglob("*.py")),
             *sorted((ROOT / "dawn").rglob("*.py"))]
    provided = _closure({**_pins(_requirements("requirements.txt")), **_pins(_requirements("requirements-dev.txt"))})
    for module, dists in _distributions(_third_party_imports(files, top_level_only=False)).items():
        assert dists & provided, f"{module} ({dists}) is imported but not in requirements-dev.txt"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """`pip install .` of this checkout into a fresh folder (no dependencies: they are installed here)."""
    pytest.importorskip("setuptools")  # the build backend, used without build isolation (offline)
    target = tmp_path_factory.mktemp("site")
    build = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                            "--no-cache-dir", "--target", str(target), str(ROOT)],
                           capture_output=True, text=True, cwd=target, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    return target


def _run_outside(installed: Path, cwd: Path, code: str, **env: str) -> str:
    """Run Python code with the installed copy of dawn and not this checkout; returns its stdout."""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300,
                         env={"PYTHONPATH": str(installed), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
                              "PATH": "/usr/bin:/bin", **env})
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def test_pip_installs_the_library_and_it_translates_outside_the_checkout(installed, tmp_path):
    assert sorted(p.name for p in installed.iterdir() if not p.name.endswith(".dist-info")) == ["dawn"]
    dist_info = next(installed.glob("code_dawn_2014-*.dist-info"))
    assert (dist_info / "licenses" / "LICENSE").is_file() or (dist_info / "LICENSE").is_file()
    out = _run_outside(installed, tmp_path, "import dawn; from dawn import load_translator; "
                       f"t = load_translator({str(ROOT / 'checkpoints' / 'transformer')!r}); "
                       "print(dawn.__file__); print(t.translate('猫追老鼠。').text)")
    where, text = out.splitlines()[-2:]
    assert Path(where).is_relative_to(installed)          # the installed copy, not the checkout
    assert text == "The cat chased the mouse."


def test_a_published_cards_snippet_translates_verbatim_in_a_fresh_environment(installed, tmp_path):
    """The card as its hub repo shows it, run as a user would after `pip install`: the repo id resolves
    through the hub cache (filled here as a download would fill it, since the tests are offline). The
    LSTM with attention: a model only this library can run (the Transformer's plain-transformers snippet
    is checked in test_committed_checkpoints)."""
    import shutil

    from dawn import load_translator
    from dawn.card import card_for_repo

    name, repo = "lstm_attention", "someone/code-dawn-2014-lstm-attention"
    commit = "0" * 40
    cache = tmp_path / "hub"
    snapshot = cache / f"models--{repo.replace('/', '--')}" / "snapshots" / commit
    shutil.copytree(ROOT / "checkpoints" / name, snapshot)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text(commit)
    card = card_for_repo((ROOT / "checkpoints" / name / "README.md").read_text(), ROOT / "checkpoints" / name, repo,
                         "https://huggingface.co/spaces/someone/code-dawn-2014")
    snippet = re.search(r"```python\n(.*?)```", card, re.S).group(1)
    assert f'load_translator("{repo}")' in snippet
    out = _run_outside(installed, tmp_path, snippet, HF_HUB_CACHE=str(cache))
    assert out.strip() == load_translator(ROOT / "checkpoints" / name).translate("我们决定去爬山。", beam_size=4).text
