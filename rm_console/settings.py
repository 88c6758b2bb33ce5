"""Where the local store is, who is acting and in which language: options, environment, config file.

Precedence: a command-line option, then its environment variable (typer reads ``RMC_DB``, ``RMC_USER``,
``RMC_LANG``), then ``config.toml`` in the platform's user config directory, then the defaults.
"""

from __future__ import annotations

import locale
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from rm_console.domain.errors import UserError

APP_NAME = "rm-console"
LANGUAGES = ("en", "zh")


def default_db_path() -> Path:
    """``local.db`` under the platform's user data directory."""
    return platformdirs.user_data_path(APP_NAME) / "local.db"


def config_path() -> Path:
    """The config file, ``config.toml`` under the platform's user config directory (or ``RMC_CONFIG``)."""
    override = os.environ.get("RMC_CONFIG")
    return Path(override) if override else platformdirs.user_config_path(APP_NAME) / "config.toml"


def _read_config(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: cannot read the config file: {exc}") from None


def _locale_language() -> str:
    lang = os.environ.get("LC_ALL") or os.environ.get("LANG") or (locale.getlocale()[0] or "")
    return "zh" if lang.lower().startswith("zh") else "en"


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved settings of one run."""

    db_path: Path
    acting: str | None
    lang: str

    @property
    def db_url(self) -> str:
        """SQLAlchemy URL of the local store."""
        return f"sqlite:///{self.db_path}"


def resolve(db: Path | None, acting: str | None, lang: str | None) -> Settings:
    """Combine the given options (already merged with the environment) with the config file."""
    config = _read_config(config_path())
    db_path = db or (Path(str(config["db"])) if "db" in config else default_db_path())
    acting = acting or (str(config["as"]) if "as" in config else None)
    language = (lang or str(config.get("lang", "")) or _locale_language()).lower()
    if language not in LANGUAGES:
        raise UserError(f"language {language!r} is not supported; use one of: {', '.join(LANGUAGES)}")
    return Settings(db_path=db_path.expanduser().resolve(), acting=acting, lang=language)
