"""The one-way rule: the writing room (newsroom/) names nothing of the
publishing room (issues/). Settings and the root URLconf name the issues app
by string (the WSGI entry point builds the layers the settings list), and
migrations keep their history; everything else is checked.
The site's frame (templates/base.html, site/, registration/, the error
pages) belongs to the project, like the settings, and links both rooms."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from django.apps import apps
from django.contrib.auth.management import _get_all_permissions

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
