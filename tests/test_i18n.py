"""The gettext catalogs: every marked message is translated, and every compiled catalog is current."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from rm_console import i18n

ROOT = Path(__file__).resolve().parent.parent
#: Where console text is written.
SOURCES = ("screens", "widgets")
#: The marking functions and which argument holds the message.
KEYWORDS = {"_": None, "N_": None, "with_chinese": None}
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
    for filename, line, message, _comments, _context in extract_from_dir(
        ROOT / "rm_console", keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
    ):
        if filename in ("app.py",) and isinstance(message, str):
            found.setdefault(message, f"rm_console/{filename}:{line}")
    return found


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
