"""Where files live: the log in the user's data folder unless told otherwise."""

import os
from pathlib import Path

APP_NAME = "infoshare"
DB_ENV = "INFOSHARE_DB"
DB_FILENAME = "infoshare-log.sqlite3"


def default_db_path() -> Path:
    """The log's path: ``INFOSHARE_DB`` if set, else the platform's per-user data folder."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / DB_FILENAME
