"""Services served for real over HTTP on 127.0.0.1, each by its own uvicorn in a thread, so that one
service calls another the way it does in production (approval reads intake's forms over HTTP)."""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import uvicorn
from fastapi import FastAPI


@contextlib.contextmanager
def served_at(make_app: Callable[[str], FastAPI], *, within: float = 60) -> Iterator[str]:
    """`make_app(base_url)` served on a port chosen first, for an app that must know its own address
    before it starts (the embedded default's pages and approval call its mounted services over HTTP);
    its lifespan (migrations, relay, consumers) included."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(make_app(base), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + within
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{base} did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextlib.contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app's base URL while the block runs; its lifespan (migrations, relay, consumers) included."""
    with served_at(lambda _base: app) as base:
        yield base
