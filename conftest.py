"""The project's fixtures live in the test kit, omnisales/testing/ (see its fixtures module)."""

import os

# Settings skip the developer's `.env` under pytest; processes the tests start (manage.py, scripts)
# inherit this and skip it too.
os.environ["OMNISALES_IGNORE_DOTENV"] = "true"

pytest_plugins = ["omnisales.testing.fixtures"]
