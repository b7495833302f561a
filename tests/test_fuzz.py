"""Fuzzing the intake with schemathesis, from the app's own OpenAPI schema.

Every route gets schema-generated requests (schemathesis' checks: no 5xx, documented status
codes and content types). POST /v1/codes additionally gets its generated bodies *signed*, so
the fuzz reaches validation and storage rather than stopping at the signature: whatever the
body, the answer is 202/200 with the code stored, or a 4xx with a reason and nothing stored.
The number of cases run is written to tests/artifacts/fuzz-counts.json.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func
from sqlmodel import select

from daemon.crypto import TokenCipher, generate_key
from daemon.metrics import Metrics
from daemon.privacy.meta_callbacks import create_meta_router
from daemon.redact import Secret
from daemon.runtime.serving import ServerThread
from daemon.service import code_intake_app
from daemon.store.database import Store
from daemon.store.models import ReceivedCode
from wp_bridge.signing import Signer, generate_secret

REDIRECT_URI = "https://shop.example/wp-json/igsync/v1/callback"
ARTIFACTS = Path(__file__).parent / "artifacts"
CASES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, Signer]]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'igsync.db'}")
    store.migrate()
    signer = Signer(generate_secret())
    app = code_intake_app(
        store=store,
        cipher=TokenCipher([Secret(generate_key())]),
        signer=signer,
        redirect_uri=REDIRECT_URI,
        routers=[create_meta_router(store=store, app_secret="fuzz-app-secret")],
        metrics=Metrics().registry,
    )
    with ServerThread(app) as server:
        yield server.url, store, signer
    store.dispose()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz-counts.json").write_text(json.dumps(dict(CASES), indent=2) + "\n")


@pytest.fixture(scope="module")
def intake_schema(world: tuple[str, Store, Signer]) -> Any:
    return schemathesis.openapi.from_url(world[0] + "/openapi.json")


def test_every_route_answers_within_its_schema(intake_schema: Any) -> None:
    operations = [result.ok() for result in intake_schema.get_all_operations()]
    assert len(operations) >= 6  # codes (2), healthz, metrics, Meta's three
    for operation in operations:
        fuzz_operation(operation)


def fuzz_operation(operation: Any) -> None:
    name = f"{operation.method.upper()} {operation.path} (unsigned)"

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        CASES[name] += 1
        response = case.call_and_validate()
        assert response.status_code < 500

    call()


def stored_codes(store: Store) -> int:
    with store.read() as session:
        return int(session.execute(select(func.count()).select_from(ReceivedCode)).scalar_one())


def test_signed_fuzzed_forwards_are_stored_or_refused_with_a_reason(
    world: tuple[str, Store, Signer], intake_schema: Any
) -> None:
    url, store, signer = world
    operation = intake_schema["/v1/codes"]["POST"]
    client = requests.Session()

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def forward(case: Any) -> None:
        CASES["POST /v1/codes (signed)"] += 1
        body = json.dumps(case.body).encode() if case.body is not None else b""
        before = stored_codes(store)
        response = client.post(
            url + "/v1/codes",
            data=body,
            headers={**signer.headers(body), "Content-Type": "application/json"},
            timeout=10,
        )
        after = stored_codes(store)
        assert response.status_code in (200, 202, 413, 422), response.text
        if response.status_code == 202:
            assert after == before + 1
            assert response.json()["status"] == "pending"
        else:
            assert after == before  # refused or already stored: nothing new
        if response.status_code >= 400:
            assert response.json()["error"] and response.json()["detail"]

    forward()
    client.close()
    assert CASES["POST /v1/codes (signed)"] >= 400
