"""Chunked, resumable uploads to a Parcel server, with automatic retries.

A file is sent in three steps: open an upload session, PUT each part with its
checksum, then ask the server to assemble the parts. Networks drop, proxies
time out and servers restart during deploys, so every request that fails for
a *transient* reason is retried after a pause that grows exponentially with
each attempt, with random jitter so that thousands of clients that failed at
the same moment do not all come back at the same moment.

Why full jitter and these numbers: see ``docs/design/retry-strategy.md``.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

import requests

from parcel_client.checksum import ChecksumMismatch, part_digest, verify_part_receipt
from parcel_client.config import ClientConfig

log = logging.getLogger(__name__)

T = TypeVar("T")

#: HTTP statuses that mean "try again later": timeouts, throttling, busy or restarting servers.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

#: Network-level failures that are worth another attempt.
RETRYABLE_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    ChecksumMismatch,  # the part was corrupted in flight: send it again
)

ProgressCallback = Callable[[int, int], None]


class UploadError(Exception):
    """The upload failed and retrying would not help (bad request, no quota, auth)."""


class RetriesExhausted(UploadError):
    """Every attempt failed; ``last_error`` holds the final failure."""

    def __init__(self, attempts: int, last_error: BaseException) -> None:
        super().__init__(f"gave up after {attempts} attempts: {last_error}")
        self.attempts = attempts
        self.last_error = last_error


class TransientHTTPError(Exception):
    """A response with a retryable status; carries the server's Retry-After hint, if any."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code} from {response.url}")
        self.response = response
        self.retry_after = retry_after_seconds(response)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait between attempts, and how many attempts to make.

    The wait before attempt ``n + 1`` is drawn uniformly from
    ``[0, min(max_delay, base_delay * 2 ** (n - 1))]`` ("full jitter"): 0-0.5 s,
    then 0-1 s, 0-2 s, 0-4 s ... never more than ``max_delay`` seconds.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to sleep after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng() * ceiling


def retry_after_seconds(response: requests.Response) -> float | None:
    """Parse a Retry-After header: either delta-seconds or an HTTP date."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def retry_upload_request(send: Callable[[], T], policy: RetryPolicy, *, what: str = "request",
                         sleep: Callable[[float], None] = time.sleep) -> T:
    """Retry a failed upload request with exponential backoff and jitter.

    All upload requests (create, send part, complete) go through here, so this
    is the one place where failed uploads are retried. Transient failures -
    dropped connections, timeouts, 5xx and 429 answers, corrupted parts - are
    retried up to policy.max_attempts times; other errors are raised at once.
    A server that says how long to wait (Retry-After) is obeyed, within
    ``policy.max_delay``.
    """
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return send()
        except (TransientHTTPError, *RETRYABLE_EXCEPTIONS) as error:
            if attempt == policy.max_attempts:
                raise RetriesExhausted(attempt, error) from error
            delay = policy.backoff(attempt)
            hint = getattr(error, "retry_after", None)
            if hint is not None:
                delay = min(policy.max_delay, max(delay, hint))
            log.warning("%s failed (attempt %d/%d): %s; retrying in %.2fs",
                        what, attempt, policy.max_attempts, error, delay)
            sleep(delay)
    raise AssertionError("unreachable")


def check_response(response: requests.Response) -> requests.Response:
    """Raise TransientHTTPError for retryable statuses, UploadError for the others."""
    if response.status_code in RETRYABLE_STATUSES:
        raise TransientHTTPError(response)
    if response.status_code >= 400:
        raise UploadError(f"HTTP {response.status_code}: {response.text[:200]}")
    return response


def iter_parts(stream: BinaryIO, part_size: int) -> Iterator[tuple[int, bytes]]:
    """Yield ``(part_number, data)`` pairs; part numbers start at 1."""
    number = 1
    while True:
        data = stream.read(part_size)
        if not data:
            return
        yield number, data
        number += 1


class Uploader:
    """Uploads files to Parcel in parts, resuming and retrying as needed."""

    def __init__(self, config: ClientConfig, session: requests.Session | None = None,
                 policy: RetryPolicy | None = None) -> None:
        self.config = config
        self.http = session or requests.Session()
        self.http.headers["Authorization"] = f"Bearer {config.api_key}"
        self.http.headers["User-Agent"] = "parcel-python/2.4"
        self.policy = policy or RetryPolicy(
            max_attempts=config.max_attempts, max_delay=config.max_backoff_seconds
        )

    def _url(self, path: str) -> str:
        return f"{self.config.api_url.rstrip('/')}{path}"

    def start_session(self, name: str, size: int, content_type: str) -> dict:
        """Open an upload session; the server answers with an id and the part size."""
        def send() -> dict:
            response = self.http.post(
                self._url("/v1/uploads"),
                json={"name": name, "size": size, "content_type": content_type},
                timeout=self.config.timeout_seconds,
            )
            return check_response(response).json()
        return retry_upload_request(send, self.policy, what="create upload session")

    def uploaded_parts(self, upload_id: str) -> set[int]:
        """Part numbers the server already holds, so an interrupted upload can resume."""
        response = check_response(
            self.http.get(self._url(f"/v1/uploads/{upload_id}/parts"),
                          timeout=self.config.timeout_seconds))
        return {part["number"] for part in response.json()["parts"]}

    def send_part(self, upload_id: str, number: int, data: bytes) -> None:
        """PUT one part with its checksum; the server echoes what it received."""
        digest = part_digest(data)

        def send() -> None:
            response = self.http.put(
                self._url(f"/v1/uploads/{upload_id}/parts/{number}"),
                data=data,
                headers={"X-Parcel-Checksum": digest,
                         "Content-Type": "application/octet-stream"},
                timeout=self.config.timeout_seconds,
            )
            verify_part_receipt(check_response(response).json(), digest)

        retry_upload_request(send, self.policy, what=f"part {number} of {upload_id}")

    def complete(self, upload_id: str) -> dict:
        def send() -> dict:
            response = self.http.post(self._url(f"/v1/uploads/{upload_id}/complete"),
                                      timeout=self.config.timeout_seconds)
            return check_response(response).json()
        return retry_upload_request(send, self.policy, what=f"complete {upload_id}")

    def upload_file(self, path: Path, content_type: str = "application/octet-stream",
                    on_progress: ProgressCallback | None = None,
                    resume_id: str | None = None) -> dict:
        """Upload ``path`` and return the file record; pass ``resume_id`` to continue."""
        size = path.stat().st_size
        if resume_id:
            upload_id, part_size = resume_id, self.config.part_size
            done = self.uploaded_parts(upload_id)
        else:
            session = self.start_session(path.name, size, content_type)
            upload_id, part_size, done = session["id"], session["part_size"], set()
        sent = 0
        with path.open("rb") as stream:
            for number, data in iter_parts(stream, part_size):
                if number not in done:
                    self.send_part(upload_id, number, data)
                sent += len(data)
                if on_progress:
                    on_progress(sent, size)
        return self.complete(upload_id)
