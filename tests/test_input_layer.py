"""Views and API handlers never convert what was posted: the one input layer does
(parkpilot/inputs.py, docs/architecture.md "Input"). An AST scan, so a new local parser or an
`int(request.POST[...])` fails here instead of turning nonsense into None, 0 or a 500."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "parkpilot"

# Local value parsers the input layer replaces.
PARSER_NAMES = {
    "_int", "_int_or_none", "_date", "_date_param", "_decimal", "_when", "_number", "_float",
    "_quantity", "_year", "_choice", "_positive_int",
}  # fmt: skip
CONVERTERS = {"int", "float", "Decimal", "fromisoformat"}
DIGIT_TESTS = {"isdigit", "isdecimal", "isnumeric"}

NOT_YET = "issue #15: not yet on parkpilot.inputs"
ALLOWED = {
    "points/views.py": NOT_YET,
    "sinks/views.py": NOT_YET,
    "space/views.py": NOT_YET,
}
# Apps whose commands read through the input layer: their API schemas carry types only, since
# the service holds the bounds (one rule, one message for the page and the API).
CONVERTED = ["projects", "carbon", "services", "economy", "tenancy"]
BOUNDS = {"ge", "gt", "le", "lt", "max_digits", "decimal_places"}


def handler_files() -> list[Path]:
    found = {*SRC.glob("*/*views*.py"), *SRC.glob("*/api*.py"), *SRC.glob("*/*/api*.py")}
    return sorted(p for p in found if "migrations" not in p.parts)


def _reads_request(node: ast.AST) -> bool:
    """request.POST / request.GET (or .FILES) anywhere in the expression."""
    return any(isinstance(n, ast.Attribute) and n.attr in ("POST", "GET") for n in ast.walk(node))


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in PARSER_NAMES:
            found.append(f"{node.lineno}: local parser {node.name}()")
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            if name in CONVERTERS and any(_reads_request(a) for a in node.args):
                found.append(f"{node.lineno}: {name}() of a posted value")
            elif name in DIGIT_TESTS:
                found.append(f"{node.lineno}: .{name}() instead of the input layer")
    return found


def test_views_and_api_handlers_leave_parsing_to_the_input_layer():
    seen = {}
    for path in handler_files():
        relative = path.relative_to(SRC).as_posix()
        found = problems(path)
        if found and relative not in ALLOWED:
            seen[relative] = found
    assert seen == {}


def test_the_allow_list_holds_only_files_still_to_convert():
    """An entry whose file now passes (or is gone) is removed, so the list only shrinks."""
    stale = [f for f in ALLOWED if not (SRC / f).exists() or not problems(SRC / f)]
    assert stale == []


def test_the_scan_catches_what_it_is_for(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def _int(v):\n    return int(v)\n"
        "def view(request):\n"
        "    a = int(request.POST.get('n'))\n"
        "    b = date.fromisoformat(request.GET['d'])\n"
        "    c = request.GET.get('x', '').isdigit()\n"
        "    return int(len('ok'))\n"
    )
    assert [p.split(":", 1)[0] for p in problems(sample)] == ["1", "4", "5", "6"]


def test_converted_schemas_do_not_restate_the_services_bounds():
    restated = []
    for app in CONVERTED:
        for path in sorted((SRC / app).glob("schemas*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _name(node.func) == "Field":
                    for keyword in node.keywords:
                        if keyword.arg in BOUNDS:
                            restated.append(f"{app}/{path.name}:{node.lineno} {keyword.arg}")
    assert restated == []
