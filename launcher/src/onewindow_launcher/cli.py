"""`onewindow embedded` runs everything in one process; `onewindow serve SERVICE` runs one service
(distributed mode: its settings come from ONEWINDOW_<SERVICE>_* variables), or `onewindow serve pages`
(the web pages, in front of services at ONEWINDOW_PAGES_<SERVICE>_URL); `onewindow migrate SERVICE`."""
from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from onewindow_chassis import migrations

from .services import SERVICES, app_factory, migrations_of, settings_of


def main() -> None:
    parser = argparse.ArgumentParser(prog="onewindow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    embedded = commands.add_parser("embedded", help="every service in one process, SQLite, no servers")
    embedded.add_argument("--data", type=Path, default=Path("var"), help="where the SQLite files live")
    embedded.add_argument("--host", default="127.0.0.1")
    embedded.add_argument("--port", type=int, default=8000)
    serve = commands.add_parser("serve", help="one service in this process")
    serve.add_argument("service", choices=(*SERVICES, "pages"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    migrate = commands.add_parser("migrate", help="bring one service's database up to date")
    migrate.add_argument("service", choices=SERVICES)
    args = parser.parse_args()

    if args.command == "embedded":
        from .embedded import create_app

        print(f"OneWindow embedded default on http://{args.host}:{args.port}/  (data in {args.data.resolve()})")
        app = create_app(args.data, base_url=f"http://{args.host}:{args.port}")
        uvicorn.run(app, host=args.host, port=args.port, loop="uvloop", http="httptools")
    elif args.command == "serve" and args.service == "pages":
        from .pages import create_app as pages_app

        uvicorn.run(pages_app(), host=args.host, port=args.port, loop="uvloop", http="httptools")
    elif args.command == "serve":
        app = app_factory(args.service)(settings_of(args.service))
        uvicorn.run(app, host=args.host, port=args.port, loop="uvloop", http="httptools")
    else:
        settings = settings_of(args.service)
        migrations.upgrade(settings.database_url, migrations_of(args.service))
        print(f"{args.service}: migrated")
