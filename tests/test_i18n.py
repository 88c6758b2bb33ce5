"""The gettext catalogs: every marked message is translated, and every compiled catalog is current."""

from __future__ import annotations

import ast
import gettext
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from rm_console import i18n
from rm_console.domain.errors import Phrase, UserError

ROOT = Path(__file__).resolve().parent.parent
#: Where console text is written.
SOURCES = ("screens", "widgets")
#: The marking functions and which argument holds the message.
KEYWORDS = {"_": None, "N_": None, "with_chinese": None}
#: Where refusals are written: their templates are translated for the console.
REFUSAL_SOURCES = ("rm_console/services", "rm_console/domain")
#: Modules whose refusals only the command line shows (bulk import, the demo bank): English only.
COMMAND_LINE_ONLY = (
    "rm_console/services/demo",
    "rm_console/services/imports.py",
    "rm_console/services/import_files.py",
    "rm_console/domain/import_rows.py",
)
CATALOGS = sorted((i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES").glob("*.po"))


def marked() -> dict[str, str]:
    """Every marked message → where it is first marked."""
    found: dict[str, str] = {}
    for folder in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
        ):
            if isinstance(message, str):
                found.setdefault(message, f"{folder}/{filename}:{line}")
    for folder in REFUSAL_SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=refusal_keywords(), comment_tags=(), strip_comment_tags=True
        ):
            where = f"{folder}/{filename}"
            if isinstance(message, str) and not where.startswith(COMMAND_LINE_ONLY):
                found.setdefault(message, f"{where}:{line}")
    for filename, line, message, _comments, _context in extract_from_dir(
        ROOT / "rm_console", keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
    ):
        if filename in ("app.py",) and isinstance(message, str):
            found.setdefault(message, f"rm_console/{filename}:{line}")
    return found


def refusal_classes() -> set[str]:
    """The name of every refusal class (``UserError`` and its subclasses) the project defines."""
    names = {"UserError"}
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in refusal_files()]
    trees += [ast.parse(path.read_text(encoding="utf-8")) for path in (ROOT / "screens").rglob("*.py")]
    grown = True
    while grown:
        before = len(names)
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and any(
                    isinstance(base, ast.Name) and base.id in names for base in node.bases
                ):
                    names.add(node.name)
        grown = len(names) > before
    return names


def refusal_keywords() -> dict[str, object]:
    """Babel keywords extracting each refusal's template (its first argument) and ``N_``."""
    return {"N_": None, "Phrase": None, **dict.fromkeys(refusal_classes() - {"FieldError"})}


def refusal_files() -> list[Path]:
    """The modules whose refusals the console shows."""
    return [
        path
        for folder in REFUSAL_SOURCES
        for path in sorted((ROOT / folder).rglob("*.py"))
        if not str(path.relative_to(ROOT)).startswith(COMMAND_LINE_ONLY)
    ]


def fields(template: str) -> set[str]:
    """The names a ``str.format`` template fills in."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_refusal_is_a_template_the_catalogs_can_hold() -> None:
    """A refusal the console shows is made from a literal English template and named values, never an
    f-string or a sentence built elsewhere, so that it is extracted and translated; its values are the
    names its template fills in. So is a :class:`Phrase` it names."""
    classes = (refusal_classes() - {"FieldError"}) | {"Phrase"}
    wrong: list[str] = []
    for path in refusal_files():
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in classes:
                continue
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                wrong.append(f"{where}:{node.lineno}: {name}(...) needs a literal template")
                continue
            given = {keyword.arg for keyword in node.keywords}
            if None in given:
                continue  # values passed on with **: checked where they are made
            if fields(first.value) != given:
                wrong.append(
                    f"{where}:{node.lineno}: fills {sorted(fields(first.value))}, given {sorted(given)}"
                )
    assert not wrong, "\n".join(wrong)


def test_a_translated_refusal_names_only_its_values() -> None:
    """A refusal is filled with the values its English names, so its translation may name no other."""
    translated = translations()
    wrong = [
        f"{where}: {english!r} → {translated[english]!r}"
        for english, where in marked().items()
        if where.startswith(REFUSAL_SOURCES)
        and english in translated
        and not fields(translated[english]) <= fields(english)
    ]
    assert not wrong, "\n".join(wrong)


def test_a_refusal_is_english_for_the_command_line_and_translated_for_the_console() -> None:
    inner = UserError("{text!r} is not a date", text="abc")
    outer = UserError("--month: {error}", error=inner)
    assert str(outer) == "--month: 'abc' is not a date"
    catalog = {"{text!r} is not a date": "{text!r} 不是日期", "--month: {error}": "--month：{error}"}
    assert outer.localized(lambda message: catalog.get(message, message)) == "--month：'abc' 不是日期"
    assert UserError("no {braces} here").localized(lambda message: message) == "no {braces} here"
    named = UserError("only {who} may {doing}", who=Phrase("an analyst"), doing=Phrase("confirm tier rules"))
    words = {
        "an analyst": "分析师",
        "confirm tier rules": "确认等级规则",
        "only {who} may {doing}": "只有{who}可以{doing}",
    }
    assert str(named) == "only an analyst may confirm tier rules"
    assert named.localized(lambda message: words.get(message, message)) == "只有分析师可以确认等级规则"


def translations() -> dict[str, str]:
    """Every translated message of every Chinese catalog (fuzzy entries do not count)."""
    found: dict[str, str] = {}
    for path in CATALOGS:
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for entry in catalog:
            if entry.id and isinstance(entry.id, str) and entry.string and not entry.fuzzy:
                found[entry.id] = str(entry.string)
    return found


def test_every_marked_message_has_a_chinese_translation() -> None:
    missing = {message: where for message, where in marked().items() if message not in translations()}
    assert not missing, "untranslated: " + "; ".join(f"{where}: {m!r}" for m, where in missing.items())


def test_a_message_has_one_translation_in_every_catalog() -> None:
    """The catalogs are chained into one lookup, so a message translated two ways would show only one of
    them, whichever catalog comes first."""
    found: dict[str, dict[str, str]] = {}
    for path in CATALOGS:
        with path.open("rb") as handle:
            for entry in read_po(handle):
                if entry.id and isinstance(entry.id, str) and entry.string and not entry.fuzzy:
                    found.setdefault(entry.id, {})[path.stem] = str(entry.string)
    twice = {message: where for message, where in found.items() if len(set(where.values())) > 1}
    assert not twice, twice


@pytest.mark.parametrize("po", CATALOGS, ids=[p.stem for p in CATALOGS])
def test_each_compiled_catalog_matches_its_source(po: Path) -> None:
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: pybabel compile -d rm_console/locale -l zh_CN -D {po.stem}"
    with po.open("rb") as handle:
        source = {e.id: e.string for e in read_po(handle) if e.id and e.string and not e.fuzzy}
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = {m for m, s in source.items() if compiled.gettext(str(m)) != s}
    assert not stale, f"{mo.name} is older than {po.name}: pybabel compile -d rm_console/locale -l zh_CN"


def test_switching_language() -> None:
    try:
        i18n.set_language("zh")
        assert i18n._("Quit") == "退出"
        assert i18n.with_chinese("Quit") == "退出"
        i18n.set_language("en")
        assert i18n._("Quit") == "Quit"
        assert i18n.with_chinese("Quit") == "Quit 退出"
        i18n.set_language("fr")
        assert i18n.language() == "en"
    finally:
        i18n.set_language("en")


def test_the_chinese_catalogs_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``with_chinese`` is called for every label drawn: it reads the catalogs once, not each time."""
    loads: list[str] = []
    real = i18n._load

    def counting(lang: str) -> gettext.NullTranslations:
        loads.append(lang)
        return real(lang)

    monkeypatch.setattr(i18n, "_load", counting)
    monkeypatch.delitem(i18n._state, "zh", raising=False)
    for _round in range(3):
        assert i18n.with_chinese("Workbench") == "Workbench 工作台"
    assert loads == ["zh"]


#: Textual's widgets and screens the console shows: their keys are listed in the keys panel.
TEXTUAL_CLASSES = (
    "textual.app:App",
    "textual.screen:Screen",
    "textual.screen:ModalScreen",
    "textual.containers:VerticalScroll",
    "textual.widgets:DataTable",
    "textual.widgets:Footer",
    "textual.widgets:Input",
    "textual.widgets:OptionList",
    "textual.widgets:Select",
    "textual.widgets._select:SelectOverlay",
    "textual.widgets:TabbedContent",
    "textual.widgets._tabbed_content:ContentTabs",
    "textual.widgets:TextArea",
)


def test_textuals_own_words_have_a_chinese_translation() -> None:
    """The keys panel lists the keys of Textual's widgets too, and the palette shows Textual's commands:
    each description, tooltip and command is in the catalogs (a newer Textual's new words show here)."""
    from importlib import import_module

    from textual.binding import Binding

    words: set[str] = {"palette", "Open the command palette", "Search for commands…", "No matches found"}
    for name in TEXTUAL_CLASSES:
        module, _sep, attribute = name.partition(":")
        for klass in getattr(import_module(module), attribute).__mro__:
            for binding in vars(klass).get("BINDINGS", ()):
                if isinstance(binding, Binding) and not binding.system:
                    words |= {binding.description, binding.tooltip} - {""}
    missing = sorted(words - translations().keys())
    assert not missing, missing
