"""Reading a sync's orders from the platform ahead of writing them.

A sync alternates two kinds of work: waiting for the platform (list and detail calls) and writing what
it answered. A thread of its own reads the next pages (the HTTP calls and turning their JSON into
`ExternalOrder`s) while the worker's thread writes the previous ones, so the platform's answers are
ready when a batch has been written. The reader does no database work: a background thread would have a
database connection of its own, outside the worker's transaction. A token refresh it needs (done under
the connection's row lock) is handed to the worker's thread, which runs it when it next asks for a page.

Pages come out in the platform's order with their resume points, and a platform error comes out where it
happened, after the pages read before it: the writes, their resume points and the job's outcome are those
of reading one page after the other.
"""

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

from ..providers.base import ExternalOrder, MarketplaceClient, Tokens, TokenStore, chunks

READ_AHEAD_PAGES = 8  # pages read and not yet written, at most: a write batch or two
_POLL_SECONDS = 0.1  # how often a reader waiting on the worker looks whether it should stop


class _Stopped(Exception):
    """The worker stopped reading (a write failed, the job was taken over): the reader ends."""


class _RefreshOnWorkerThread:
    """The client's TokenStore, whose refreshes always run on the worker's thread (they write the
    connection's row). Called from the reader, a refresh is queued for the worker and waited for."""

    def __init__(self, store: TokenStore, reader: "PageReader"):
        self.store, self.reader = store, reader

    def get(self) -> Tokens | None:
        return self.store.get()

    def refresh(self, stale: Tokens, do_refresh: Callable[[Tokens], Tokens]) -> Tokens:
        if threading.current_thread() is self.reader.worker:
            return self.store.refresh(stale, do_refresh)
        done: Future = Future()
        self.reader.put(("refresh", lambda: done.set_result(self.store.refresh(stale, do_refresh)), done))
        while True:
            try:
                return done.result(timeout=_POLL_SECONDS)
            except TimeoutError:
                if self.reader.stopped.is_set():
                    raise _Stopped from None


class PageReader:
    """The platform's pages as (orders, resume point), read by a thread of its own at most READ_AHEAD_PAGES
    ahead: `with PageReader(platform, start=…, end=…, state=…) as pages: for orders, resume in pages: …`.
    Used from the thread that owns the database connection; leaving the block stops the reader (after the
    call it is making) and waits for it."""

    def __init__(self, platform: MarketplaceClient, **list_options: Any):
        self.platform, self.list_options = platform, list_options
        self.worker = threading.current_thread()
        self.items: queue.Queue = queue.Queue(maxsize=READ_AHEAD_PAGES)
        self.stopped = threading.Event()
        self.store = platform.tokens
        self.thread = threading.Thread(target=self._read, name="marketplace-reader", daemon=True)

    def __enter__(self) -> "PageReader":
        self.platform.tokens = _RefreshOnWorkerThread(self.store, self)
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join()
        self.platform.tokens = self.store

    def __iter__(self) -> Iterator[tuple[list[ExternalOrder], Any]]:
        while True:
            kind, value, *rest = self.items.get()
            if kind == "page":
                yield value, rest[0]
            elif kind == "refresh":
                try:
                    value()
                except Exception as exc:  # noqa: BLE001 - the reader's call raises it, as without a reader
                    rest[0].set_exception(exc)
            elif kind == "error":
                raise value
            else:
                return

    def put(self, item: tuple) -> None:
        while not self.stopped.is_set():
            try:
                self.items.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue
        raise _Stopped

    def _read(self) -> None:
        platform = self.platform
        try:
            for page in platform.order_pages(**self.list_options):
                orders: list[ExternalOrder] = []
                for refs in chunks(page.refs, platform.detail_batch):
                    orders.extend(platform.orders(refs))
                self.put(("page", orders, page.resume))
            last = ("end", None)
        except _Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - raised in the worker's thread, where it stops the sync
            last = ("error", exc)
        try:
            self.put(last)
        except _Stopped:
            return
