"""The TLS context every HTTP client of a process shares."""

from __future__ import annotations

import ssl
import threading

import pytest

from bot.core import tls


def test_callers_while_the_context_is_built_all_get_the_one_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    builds: list[ssl.SSLContext] = []
    release = threading.Event()
    real = ssl.create_default_context

    def slow_build(*args: object, **kwargs: object) -> ssl.SSLContext:
        release.wait(10)
        builds.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return builds[-1]

    monkeypatch.setattr(tls, "_context", None)
    monkeypatch.setattr(tls.ssl, "create_default_context", slow_build)
    tls.prepare_client_context()  # the build starts in its thread and waits
    got: list[ssl.SSLContext] = []
    callers = [threading.Thread(target=lambda: got.append(tls.client_context())) for _ in range(3)]
    for caller in callers:
        caller.start()
    release.set()
    for caller in callers:
        caller.join(10)
    assert len(builds) == 1  # the CA bundle was read once
    assert got == builds * 3
    assert tls.client_context() is builds[0]
    assert tls.client_context().verify_mode == ssl.CERT_REQUIRED
