"""`python -m onewindow_supervision rebuild supervision [--swap]` / `verify supervision`: rebuild the
supervisor's read models from the archive with a progress line, and check they equal the live ones.
The database is the service's own (ONEWINDOW_SUPERVISION_DATABASE_URL)."""
import sys

from onewindow_chassis.projections import main

from .config import Settings
from .projections import SUPERVISION

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], [SUPERVISION], database_url=Settings().database_url))
