"""Digests of code: a project module with every project module it imports, and a user's module file with its
local helpers; imports are found by parsing the sources (ast), never by importing them."""

import ast
import functools
import hashlib
import importlib.metadata
import json
import os
import sys
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("runner", "mappers", "simulator")
PYTHON_VERSION = "{}.{}.{}".format(*sys.version_info[:3])


@functools.lru_cache(maxsize=4096)
def _imports(source: bytes) -> tuple[tuple[int, str, tuple[str, ...] | None], ...]:
    """Every import anywhere in `source`, as (level, module, names); names is None for `import module`.
    A source that does not parse imports nothing (the loader reports it); cached per content."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are the loader's to report
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):  # ValueError: null bytes, on older Pythons
        return ()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(0, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", tuple(alias.name for alias in node.names)))
    return tuple(found)


def _read(path: Path) -> bytes:
    """The bytes of `path`, or the reason it cannot be read (without the path, so that the digest stays
    independent of the checkout's location)."""
    try:
        return path.read_bytes()
    except OSError as error:
        return f"unreadable: {type(error).__name__}: {error.strerror}".encode()


@functools.lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    """Import names to the installed distributions that provide them."""
    return importlib.metadata.packages_distributions()


@functools.lru_cache(maxsize=None)
def _installed(top: str) -> tuple[tuple[str, str], ...]:
    """The installed distributions providing the top-level import name `top`, with their versions; none for the
    standard library (it counts through the Python version) and for names nothing provides."""
    if top in sys.stdlib_module_names:
        return ()
    return tuple((name, importlib.metadata.version(name)) for name in sorted(set(_distributions().get(top, ()))))


def _digest(sources: dict[str, bytes], tops: set[str], extra: dict | None = None) -> str:
    """sha256 over the sources by relative path, the distributions behind `tops`, the Python version and `extra`."""
    files = {rel: hashlib.sha256(data).hexdigest() for rel, data in sources.items()}
    payload = {"python": PYTHON_VERSION, "files": files,
               "distributions": sorted({pair for top in tops for pair in _installed(top)}), "extra": extra or {}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _module_file(root: Path, module: str) -> Path | None:
    """The file of the dotted `module` under `root`: its package's `__init__.py`, else its `.py` file."""
    parts = module.split(".")
    if not all(parts):
        return None
    stem = root.joinpath(*parts)
    return next((file for file in (stem / "__init__.py", stem.with_name(f"{parts[-1]}.py")) if file.is_file()), None)


def _absolute(importer: str, is_package: bool, level: int, module: str) -> str | None:
    """The absolute name of `from <level dots><module> import ...` in the module `importer`; None above the top."""
    if not level:
        return module
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    if level - 1 >= len(package):
        return None
    return ".".join(package[:len(package) - level + 1] + ([module] if module else []))


def _project_modules(root: Path, module: str, names: tuple[str, ...] | None) -> set[str]:
    """The project modules an import depends on: `import a.b` on a.b; `from a.b import c` on a.b.c when that is
    a module, else on a.b. Parent packages (`__init__.py` registries) are not dependencies."""
    wanted = {module} if names is None else {
        f"{module}.{name}" if _module_file(root, f"{module}.{name}") else module for name in names}
    return {name for name in wanted if _module_file(root, name)}


def _project_walk(module_name: str, root: Path, packages: tuple[str, ...]) -> tuple[dict[str, bytes], set[str]]:
    """The sources (by path relative to `root`) of `module_name` and the project modules it imports,
    transitively, with the top-level names of everything else they import."""
    start = _module_file(root, module_name) if module_name.split(".")[0] in packages else None
    if start is None:
        raise ModuleNotFoundError(f"{module_name} is no module of the project (packages {', '.join(packages)})")
    files, queue, tops, sources = {module_name: start}, [module_name], set(), {}
    while queue:
        name = queue.pop()
        path = files[name]
        sources[path.relative_to(root).as_posix()] = source = _read(path)
        for level, module, names in _imports(source):
            target = _absolute(name, path.name == "__init__.py", level, module)
            if target is None:
                continue
            top = target.split(".")[0]
            if top not in packages:
                tops.add(top)
                continue
            for found in _project_modules(root, target, names) - files.keys():
                files[found] = _module_file(root, found)
                queue.append(found)
    return dict(sorted(sources.items())), tops


def code_digest(module_name: str, root: Path = PROJECT_ROOT, packages: tuple[str, ...] = PROJECT_PACKAGES) -> str:
    """sha256 of the project module `module_name`, the project modules it imports (transitively), the
    installed versions of the third-party packages they import and the Python version."""
    return _digest(*_project_walk(module_name, root, packages))


def code_files(module_name: str, root: Path = PROJECT_ROOT, packages: tuple[str, ...] = PROJECT_PACKAGES) -> list[str]:
    """The project files (relative to `root`, sorted) that `code_digest(module_name)` covers."""
    return list(_project_walk(module_name, root, packages)[0])


def _chain(base: Path, parts: list[str]) -> list[Path] | None:
    """The files importing the dotted `parts` from folder `base` runs: each package's `__init__.py` and the
    module's own file (folders without `__init__.py` count as namespace packages); None when it is not there."""
    files, folder = [], base
    for part in parts:
        package, single = folder / part / "__init__.py", folder / f"{part}.py"
        if package.is_file():
            files.append(package)
        elif single.is_file():
            files.append(single)
        elif not (folder / part).is_dir():
            return None
        folder = folder / part
    return files


def _local_files(file: Path, level: int, module: str, names: tuple[str, ...] | None, root: Path) -> list[Path]:
    """The local files one import of `file` runs: an absolute import from `file`'s folder, else from `root`;
    a relative one from its package (with the package's `__init__.py`). Empty when nothing local matches."""
    parts = module.split(".") if module else []
    if not level:
        bases, prefix = list(dict.fromkeys((file.parent, root))), []
    elif level <= len(file.parents):
        bases = [file.parents[level - 1]]
        prefix = [init for init in (bases[0] / "__init__.py",) if init.is_file()]
    else:
        return []
    for base in bases:
        found = _chain(base, parts)
        if found is None:
            continue
        for name in names or ():
            found += _chain(base, parts + [name]) or []
        if prefix + found:
            return sorted(set(prefix + found))
    return []


def _user_external(module: str, names: tuple[str, ...] | None, tops: set[str], project: set[str]) -> None:
    """Record an absolute import that names no local file: a project module by name, anything else by its
    top-level name (standard library and unknown names then contribute nothing)."""
    top = module.split(".")[0]
    modules = _project_modules(PROJECT_ROOT, module, names) if top in PROJECT_PACKAGES else set()
    if modules:
        project.update(modules)
    else:
        tops.add(top)


def python_file_digest(path: Path, root: Path) -> tuple[str, list[str]]:
    """sha256 of a user's module file and the Python files it imports from its folder or `root`, transitively,
    with the installed versions of what else it imports; and the files covered, relative to `root`."""
    path, root = Path(path).resolve(), Path(root).resolve()
    home = path.parent
    seen, queue, tops, project, sources = {path}, [path], set(), set(), {}
    while queue:
        file = queue.pop()
        sources[os.path.relpath(file, root).replace(os.sep, "/")] = source = _read(file)
        for level, module, names in _imports(source):
            found = [local for local in _local_files(file, level, module, names, root)
                     if local.is_relative_to(home) or local.is_relative_to(root)]
            if not found and not level:
                _user_external(module, names, tops, project)
            for new in set(found) - seen:
                seen.add(new)
                queue.append(new)
    sources = dict(sorted(sources.items()))
    return _digest(sources, tops, {"project": {name: code_digest(name) for name in sorted(project)}}), list(sources)
