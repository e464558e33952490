"""The package's shape: imports flow one way (errors/data -> kan -> symbolic -> search -> faces
-> bench -> cli), no import cycles, no private names imported from another subpackage."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "kansr"

# lower layers never import higher ones
LAYERS = {"errors": 0, "files": 0, "dates": 0, "data": 0, "units": 0, "markdown": 0, "budget": 0, "kan": 1, "symbolic": 2, "search": 3, "estimator": 4,
          "kan_regressor": 4, "plot": 4, "bench": 5, "cli": 6, "__init__": 7}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS["__init__"] if len(parts) == 1 else LAYERS[parts[1]]


def _subpackage(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def _type_checking_only(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _imports() -> dict[str, list[tuple[str, list[str], int]]]:
    """module -> [(imported kansr module, imported names, line)], lazy imports included."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    found = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        edges = []
        for node in ast.walk(tree):
            if _type_checking_only(node, parents):
                continue
            if isinstance(node, ast.Import):
                edges += [(alias.name, [], node.lineno) for alias in node.names if alias.name.startswith("kansr")]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
                if not base.startswith("kansr"):
                    continue
                names = [alias.name for alias in node.names]
                # "from kansr.search import stopping" imports the submodule
                submodules = [f"{base}.{n}" for n in names if f"{base}.{n}" in modules]
                edges += [(m, [], node.lineno) for m in submodules]
                rest = [n for n in names if f"{base}.{n}" not in modules]
                if rest:
                    edges.append((base, rest, node.lineno))
        found[module] = edges
    return found


def _against_layers(imports) -> list[str]:
    return [f"{module}:{line} imports {target}" for module, edges in imports.items()
            for target, _, line in edges if _layer(target) > _layer(module)]


def _cycles(imports) -> list[str]:
    graph = {module: {target for target, _, _ in edges if target != module} for module, edges in imports.items()}
    state, cycles = {}, []

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_imports_follow_the_layers():
    wrong = _against_layers(_imports())
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_no_import_cycles():
    cycles = _cycles(_imports())
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_private_name_is_imported_from_another_subpackage():
    wrong = [f"{module}:{line} imports {name} from {target}" for module, edges in _imports().items()
             for target, names, line in edges for name in names
             if name.startswith("_") and _subpackage(target) != _subpackage(module)]
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_a_wrong_import_and_a_cycle():
    imports = _imports()
    assert any(target == "kansr.kan" for target, _, _ in imports["kansr.search.trial"])  # lazy ones too
    # a deferred import of the search in the training loop: against the layers, and a cycle
    imports["kansr.kan.train"] = imports["kansr.kan.train"] + [("kansr.search.trial", [], 1)]
    assert _against_layers(imports) == ["kansr.kan.train:1 imports kansr.search.trial"]
    assert any("kansr.kan.train" in cycle for cycle in _cycles(imports))


def test_the_package_loads_its_names_when_first_used():
    # importing kansr loaded PyTorch, sympy, pandas and scikit-learn: `kansr --help`, and a
    # bad file's one-line error, waited seconds for them
    import subprocess
    import sys

    import kansr

    script = ("import sys, kansr; from kansr.cli import main; code = main(['discover', 'no_such_table.csv']); "
              "print(code, *sorted(m for m in ('torch', 'sympy', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["2"] and "no_such_table.csv: no such file" in done.stderr
    for name in kansr.__all__:  # every public name resolves, to what its module defines
        value = getattr(kansr, name)
        assert getattr(value, "__module__", "").startswith("kansr") and name in dir(kansr)
    assert kansr.discover is __import__("kansr.search", fromlist=["discover"]).discover
