"""Fixtures of the web tests: one incidentd (PostgreSQL store, S3 server) for the session, browsers, REST users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from webpage import Api, Page, support

@pytest.fixture(scope="session")
def server() -> Iterator[support.Server]:
    environment = support.postgres_environment()
    if isinstance(environment, str):
        if support.IN_CI:
            pytest.fail(f"the web tests need PostgreSQL and S3: {environment}")
        pytest.skip(environment)
    env, drop = environment
    # --message-rate: the tests arrange long histories over REST faster than a person may write (10 a second).
    server = support.Server(store="postgres", env={**env, "REPORT_TIMEZONE": "Asia/Taipei"},
                            extra_args=["--message-rate", "1000"])
    server.start()
    try:
        yield server
    finally:
        server.stop()
        drop()


@pytest.fixture()
def api(server: support.Server) -> Callable[[str], Api]:
    return lambda username: Api(server, username)


@pytest.fixture()
def browser(server: support.Server) -> Iterator[Callable[..., Page]]:
    pages: list[Page] = []

    def make(**kwargs: Any) -> Page:
        page = Page(server, **kwargs)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.quit()
