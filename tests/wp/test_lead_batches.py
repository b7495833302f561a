"""Leads in batches (`POST igsync/v1/leads/batch`, signed): the daemon's own client against the
real plugin. Each lead of a batch is validated and upserted by its own idempotency key and
answered in its place, so one bad lead refuses only itself; the same batch again duplicates
nothing; what is not a list of leads is refused whole and stores nothing."""

from __future__ import annotations

import requests

from tests.wordpress import WordPress
from tests.wp.pushes import a_lead, an_event
from wp_bridge.signing import Signer, generate_secret, to_wordpress
from wp_bridge.wordpress import (
    BATCH_HEADER,
    LEADS_BATCH_ROUTE,
    WordPressClient,
    WordPressRejected,
    encode_json,
)

BATCH = to_wordpress("POST", LEADS_BATCH_ROUTE)


def rows(wp: WordPress, *usernames: str) -> dict[str, str]:
    names = ", ".join(f"'{name}'" for name in usernames)
    lines = wp.sql(
        f"SELECT username, status FROM wp_igsync_leads WHERE username IN ({names})"  # noqa: S608
    ).splitlines()
    return dict(line.split("\t") for line in lines)


def test_a_batch_stores_each_lead_and_refuses_only_the_bad_one(
    configured: WordPress, shared: dict[str, str]
) -> None:
    client = WordPressClient(configured.url, Signer(shared["secret"]), timeout=30)
    assert client.ping()[0] and client.batch_limit == 50  # every answer says it takes batches
    first, second = a_lead(username="batch.first"), a_lead(username="batch.second")
    bad = a_lead(username="batch.bad", email="a" * 290 + "@example.com")
    lost = an_event(first, "connection_lost", 2, reason="deauthorized on Instagram")
    sent = [first, bad, second, lost]
    answers = client.push_leads([(lead["idempotency_key"], lead) for lead in sent])
    assert [answer.http_status for answer in answers] == [201, 422, 201, 200]
    refusal = answers[1].error
    assert isinstance(refusal, WordPressRejected) and not refusal.retryable
    assert "email" in refusal.reason
    assert rows(configured, "batch.first", "batch.second", "batch.bad") == {
        "batch.first": "needs_reconnect",  # the later event of the same batch applied after it
        "batch.second": "connected",
    }
    again = client.push_leads([(lead["idempotency_key"], lead) for lead in (first, second)])
    assert [answer.http_status for answer in again] == [200, 200]  # updated, not created
    count = "SELECT COUNT(*) FROM wp_igsync_leads WHERE username LIKE 'batch.%'"
    assert configured.sql(count).strip() == "2"
    client.close()


def test_what_is_not_a_batch_of_leads_is_refused_whole_and_stores_nothing(
    configured: WordPress, shared: dict[str, str]
) -> None:
    signer = Signer(shared["secret"])

    def post(payload: object, headers: dict[str, str] | None = None) -> requests.Response:
        body = encode_json(payload)
        return requests.post(
            configured.rest(LEADS_BATCH_ROUTE),
            data=body,
            headers={
                **(headers if headers is not None else signer.headers(body, BATCH)),
                "Content-Type": "application/json",
            },
            timeout=30,
        )

    one = {"leads": [a_lead(username="batch.forged")]}
    forged = post(one, Signer(generate_secret()).headers(encode_json(one), BATCH))
    assert forged.status_code == 401 and forged.json()["code"] == "igsync_bad_signature"
    assert post({"leads": {"a": a_lead(username="batch.map")}}).status_code == 422
    assert post({"leads": []}).status_code == 422
    too_many = post({"leads": [a_lead(username=f"batch.many{n}") for n in range(51)]})
    assert too_many.status_code == 413 and too_many.headers[BATCH_HEADER] == "50"
    assert rows(configured, "batch.forged", "batch.map", "batch.many0") == {}
