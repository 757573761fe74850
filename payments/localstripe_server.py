"""Run localstripe, a fake Stripe API for the demo and the tests, on 127.0.0.1 only.

    python -m payments.localstripe_server --port 8420 --state-file var/localstripe.pickle

localstripe's own command binds every network interface and keeps its state
in /tmp/localstripe.pickle, shared by every run on the machine; this one
listens on 127.0.0.1 alone and keeps its state where it is told. With
--port 0 the system picks a free port. The first line printed is the address
it listens on, once it is listening. With --webhook-url it delivers signed
webhook events there, as `POST /_config/webhooks/<id>` would register.

It never imports Django: the demo and the tests run it as a plain process.
"""

import argparse
import os
import pickle
import socket
import tempfile
from pathlib import Path

WEBHOOK_ID = "app"


def _keep_state_in(path: Path | None) -> None:
    """Make localstripe load and save its state at `path` (nowhere if None)."""
    from localstripe import resources

    def dump_to_disk(store):
        if path is None:
            return
        # Write beside the file and rename, so a crash never leaves half a pickle.
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(store, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)

    def try_load_from_disk(store):
        if path is None or not path.exists():
            return
        try:
            with path.open("rb") as handle:
                saved = pickle.load(handle)  # noqa: S301 (our own file, written above)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return  # an unreadable state file: start empty rather than not at all
        store.clear()
        store.update(saved)

    # Patched on the class, not the instance: the store pickles itself.
    resources.Store.dump_to_disk = dump_to_disk
    resources.Store.try_load_from_disk = try_load_from_disk


def serve(
    *,
    port: int,
    state_file: Path | None,
    webhook_url: str = "",
    webhook_secret: str = "",
) -> None:
    """Serve localstripe on 127.0.0.1:`port` until interrupted (SIGINT or SIGTERM)."""
    from aiohttp import web
    from localstripe import server, webhooks
    from localstripe.resources import store

    if state_file is not None:
        state_file.parent.mkdir(parents=True, exist_ok=True)
    _keep_state_in(state_file)
    store.try_load_from_disk()
    if webhook_url:
        webhooks.register_webhook(WEBHOOK_ID, webhook_url, webhook_secret, None)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    print(f"http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    web.run_app(server.app, sock=listener, print=None, access_log=None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420, help="0 picks a free port")
    parser.add_argument("--state-file", type=Path, default=None, help="none: keep no state")
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--webhook-secret", default="")
    args = parser.parse_args(argv)
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret")
    serve(
        port=args.port,
        state_file=args.state_file,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
    )


if __name__ == "__main__":
    main()
