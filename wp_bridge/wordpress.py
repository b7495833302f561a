"""The daemon's client for the bridge plugin's REST routes (daemon -> WordPress), signed.

Each attempt is a new Standard Webhooks message (fresh webhook-id and timestamp, so the
plugin's replay check never refuses a retry); the lead's `Idempotency-Key` stays the same
across attempts, and the plugin upserts by it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

from daemon import __version__
from daemon.outbound import outbound_session
from wp_bridge.signing import Signer, to_wordpress

LEADS_ROUTE = "/igsync/v1/leads"
LEADS_BATCH_ROUTE = "/igsync/v1/leads/batch"
BATCH_HEADER = "igsync-lead-batch"  # how many leads the plugin takes in one batch (0.6 on)
MAX_BATCH_BYTES = 262_144  # the plugin's own bound on a batch's body
QUEUE_ROUTE = "/igsync/v1/queue"
ACK_ROUTE = "/igsync/v1/queue/ack"
ERASE_ROUTE = "/igsync/v1/erase"
PING_ROUTE = "/igsync/v1/ping"
UNPAIR_ROUTE = "/igsync/v1/unpair"
OUTCOME_ROUTE = "/igsync/v1/codes/outcome"
RETRYABLE_CLIENT_STATUSES = frozenset({408, 409, 425, 429})


@dataclass(frozen=True)
class QueuedWork:
    codes: list[dict[str, Any]]
    meta: list[dict[str, Any]]  # {id, kind, signed_request, confirmation_code?, received_at}


class WordPressError(Exception):
    retryable = False

    def __init__(self, reason: str, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


class WordPressUnavailable(WordPressError):
    """WordPress is down, slow, or answered 5xx/429: try again later."""

    retryable = True


class WordPressRejected(WordPressError):
    """WordPress refused the lead (4xx): retrying the same request won't help."""


class BatchesUnsupported(WordPressError):
    """The plugin has no batch route (an older one, or one downgraded since it said it had):
    send the leads one by one."""


@dataclass(frozen=True)
class LeadAnswer:
    """WordPress's answer for one lead of a batch: its HTTP status as the single route would
    have answered it, and the error when it was not stored (None when it was)."""

    http_status: int
    error: WordPressError | None


def route_url(wp_url: str, route: str, **query: str | int) -> str:
    """A REST route's URL in the `?rest_route=` form, which every WordPress answers whatever its
    permalink setting (`/wp-json/` needs pretty permalinks) and under a sub-path too."""
    extra = "".join(f"&{name}={value}" for name, value in query.items())
    return f"{wp_url.rstrip('/')}/?rest_route={route}{extra}"


def encode_json(payload: Any) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


class WordPressClient:
    def __init__(
        self,
        wp_url: str,
        signer: Signer,
        *,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        pool_size: int = 16,
    ) -> None:
        self.wp_url = wp_url.rstrip("/")
        self._signer = signer
        self._timeout = (3.05, timeout)
        self._session = session or outbound_session([self.wp_url], pool_size=pool_size)
        # How many leads one batch may hold: 0 until the plugin says it takes batches (an older
        # plugin never does, and gets every lead on its own, as before).
        self.batch_limit = 0

    def push_lead(self, lead: dict[str, Any], idempotency_key: str) -> int:
        """POST the lead; the HTTP status on success, WordPressError otherwise."""
        response = self._send(
            "POST", LEADS_ROUTE, encode_json(lead), {"Idempotency-Key": idempotency_key}
        )
        return response.status_code

    def push_leads(self, leads: list[tuple[str, dict[str, Any]]]) -> list[LeadAnswer]:
        """POST (idempotency key, lead) pairs as one batch; one answer per lead, in order.
        WordPressError when the batch as a whole was not taken (then none of it was stored);
        BatchesUnsupported when the plugin has no batch route."""
        body = encode_json({"leads": [lead for _, lead in leads]})
        try:
            response = self._send("POST", LEADS_BATCH_ROUTE, body)
        except WordPressRejected as error:
            if error.http_status in (404, 405):  # rest_no_route: an older plugin
                self.batch_limit = 0
                raise BatchesUnsupported(error.reason, error.http_status) from None
            raise
        return _batch_answers(response, [key for key, _ in leads])

    def fetch_queue(self, limit: int = 100) -> list[dict[str, Any]]:
        """Codes the plugin queued that the daemon has not acknowledged (the catch-up poll)."""
        return self.fetch_work(limit).codes

    def fetch_work(self, limit: int = 100) -> QueuedWork:
        """Everything the plugin holds for the daemon: codes whose forward failed, and Meta
        callbacks that came while the daemon was unreachable."""
        response = self._send("GET", QUEUE_ROUTE, b"", query={"limit": limit})
        try:
            answer = response.json()
            codes, meta = answer["codes"], answer.get("meta", [])
        except (ValueError, KeyError, TypeError):
            raise WordPressUnavailable("the queue answer is not the expected JSON") from None
        if not isinstance(codes, list) or not isinstance(meta, list):
            raise WordPressUnavailable("the queue answer is not the expected JSON")
        return QueuedWork(
            [item for item in codes if isinstance(item, dict)],
            [item for item in meta if isinstance(item, dict)],
        )

    def ack_queue(self, ids: list[int], meta_ids: list[int] | None = None) -> int:
        """Tell the plugin these queued codes (and Meta callbacks) are handled here; it erases
        them."""
        body: dict[str, list[int]] = {"ids": ids}
        if meta_ids:
            body["meta_ids"] = meta_ids
        response = self._send("POST", ACK_ROUTE, encode_json(body))
        acked = response.json().get("acked", 0) if response.content else 0
        return int(acked)

    def ping(self) -> tuple[bool, str]:
        """A signed call to the plugin: (whether it accepted it, what happened, in words)."""
        try:
            self._send("GET", PING_ROUTE, b"")
        except WordPressError as error:
            if error.http_status == 401:
                return False, f"WordPress refused the daemon's signature ({error.reason})"
            return False, f"the daemon could not reach WordPress at {self.wp_url}: {error.reason}"
        return True, "WordPress accepted the daemon's signed call"

    def unpair(self, daemon_host: str) -> None:
        """Tell the plugin this daemon leaves: it forgets the shared secret and logs it."""
        self._send("POST", UNPAIR_ROUTE, encode_json({"unpair": True, "daemon_host": daemon_host}))

    def erase(self, ig_user_id: str, confirmation_code: str) -> int:
        """Ask the plugin to erase this person's leads and user meta; how many leads it erased."""
        body = encode_json({"ig_user_id": ig_user_id, "confirmation_code": confirmation_code})
        response = self._send("POST", ERASE_ROUTE, body)
        try:
            return int(response.json()["erased_leads"])
        except (ValueError, KeyError, TypeError):
            raise WordPressUnavailable("the erase answer is not the expected JSON") from None

    def code_outcome(self, code_hash: str, status: str, reason: str) -> None:
        """Tell the plugin how a code it forwarded ended when no lead will say it (interrupted:
        its shopper must connect again)."""
        body = encode_json({"code_hash": code_hash, "status": status, "reason": reason})
        self._send("POST", OUTCOME_ROUTE, body)

    def _send(
        self,
        method: str,
        route: str,
        body: bytes,
        extra: dict[str, str] | None = None,
        query: dict[str, str | int] | None = None,
    ) -> requests.Response:
        """One signed request (a fresh webhook-id each time); WordPressError unless 2xx."""
        headers = {
            **self._signer.headers(body, to_wordpress(method, route)),
            "Content-Type": "application/json",
            "User-Agent": f"igsync/{__version__}",
            **(extra or {}),
        }
        try:
            response = self._session.request(
                method,
                route_url(self.wp_url, route, **(query or {})),
                data=body or None,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise WordPressUnavailable(f"no answer within {self._timeout[1]:g}s") from None
        except requests.RequestException as exc:
            raise WordPressUnavailable(f"connection failed ({type(exc).__name__})") from None
        self._signer.learn(response.headers)
        self._learn_batch_limit(response.headers.get(BATCH_HEADER))
        status = response.status_code
        if 200 <= status < 300:
            return response
        reason = f"HTTP {status}: {_wp_error_reason(response)}"
        if status >= 500 or status in RETRYABLE_CLIENT_STATUSES:
            raise WordPressUnavailable(reason, status)
        raise WordPressRejected(reason, status)

    def _learn_batch_limit(self, announced: str | None) -> None:
        if announced is not None:
            self.batch_limit = int(announced) if announced.isdigit() else 0

    def close(self) -> None:
        self._session.close()


def _batch_answers(response: requests.Response, keys: list[str]) -> list[LeadAnswer]:
    """The batch route's `results`, one per lead and in order, as LeadAnswers; a reply that is
    not that (a proxy's page, a cut-off body) is WordPressUnavailable: the whole batch is sent
    again, which its idempotency keys make harmless."""
    try:
        results = response.json()["results"]
    except (ValueError, KeyError, TypeError):
        raise WordPressUnavailable("the batch answer is not the expected JSON") from None
    if not isinstance(results, list) or len(results) != len(keys):
        raise WordPressUnavailable("the batch answer does not answer every lead") from None
    answers = []
    for key, result in zip(keys, results, strict=True):
        if not isinstance(result, dict) or result.get("key") not in (key, None):
            raise WordPressUnavailable("the batch answer names other leads than were sent")
        status = result.get("http_status")
        if not isinstance(status, int):
            raise WordPressUnavailable("the batch answer has a lead without its status")
        answers.append(LeadAnswer(status, _lead_error(status, result)))
    return answers


def _lead_error(status: int, result: dict[str, Any]) -> WordPressError | None:
    """One lead's refusal, retryable or not as the same answer to a single push would be."""
    if 200 <= status < 300:
        return None
    code = f"{result['code']}: " if result.get("code") else ""
    reason = f"HTTP {status}: {code}{result.get('message') or 'no reason given'}"[:300]
    if status >= 500 or status in RETRYABLE_CLIENT_STATUSES:
        return WordPressUnavailable(reason, status)
    return WordPressRejected(reason, status)


def _wp_error_reason(response: requests.Response) -> str:
    """WP_Error's JSON (`{"code", "message", "data": {"status"}}`) as one short line."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and payload.get("message"):
        code = f"{payload['code']}: " if payload.get("code") else ""
        return f"{code}{payload['message']}"[:300]
    return (response.reason or "no reason given")[:300]
