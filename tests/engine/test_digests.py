"""Code digests: exactly the files a module imports (statically, transitively) and the installed versions."""

import importlib.metadata
import shutil
import time

import pytest

from runner.engine import digests
from runner.engine.digests import PROJECT_PACKAGES, PROJECT_ROOT, code_digest, code_files, python_file_digest

TREE = {
    "a/__init__.py": "from a.x import X\nfrom a.y import Y\n",
    "a/x.py": "def f():\n    import a.z\n    return a.z.Z\n\n\nX = 1\n",
    "a/y.py": "Y = 2\n",
    "a/z.py": "import numpy\n\nZ = 3\n",
    "a/w.py": "import os\nfrom . import z\nfrom .y import Y\n",
    "a/sub/__init__.py": "",
    "a/sub/m.py": "from .. import y\nfrom a import X\n",
    "a/learn.py": "from sklearn import tree\n",
}

MODEL = {
    "spec/models/net.py": "import torch\nimport helpers\nfrom blocks.conv import Conv\nimport shared\n",
    "spec/models/helpers.py": "from . import consts\n",
    "spec/models/consts.py": "WIDTH = 4\n",
    "spec/models/blocks/__init__.py": "",
    "spec/models/blocks/conv.py": "Conv = None\n",
    "spec/models/unrelated.py": "UNUSED = 1\n",
    "spec/shared.py": "SHARED = 1\n",
}


def write(root, files):
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def digest(root, module):
    return code_digest(module, root=root, packages=("a",))


@pytest.fixture
def tree(tmp_path):
    return write(tmp_path / "project", TREE)


@pytest.fixture
def model(tmp_path):
    write(tmp_path, MODEL)
    return tmp_path / "spec/models/net.py", tmp_path / "spec"


@pytest.fixture
def fake_version(monkeypatch):
    """Make `importlib.metadata.version` report 0.0-fake for the named distribution (caches cleared around)."""
    real = importlib.metadata.version

    def patch(distribution):
        monkeypatch.setattr(importlib.metadata, "version",
                            lambda name: "0.0-fake" if name == distribution else real(name))
        digests._installed.cache_clear()

    yield patch
    digests._installed.cache_clear()


def test_a_module_covers_what_it_imports_lazily_and_not_the_registry(tree):
    assert code_files("a.x", root=tree, packages=("a",)) == ["a/x.py", "a/z.py"]
    assert code_files("a.y", root=tree, packages=("a",)) == ["a/y.py"]
    assert code_files("a", root=tree, packages=("a",)) == ["a/__init__.py", "a/x.py", "a/y.py", "a/z.py"]


def test_relative_imports_resolve_and_an_imported_name_means_its_package(tree):
    assert code_files("a.w", root=tree, packages=("a",)) == ["a/w.py", "a/y.py", "a/z.py"]
    assert code_files("a.sub.m", root=tree, packages=("a",)) == [
        "a/__init__.py", "a/sub/m.py", "a/x.py", "a/y.py", "a/z.py"]


def test_editing_an_imported_module_changes_exactly_its_importers(tree):
    x, y = digest(tree, "a.x"), digest(tree, "a.y")
    (tree / "a/z.py").write_text("import numpy\n\nZ = 4\n")
    assert digest(tree, "a.x") != x
    assert digest(tree, "a.y") == y
    x = digest(tree, "a.x")
    (tree / "a/y.py").write_text("Y = 3\n")
    (tree / "a/__init__.py").write_text("from a.x import X\n")
    assert digest(tree, "a.x") == x
    assert digest(tree, "a.y") != y


def test_third_party_versions_and_the_python_version_are_in(tree, fake_version, monkeypatch):
    x, y, learn = digest(tree, "a.x"), digest(tree, "a.y"), digest(tree, "a.learn")
    fake_version("numpy")
    assert digest(tree, "a.x") != x
    assert digest(tree, "a.y") == y
    fake_version("scikit-learn")
    assert digest(tree, "a.learn") != learn
    monkeypatch.setattr(digests, "PYTHON_VERSION", "3.0.0")
    assert digest(tree, "a.y") != y


def test_the_digest_does_not_depend_on_where_the_tree_lives(tree, tmp_path):
    elsewhere = shutil.copytree(tree, tmp_path / "elsewhere" / "deeper")
    assert [digest(elsewhere, module) for module in ("a", "a.x", "a.w")] == [
        digest(tree, module) for module in ("a", "a.x", "a.w")]


def test_a_module_outside_the_project_is_refused(tree):
    with pytest.raises(ModuleNotFoundError, match="a.nothing is no module of the project"):
        digest(tree, "a.nothing")


def test_the_real_steps_cover_their_own_code():
    pretraining = code_files("runner.steps.pretraining")
    assert "runner/tuning/trainer.py" in pretraining
    assert [rel for rel in pretraining if rel.startswith("runner/steps/")] == ["runner/steps/pretraining.py",
                                                                            "runner/steps/reads.py"]
    assert not [rel for rel in pretraining if rel.startswith("simulator/kernels/")]
    simulation = code_files("runner.steps.simulation")
    assert "simulator/run.py" in simulation and [rel for rel in simulation if rel.startswith("simulator/kernels/")]


def test_a_full_cold_walk_of_the_project(capsys):
    modules = sorted({".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
                      for package in PROJECT_PACKAGES for path in (PROJECT_ROOT / package).rglob("*.py")})
    for cache in (digests._imports, digests._distributions, digests._installed):
        cache.cache_clear()
    start = time.perf_counter()
    covered = {rel for module in modules for rel in code_files(module)}
    code_digest("runner.cli")
    with capsys.disabled():
        print(f"\ncold walk of {len(modules)} modules ({len(covered)} files): {time.perf_counter() - start:.3f} s")
    assert len(covered) == len(modules)


def test_a_model_file_covers_its_local_imports_transitively(model):
    path, root = model
    digest_before, files = python_file_digest(path, root)
    assert files == ["models/blocks/__init__.py", "models/blocks/conv.py", "models/consts.py", "models/helpers.py",
                     "models/net.py", "shared.py"]
    (root / "models/unrelated.py").write_text("UNUSED = 2\n")
    assert python_file_digest(path, root)[0] == digest_before
    seen = {digest_before}
    for rel in ("models/consts.py", "models/blocks/conv.py", "models/helpers.py", "shared.py"):
        (root / rel).write_text((root / rel).read_text() + "# edited\n")
        seen.add(python_file_digest(path, root)[0])
    assert len(seen) == 5


def test_a_model_file_digest_does_not_depend_on_where_it_lives(model, tmp_path):
    path, root = model
    shutil.copytree(root, tmp_path / "moved" / "spec")
    moved = tmp_path / "moved" / "spec"
    assert python_file_digest(moved / "models/net.py", moved) == python_file_digest(path, root)


def test_a_file_outside_the_root_is_named_relative_to_it(tmp_path):
    write(tmp_path, {"lib/net.py": "import helper\n", "lib/helper.py": "", "spec/spec.yaml": ""})
    assert python_file_digest(tmp_path / "lib/net.py", tmp_path / "spec")[1] == ["../lib/helper.py", "../lib/net.py"]


def test_torch_counts_by_its_version_and_os_not_at_all(tmp_path, fake_version, monkeypatch):
    write(tmp_path, {"net.py": "import torch\n", "plain.py": "import os\nimport os.path\n"})
    net, plain = python_file_digest(tmp_path / "net.py", tmp_path), python_file_digest(tmp_path / "plain.py", tmp_path)
    assert (net[1], plain[1]) == (["net.py"], ["plain.py"])
    fake_version("torch")
    assert python_file_digest(tmp_path / "net.py", tmp_path)[0] != net[0]
    monkeypatch.setattr(digests, "_distributions", lambda: {"os": ["not-the-standard-library"]})
    fake_version("not-the-standard-library")
    assert python_file_digest(tmp_path / "plain.py", tmp_path) == plain


def test_an_unresolvable_import_is_ignored_until_it_resolves(tmp_path):
    write(tmp_path, {"net.py": "import helpres\nfrom helpres.deep import thing\n"})
    first = python_file_digest(tmp_path / "net.py", tmp_path)
    assert first == python_file_digest(tmp_path / "net.py", tmp_path) and first[1] == ["net.py"]
    (tmp_path / "helpres.py").write_text("")
    assert python_file_digest(tmp_path / "net.py", tmp_path)[1] == ["helpres.py", "net.py"]


def test_a_project_module_imported_by_a_model_counts_by_its_code_digest(tmp_path, monkeypatch):
    write(tmp_path, {"net.py": "from mappers.graph import representation\nfrom runner.errors import UserError\n"})
    calls = []
    monkeypatch.setattr(digests, "code_digest", lambda name: calls.append(name) or f"{name}-{len(calls)}")
    first = python_file_digest(tmp_path / "net.py", tmp_path)
    assert sorted(calls) == ["mappers.graph.representation", "runner.errors"] and first[1] == ["net.py"]
    assert python_file_digest(tmp_path / "net.py", tmp_path)[0] != first[0]


def test_an_unparsable_or_missing_file_still_has_a_digest_that_follows_it(tmp_path):
    (tmp_path / "net.py").write_text("import torch\ndef broken(:\n")
    broken = python_file_digest(tmp_path / "net.py", tmp_path)
    assert broken[1] == ["net.py"]
    (tmp_path / "net.py").write_text("import torch\ndef broken(::\n")
    assert python_file_digest(tmp_path / "net.py", tmp_path)[0] != broken[0]
    missing = python_file_digest(tmp_path / "gone.py", tmp_path)
    assert missing[1] == ["gone.py"]
    (tmp_path / "gone.py").write_text("")
    assert python_file_digest(tmp_path / "gone.py", tmp_path)[0] != missing[0]
