"""The one-way rule: the writing room (newsroom/) names nothing of the
publishing room (issues/). Settings and the root URLconf name the issues app
by string (the WSGI entry point builds the layers the settings list), and
migrations keep their history; everything else is checked.
The site's frame (templates/base.html, site/, registration/, the error
pages) belongs to the project, like the settings, and links both rooms.

And rooms named for what they hold (docs/design.md, "Where things live"):
no import of ours inside a function (outside AppConfig.ready), no circle of
imports among our modules, no import placed after code, every model in its
app's models package, and the old task paths holding only tasks."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from django.apps import apps
from django.contrib.auth.management import _get_all_permissions
from django.tasks import Task
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parent.parent
EXEMPT = {ROOT / "newsroom" / name for name in ("settings.py", "urls.py")}
# A string that names the publishing room: an app label, a dotted model or
# permission, a template folder, a URL namespace.
NAMES_ISSUES = re.compile(r"^issues(\.|/|$)|^issues_|^(issues|issue_desk):")
TEMPLATE_NAMES_ISSUES = re.compile(r"""['"](issues|issue_desk):|['"]issues/|\bissues\.[A-Za-z_]+""")
TEMPLATE_LOAD = re.compile(r"{%\s*load\s+([^%]*?)\s*%}")


@cache
def publishing_words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """What the publishing room defines that the writing room could name
    without its label: its permission codenames, the relations its models
    add to the writing room's models and users (`story.issue_entries`,
    `filter(newsletter__issues=...)`), and its template tag libraries."""
    publishing = apps.get_app_config("issues")
    codenames = {
        codename
        for model in publishing.get_models()
        for codename, _ in _get_all_permissions(model._meta)
    }
    outward = [
        field
        for model in publishing.get_models()
        for field in model._meta.get_fields()
        if field.is_relation
        and field.concrete
        and field.related_model is not None
        and field.related_model._meta.app_label != publishing.label
    ]
    relations = {field.related_query_name() for field in outward}
    relations |= {field.remote_field.get_accessor_name() for field in outward}
    relations = {name for name in relations if name and not name.endswith("+")}
    libraries = {path.stem for path in (ROOT / "issues" / "templatetags").glob("[!_]*.py")}
    return frozenset(codenames), frozenset(relations), frozenset(libraries)


def python_files() -> list[Path]:
    return [
        path
        for path in (ROOT / "newsroom").rglob("*.py")
        if "migrations" not in path.parts and path not in EXEMPT
    ]


def _names_a_relation(name: str, relations: frozenset[str]) -> bool:
    return name.split("__")[0] in relations


def names_of_issues(path: Path, root: Path = ROOT) -> list[str]:
    codenames, relations, _ = publishing_words()
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "issues"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "issues":
            found.append(f"from {node.module}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            as_lookup = "__" in value and _names_a_relation(value, relations)
            if NAMES_ISSUES.search(value) or value in codenames or as_lookup:
                found.append(repr(value))
        elif isinstance(node, ast.Attribute) and node.attr in relations:
            found.append(f".{node.attr}")
        elif isinstance(node, ast.keyword) and node.arg and _names_a_relation(node.arg, relations):
            found.append(f"{node.arg}=")
    return [f"{path.relative_to(root)}: {name}" for name in found]


def template_names_of_issues(path: Path, root: Path = ROOT) -> list[str]:
    _, _, libraries = publishing_words()
    text = path.read_text()
    found = [match.group(0) for match in TEMPLATE_NAMES_ISSUES.finditer(text)]
    found += [
        f"{{% load {library} %}}"
        for match in TEMPLATE_LOAD.finditer(text)
        for library in match.group(1).split()
        if library in libraries
    ]
    return [f"{path.relative_to(root)}: {name}" for name in found]


def test_the_writing_room_imports_and_names_nothing_of_the_publishing_room() -> None:
    offences = [offence for path in python_files() for offence in names_of_issues(path)]
    assert offences == []


def test_the_writing_rooms_templates_name_nothing_of_the_publishing_room() -> None:
    offences = [
        offence
        for path in (ROOT / "templates" / "newsroom").rglob("*")
        if path.is_file()
        for offence in template_names_of_issues(path)
    ]
    assert offences == []


def test_the_check_catches_each_way_of_naming_issues(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import issues.models\n"
        "from issues import rendering\n"
        "x = apps.get_model('issues', 'Issue')\n"
        "y = models.ForeignKey('issues.Issue', on_delete=models.CASCADE)\n"
        "z = user.has_perm('issues.view_issue')\n"
        "p = Permission.objects.get(codename='change_issue')\n"
        "t = 'issues/desk/builder.html'\n"
        "u = reverse('issue_desk:issue_list')\n"
        "v = story.issue_entries.exists()\n"
        "w = Story.objects.filter(issue_entries__isnull=True)\n"
        "n = Newsletter.objects.annotate(count=Count('issues__pk'))\n"
    )
    assert len(names_of_issues(sample, root=tmp_path)) == 11


def test_the_check_catches_each_way_a_template_names_issues(tmp_path: Path) -> None:
    sample = tmp_path / "sample.html"
    sample.write_text(
        '{% load static issue_downloads %}\n{% include "issues/desk/_panel.html" %}\n'
        "<a href=\"{% url 'issues:archive' %}\">{% if perms.issues.view_issue %}x{% endif %}</a>\n"
    )
    assert len(template_names_of_issues(sample, root=tmp_path)) == 4


def test_the_check_leaves_the_writing_rooms_own_words_alone(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Stories go into issues."""\n'
        "x = Story.objects.filter(newsletter__slug='energy', status='published')\n"
        "y = reverse('desk:story_list')\n"
        "z = user.has_perm('newsroom.review_story')\n"
    )
    assert names_of_issues(sample, root=tmp_path) == []


ACCESS_DECORATORS = {
    "login_required",
    "desk_user_required",
    "editor_required",
    "reviewer_required",
    "with_invitation",
}
METHOD_DECORATORS = {"require_POST", "require_GET", "require_safe", "require_http_methods"}


def _decorator_name(node: ast.expr) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def test_every_view_checks_access_before_the_method() -> None:
    # One order everywhere: a stranger learns nothing about which methods a
    # URL takes (newsroom.desk.access).
    offences = []
    for path in [*(ROOT / "newsroom").rglob("*.py"), *(ROOT / "issues").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = [_decorator_name(d) for d in node.decorator_list]
            access = [i for i, name in enumerate(names) if name in ACCESS_DECORATORS]
            method = [i for i, name in enumerate(names) if name in METHOD_DECORATORS]
            if access and method and min(method) < max(access):
                offences.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert offences == []


# Rooms named for what they hold (docs/design.md, "Where things live").

APPS = ("newsroom", "issues")


def application_files() -> dict[str, Path]:
    """Our modules by dotted name (migrations keep their history)."""
    files = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    return files


def _is_ours(module: str) -> bool:
    return module.split(".")[0] in APPS


def function_level_imports(path: Path, root: Path = ROOT) -> list[str]:
    """Imports of our modules inside a function, except in an AppConfig's
    ready() (Django's place for connecting signals once the apps are loaded)."""
    found = []

    def visit(node: ast.AST, function: str | None, in_app_config: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                bases = {_decorator_name(base) for base in child.bases}
                visit(child, function, "AppConfig" in bases)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                allowed = in_app_config and child.name == "ready"
                visit(child, None if allowed else child.name, False)
            elif isinstance(child, ast.Import | ast.ImportFrom) and function is not None:
                names = (
                    [child.module or ""]
                    if isinstance(child, ast.ImportFrom)
                    else [alias.name for alias in child.names]
                )
                if any(_is_ours(name) for name in names) or getattr(child, "level", 0):
                    found.append(f"{path.relative_to(root)}:{child.lineno} in {function}()")
            else:
                visit(child, function, in_app_config)

    visit(ast.parse(path.read_text()), None, False)
    return found


def module_level_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ours that `name` imports when it is imported (an import
    under `if TYPE_CHECKING:` is for the type checker only)."""
    imported: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody):
                    visit(block)
                for handler in node.handlers:
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                # `from issues.rendering import documents` imports a module.
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)

    visit(ast.parse(path.read_text()).body)
    return {module for module in imported if module in modules and module != name}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The circles in `graph` (its strongly connected parts of more than one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                connect(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            part = []
            while True:
                other = stack.pop()
                part.append(other)
                if other == module:
                    break
            if len(part) > 1:
                cycles.append(sorted(part))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return cycles


def test_no_module_imports_ours_inside_a_function() -> None:
    # An import inside a function hides a circle of modules; the code that
    # needed it belongs elsewhere. The one place for it is AppConfig.ready().
    # (The render worker imports the modules that hold render jobs by name,
    # from jobs.JOB_MODULES: a registry of what a worker runs, not a circle.)
    offences = [
        offence for path in application_files().values() for offence in function_level_imports(path)
    ]
    assert offences == []


def test_our_modules_import_each_other_in_no_circle() -> None:
    modules = application_files()
    graph = {name: module_level_imports(name, path, modules) for name, path in modules.items()}
    assert import_cycles(graph) == []


def test_the_checks_see_a_function_level_import_and_a_circle(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from newsroom.models import Story\n"
        "class Config(AppConfig):\n    def ready(self):\n        from newsroom import checks\n"
        "def late():\n    import json\n    from issues.models import Issue\n"
    )
    assert [found.split(" in ")[1] for found in function_level_imports(sample, root=tmp_path)] == [
        "late()"
    ]
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    modules = {"newsroom.models": sample, "newsroom.checks": sample, "issues.models": sample}
    assert module_level_imports("x", sample, modules) == set()


def test_no_import_waits_for_code_above_it() -> None:
    # A noqa for E402 marks an import placed after code (a registration at
    # the bottom of a module, a set-up before an import): a sign of a circle.
    offences = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in application_files().values()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"#\s*noqa:.*\bE402\b", line)
    ]
    assert offences == []


def test_each_models_package_names_every_model_of_its_app() -> None:
    for label in APPS:
        package = __import__(f"{label}.models", fromlist=["__all__"])
        defined = {
            node.name
            for path in (ROOT / label / "models").glob("*.py")
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ClassDef)
        }
        written = [
            model for model in apps.get_app_config(label).get_models() if model.__name__ in defined
        ]
        # Every model class written in the package (not simple-history's
        # generated ones) lives in one of its modules and is named by it.
        assert {model.__name__ for model in written} <= set(package.__all__)
        assert {model.__module__.rsplit(".", 1)[0] for model in written} == {f"{label}.models"}


# A queued task is stored by its dotted path. Tasks live with their work;
# these modules keep the paths that rows queued by older releases name.
STORED_TASK_PATHS = {
    "newsroom.tasks",
    "newsroom.passwords",
    "newsroom.reminders",
    "issues.correction_mail",
    "issues.delivery",
    "issues.scheduling",
    "issues.subscribers",
}


def test_old_task_paths_hold_tasks_only_and_nothing_imports_them() -> None:
    modules = application_files()
    for name in STORED_TASK_PATHS:
        tree = ast.parse(modules[name].read_text())
        imports = [node for node in tree.body if not isinstance(node, ast.Expr)]
        assert all(isinstance(node, ast.ImportFrom) for node in imports), name
        for node in imports:
            for alias in node.names:
                assert isinstance(import_string(f"{name}.{alias.name}"), Task), alias.name
    importers = [
        importer
        for importer, path in modules.items()
        if importer not in STORED_TASK_PATHS
        and module_level_imports(importer, path, modules) & STORED_TASK_PATHS
    ]
    assert importers == []
