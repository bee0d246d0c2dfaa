"""The only SQL: opening the database, migrations, the Store, row to model decoding."""

import sys

# sqlite-utils imports numpy when it is installed (the charts extra brings it), only to map
# numpy values it is given to SQLite types; we never give it any. Hidden for that one import,
# numpy stays out of the bot's process: about 10 MiB of memory and 0.1 s of start-up.
if "numpy" not in sys.modules:
    sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]
