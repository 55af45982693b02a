"""chef's packages import in one direction (docs/architecture.md): each only from lower layers."""

import ast
import pathlib

import chef

# Lowest first; a package may import only from packages of strictly lower layers.
LAYERS = (
    ("rgb_stacking_env",),
    ("chef.types", "chef.utils", "chef.task_layout", "chef.wrappers"),
    ("chef.core", "chef.env_metadata", "chef.networks", "chef.scheduler", "chef.results", "chef.sweeps"),
    ("chef.data",),
    ("chef.replay", "chef.launch", "chef.agents"),
    ("chef.mtopt", "chef.stages"),
    ("chef.success",),
    ("chef.commands", "chef.configs"),
)
LAYER = {package: i for i, packages in enumerate(LAYERS) for package in packages}


def _package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "rgb_stacking_env":
        return "rgb_stacking_env"
    return ".".join(parts[:2]) if parts[0] == "chef" and len(parts) > 1 else None


def _imports() -> set[tuple[str, str, str]]:
    """(importing package, imported package, file) for every chef import of another package."""
    root = pathlib.Path(chef.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        source = _package(".".join(path.relative_to(root.parent).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "chef":
                targets = [f"chef.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in map(_package, targets):
                if target and target != source:
                    found.add((source, target, str(path.relative_to(root.parent))))
    return found


def test_every_package_has_a_layer():
    packages = {p for edge in _imports() for p in edge[:2]}
    assert packages <= set(LAYER), sorted(packages - set(LAYER))


def test_packages_import_only_from_lower_layers():
    upward = sorted(edge for edge in _imports() if LAYER[edge[1]] >= LAYER[edge[0]])
    assert not upward, upward
