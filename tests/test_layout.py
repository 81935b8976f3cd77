"""The one-way rule: the writing room (newsroom/) names nothing of the
publishing room (issues/). Settings and the root URLconf name the issues app
by string, and migrations keep their history; everything else is checked."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXEMPT = {ROOT / "newsroom" / "settings.py", ROOT / "newsroom" / "urls.py"}
# A string that names the publishing room: an app label, a dotted model or
# permission, a template folder, a URL namespace.
NAMES_ISSUES = re.compile(r"^issues(\.|/|$)|^issues_|^(issues|issue_desk):")
TEMPLATE_NAMES_ISSUES = re.compile(r"""['"](issues|issue_desk):|['"]issues/|\bissues\.[A-Za-z_]+""")


def python_files() -> list[Path]:
    return [
        path
        for path in (ROOT / "newsroom").rglob("*.py")
        if "migrations" not in path.parts and path not in EXEMPT
    ]


def names_of_issues(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "issues"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "issues":
            found.append(f"from {node.module}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and NAMES_ISSUES.search(node.value)
        ):
            found.append(repr(node.value))
    return [f"{path.relative_to(root)}: {name}" for name in found]


def test_the_writing_room_imports_and_names_nothing_of_the_publishing_room() -> None:
    offences = [offence for path in python_files() for offence in names_of_issues(path)]
    assert offences == []


def test_the_writing_rooms_templates_name_nothing_of_the_publishing_room() -> None:
    offences = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates" / "newsroom").rglob("*.html")
        for match in TEMPLATE_NAMES_ISSUES.finditer(path.read_text())
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
        "t = 'issues/desk/builder.html'\n"
        "u = reverse('issue_desk:issue_list')\n"
    )
    assert len(names_of_issues(sample, root=tmp_path)) == 7
