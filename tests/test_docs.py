"""The README and docs/: a README short enough for users, every file they link or show present in the
repository, and the import rules docs/ARCHITECTURE.md states."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tiny_corpus import ROOT

README_MAX_LINES = 250
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# what Markdown shows or links: ![alt](path), [text](path), <img src="path"> (training/publish.py reads the same)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img[^>]+src=[\"']([^\"']+)[\"']")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)   # code is not a link, whatever it looks like


def links(path: Path) -> list[str]:
    """The relative targets `path` links or shows (web addresses and in-page anchors left out), anchors cut off."""
    text = CODE.sub("", path.read_text(encoding="utf-8"))
    targets = [(m.group(1) or m.group(2)).split("#")[0] for m in LINK.finditer(text)]
    return [t for t in targets if t and not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.I) and not t.startswith("/")]


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines: move the detail to docs/"


def test_the_docs_exist_and_the_readme_links_each():
    readme = set(links(ROOT / "README.md"))
    for name in ("ARCHITECTURE.md", "LAB.md", "RESULTS.md"):
        assert (ROOT / "docs" / name).is_file() and f"docs/{name}" in readme, name


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_and_image_exists(doc):
    found = links(doc)
    missing = [t for t in found if not (doc.parent / t).exists()]
    outside = [t for t in found if not (doc.parent / t).resolve().is_relative_to(ROOT)]
    assert found and not missing and not outside, (missing, outside)


def test_the_link_reader_sees_links_and_images_but_not_code(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text('![a](docs/a.png "title") [b](../b.md#part) <img src="c.svg"> [w](https://x.org/y.png) [t](#top)\n'
                   "`[not](a_link.md)`\n```\n[nor](this.md)\n```\n")
    assert links(doc) == ["docs/a.png", "../b.md", "c.svg"]


# ----------------------------------------------------------------------------- the import rules

PACKAGES = ("dawn", "ui", "training", "lab")


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


CODE_FILES = [ROOT / "app.py", *(p for d in PACKAGES for p in sorted((ROOT / d).rglob("*.py")))]
MODULES = {_module(p): p for p in CODE_FILES}


def imports(path: Path) -> set[str]:
    """The project modules `path` imports, at any depth of its code (a function's own imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                 if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
        found |= {n for n in names if n in MODULES}
    return found


def is_command(module: str) -> bool:
    """A command of training/ or lab/: a module run with `python -m` (it has a __main__ block)."""
    return (module.split(".")[0] in ("training", "lab")
            and re.search(r'^if __name__ == "__main__":', MODULES[module].read_text(encoding="utf-8"), re.M) is not None)


@pytest.mark.parametrize("package, never", [("dawn", ("app", "ui", "training", "lab")),   # the library: only itself
                                            ("ui", ("app", "training", "lab")),           # the page: the library
                                            ("training", ("app", "ui", "lab"))])          # the verbs: the library
def test_each_folder_imports_only_what_architecture_md_says(package, never):
    found = [f"{m} imports {i}" for m, p in MODULES.items() if m.split(".")[0] == package
             for i in imports(p) if i.split(".")[0] in never]
    assert found == [], found


def test_no_command_is_another_modules_library():
    commands = {m for m in MODULES if is_command(m)}
    assert {"training.train", "training.evaluate", "training.publish", "lab.report"} <= commands
    found = [f"{m} imports {i}" for m, p in MODULES.items() for i in imports(p) if i in commands and i != m]
    assert found == [], found
