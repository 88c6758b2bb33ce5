"""The console's languages: English messages, translated to Simplified Chinese through gettext catalogs.

Messages are written in English and marked ``_("…")`` (or ``N_("…")`` where a constant is defined and
translated later). Each area of the console keeps its own catalog, so that screens can be translated
independently: ``rm_console/locale/zh_CN/LC_MESSAGES/<area>.po``, compiled to ``<area>.mo`` beside it
(``pybabel compile -d rm_console/locale -l zh_CN -D <area>``). :func:`set_language` loads every
catalog of a language, chained into one lookup; ``_`` then translates with it.

The language is one setting of the running console (``--lang``, ``RMC_LANG`` or the locale), chosen
before the app is built (:func:`rm_console.app.make_app` calls :func:`set_language`).
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from rm_console.domain.errors import UserError

#: Where the catalogs live.
LOCALE_DIR = Path(__file__).parent / "locale"
#: The gettext locale of each UI language.
LOCALES = {"zh": "zh_CN"}

_state: dict[str, gettext.NullTranslations] = {"en": gettext.NullTranslations()}
_current = ["en"]


def _load(lang: str) -> gettext.NullTranslations:
    """Every catalog of ``lang`` chained into one translation (English: none)."""
    locale = LOCALES.get(lang)
    if locale is None:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    chain: gettext.NullTranslations = gettext.NullTranslations()
    for catalog in sorted(folder.glob("*.mo")):
        with catalog.open("rb") as handle:
            found = gettext.GNUTranslations(handle)
        found.add_fallback(chain)
        chain = found
    return chain


def set_language(lang: str) -> None:
    """Translate from now on into ``lang`` (``en`` or ``zh``; anything else is English)."""
    lang = lang if lang in LOCALES else "en"
    if lang not in _state:
        _state[lang] = _load(lang)
    _current[0] = lang


def language() -> str:
    """The language messages are translated into."""
    return _current[0]


def _(message: str) -> str:
    """``message`` in the current language."""
    return _state[_current[0]].gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it now (translate it with ``_`` later)."""
    return message


def with_chinese(message: str) -> str:
    """``message`` in the current language followed by its Chinese, for domain words shown both ways
    (``Workbench 工作台``); in Chinese just the Chinese."""
    if "zh" not in _state:
        _state["zh"] = _load("zh")
    chinese = _state["zh"].gettext(message)
    if _current[0] == "zh" or chinese == message:
        return chinese
    return f"{message} {chinese}"


#: The command-line option a service's sentence starts with (``--follow-up: …``).
_OPTION = re.compile(r"--[a-z][a-z-]*\s*:?\s*")


def refusal_text(message: str) -> str:
    """A service's sentence as the console shows it: without the command-line option it starts with
    (a person at the console fills fields, not options), capitalised."""
    text = _OPTION.sub("", message, count=1) if _OPTION.match(message) else message
    return text[:1].upper() + text[1:]


def failure_text(error: BaseException | None) -> str:
    """A failed call as the sentence a person reads: a refusal's own sentence in the current language
    (:func:`refusal_text`), anything unexpected as a plain sentence naming it — never a traceback."""
    if isinstance(error, UserError):
        return refusal_text(error.localized(_))
    return _("Could not read the store: {error}").format(error=error)


__all__ = [
    "LOCALE_DIR",
    "N_",
    "_",
    "failure_text",
    "language",
    "refusal_text",
    "set_language",
    "with_chinese",
]
