"""Rules of the house that no single behaviour test would notice breaking: the manifest is
read and written only through radio/manifest.py, audio/ never reaches up into speech/, the
package's modules import each other without a circle, and only radio/store.py runs SQL, in
tests and benchmarks too.

Each rule is checked by reading the source with ``ast`` or, for SQL, line by line (nothing is
imported), and each checker is first shown an offending snippet, so a scan that finds nothing
has looked.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "radio"
MANIFEST_MODULE = "radio.manifest"
# Methods that read or change a dict by key, and writers that would serialize one.
_KEYED_METHODS = {"get", "pop", "setdefault", "update", "__getitem__", "__setitem__", "keys", "items"}
_SERIALIZERS = {"dumps", "dump", "loads", "load", "write_json"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_sources() -> dict[str, tuple[Path, ast.Module]]:
    return {module_name(path): (path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for path in sorted(PACKAGE.rglob("*.py"))}


# ---- the manifest ------------------------------------------------------------------------

def _mentions_manifest(node: ast.AST) -> bool:
    return "manifest" in ast.unparse(node).lower()


def manifest_by_key(tree: ast.AST) -> list[tuple[int, str]]:
    """Places that treat a manifest as a dict: ``manifest["audio"]``, ``x.manifest.get("k")``
    (anything whose expression names a manifest), or serialize JSON themselves in a function
    that deals with a manifest."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str) and _mentions_manifest(node.value)):
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _KEYED_METHODS and _mentions_manifest(node.func.value):
                found.append((node.lineno, ast.unparse(node)))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _mentions_manifest(node):
            found += [(call.lineno, ast.unparse(call)) for call in ast.walk(node)
                      if isinstance(call, ast.Call) and _called_name(call) in _SERIALIZERS]
    return sorted(set(found))


def _called_name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def test_the_manifest_checker_finds_string_keys_and_own_serializing():
    sample = ast.parse("a = production.manifest['audio']['path']\n"
                       "b = manifest.get('clips', {})\n"
                       "manifest['output_reused'] = True\n"
                       "def stage(manifest):\n"
                       "    for target, data in ((path, manifest),):\n"
                       "        staged.stage(target, json.dumps(data.as_dict()).encode())\n"
                       "ok = production.manifest.audio.path\n"
                       "fine = settings['x']\n"
                       "def key(material):\n    return json.dumps(material)\n")
    assert [line for line, _ in manifest_by_key(sample)] == [1, 1, 2, 3, 6]


def test_no_string_key_manifest_access_outside_manifest_py():
    offences = [f"{path.relative_to(PACKAGE.parent)}:{line}: {text}"
                for name, (path, tree) in package_sources().items() if name != MANIFEST_MODULE
                for line, text in manifest_by_key(tree)]
    templates = [f"{path.relative_to(PACKAGE.parent)}: {match.group(0)}"
                 for path in sorted((PACKAGE / "templates").rglob("*.j2"))
                 for match in re.finditer(r"manifest[\w.]*(\[\s*['\"]|\.get\()", path.read_text(encoding="utf-8"))]
    assert offences + templates == []


# ---- imports -----------------------------------------------------------------------------

def _resolve(imported: str, modules: set[str]) -> str | None:
    """The package module an import names (``radio.audio`` + ``export`` → ``radio.audio.export``)."""
    while imported and imported not in modules:
        imported = imported.rpartition(".")[0]
    return imported or None


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(tree: ast.Module, modules: set[str], *, module_level_only: bool) -> set[str]:
    """Package modules imported by ``tree``. Module level means what runs when the module is
    imported: top-level statements and those nested in top-level ``if``/``try``/``with``,
    not function bodies, not ``if TYPE_CHECKING:`` blocks."""
    found: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(_targets(node, modules))
            elif isinstance(node, ast.If):
                if not _is_type_checking(node):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, (ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    if module_level_only:
        visit(tree.body)
    else:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(_targets(node, modules))
    return found


def _targets(node: ast.Import | ast.ImportFrom, modules: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level == 0 and node.module:
        # ``from radio.audio import export`` imports the submodule when there is one.
        names = [f"{node.module}.{alias.name}" for alias in node.names]
    else:
        names = []
    return {target for target in (_resolve(name, modules) for name in names) if target}


def import_graph(*, module_level_only: bool) -> dict[str, set[str]]:
    sources = package_sources()
    modules = set(sources)
    return {name: imports_of(tree, modules, module_level_only=module_level_only) - {name}
            for name, (_, tree) in sources.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (as the list of modules around it), or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = "open", path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node], _ = "done", path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_import_checkers_see_circles_and_function_level_imports():
    modules = {"radio.a", "radio.b", "radio.c"}
    tree = ast.parse("from radio import b\n"
                     "if TYPE_CHECKING:\n    import radio.c\n"
                     "def f():\n    from radio.c import thing\n")
    assert imports_of(tree, modules, module_level_only=True) == {"radio.b"}
    assert imports_of(tree, modules, module_level_only=False) == {"radio.b", "radio.c"}
    assert find_cycle({"radio.a": {"radio.b"}, "radio.b": {"radio.c"}, "radio.c": {"radio.a"}}) \
        == ["radio.a", "radio.b", "radio.c", "radio.a"]
    assert find_cycle({"radio.a": {"radio.b"}, "radio.b": set(), "radio.c": {"radio.a"}}) is None


def test_audio_never_imports_speech():
    """speech/ may use audio/ffmpeg; audio/ names the shapes it takes (audio/voiced.py) instead
    of importing speech/. Every import counts here, also inside functions and TYPE_CHECKING."""
    arrows = sorted(f"{source} → {target}"
                    for source, targets in import_graph(module_level_only=False).items()
                    if source.startswith("radio.audio") for target in targets
                    if target.startswith("radio.speech"))
    assert arrows == []


def test_no_import_circle_among_the_packages_modules():
    """Module-level imports only (what runs on import): an import inside a function is how a
    stage loads a heavy or later stage on demand, and is not a circle at import time."""
    graph = import_graph(module_level_only=True)
    assert len(graph) > 50 and graph["radio.pipeline"]  # the scan did find the package
    assert find_cycle(graph) is None


# ---- SQL ---------------------------------------------------------------------------------

ROOT = PACKAGE.parent
STORE = PACKAGE / "store.py"
# Spelt in two halves so that this file does not match itself.
_STATEMENT = re.compile("execute" + r"(?:many|script)?\(")


def sql_statements(text: str) -> list[int]:
    """The lines of ``text`` that run SQL through a DB-API connection or cursor."""
    return [number for number, line in enumerate(text.splitlines(), start=1) if _STATEMENT.search(line)]


def test_the_sql_checker_finds_statements():
    run = "execute"  # spelt apart, like _STATEMENT
    sample = f"db.{run}('SELECT 1')\nlock.{run}script(script)\nrows = store.as_run()\ncursor.{run}many(sql, rows)\n"
    assert sql_statements(sample) == [1, 2, 4]


def test_only_the_store_runs_sql_also_in_tests_and_benchmarks():
    """Tests and benchmarks hold locks, read rows and tamper with radio.db through
    radio/store.py (``hold_exclusive_lock``, ``Tamper``, the store's typed rows), so a schema
    change is made in one file and no test keeps passing against a database the tool no
    longer writes."""
    found = [f"{path.relative_to(ROOT)}:{line}"
             for folder in ("radio", "tests", "benchmarks")
             for path in sorted((ROOT / folder).rglob("*.py")) if path != STORE
             for line in sql_statements(path.read_text(encoding="utf-8"))]
    assert len(list((ROOT / "tests").glob("test_*.py"))) > 30  # the scan did find the tests
    assert found == []
