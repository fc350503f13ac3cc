"""The media worker's main loop: take a job off the queue, process it, report back.

Jobs are JSON messages on the ``parcel:jobs`` Redis stream, written by parceld
when an upload completes. Each job names a stored object and the work to do:
``thumbnail`` (images) or ``scan`` (malware scan with ClamAV). Results are written back to the database and a
``thumbnail.ready`` or ``scan.finished`` event is queued for webhooks.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import redis

from parcel_worker.ratelimit import TenantRateLimiter, job_cost

log = logging.getLogger("parcel.worker")

STREAM = "parcel:jobs"
GROUP = "workers"
THUMBNAIL_SIZES = (128, 512, 1024)


@dataclass
class Job:
    id: str
    tenant_id: str
    object_key: str
    kind: str
    size_bytes: int
    attempts: int = 0

    @classmethod
    def from_message(cls, message_id: str, fields: dict) -> Job:
        body = json.loads(fields[b"body"])
        return cls(id=message_id, tenant_id=body["tenant_id"], object_key=body["object_key"],
                   kind=body["kind"], size_bytes=body["size"], attempts=body.get("attempts", 0))


class Worker:
    def __init__(self, client: redis.Redis, limiter: TenantRateLimiter, storage, name: str):
        self.redis = client
        self.limiter = limiter
        self.storage = storage
        self.name = name
        self.stopping = False

    def install_signal_handlers(self) -> None:
        """Finish the current job on SIGTERM instead of dying half way."""
        def stop(signum, frame):
            log.info("signal %s: stopping after the current job", signum)
            self.stopping = True
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def run(self) -> None:
        while not self.stopping:
            batch = self.redis.xreadgroup(GROUP, self.name, {STREAM: ">"}, count=1, block=5000)
            for _stream, messages in batch or []:
                for message_id, fields in messages:
                    self.handle(Job.from_message(message_id.decode(), fields))

    def handle(self, job: Job) -> None:
        if not self.limiter.acquire(job.tenant_id, job_cost(job.kind, job.size_bytes)):
            log.info("tenant %s over its job rate; requeueing %s", job.tenant_id, job.id)
            return  # left pending: another worker claims it after the idle timeout
        try:
            with tempfile.TemporaryDirectory(prefix="parcel-job-") as scratch:
                source = Path(scratch) / "source"
                self.storage.download(job.object_key, source)
                if job.kind == "thumbnail":
                    self.make_thumbnails(job, source, Path(scratch))
                elif job.kind == "scan":
                    self.scan(job, source)
                else:
                    log.warning("unknown job kind %r", job.kind)
            self.redis.xack(STREAM, GROUP, job.id)
        except subprocess.CalledProcessError as error:
            log.error("job %s failed: %s", job.id, error.stderr)

    def make_thumbnails(self, job: Job, source: Path, scratch: Path) -> None:
        """Call the Rust thumbnailer once for all sizes, then store the results."""
        subprocess.run(["parcel-thumbs", "--input", str(source), "--out-dir", str(scratch),
                        "--sizes", ",".join(map(str, THUMBNAIL_SIZES))],
                       check=True, capture_output=True, text=True, timeout=120)
        for size in THUMBNAIL_SIZES:
            self.storage.upload(scratch / f"{size}.webp", f"{job.object_key}/thumbs/{size}.webp")
        self.redis.xadd("parcel:events", {"type": "thumbnail.ready", "object": job.object_key})

    def scan(self, job: Job, source: Path) -> None:
        result = subprocess.run(["clamdscan", "--no-summary", str(source)],
                                capture_output=True, text=True, timeout=300)
        infected = result.returncode == 1
        self.redis.xadd("parcel:events", {"type": "scan.finished", "object": job.object_key,
                                          "infected": int(infected)})
