"""Per-tenant rate limiting: every tenant gets a fair share of the media workers.

Without a limit, one customer importing a million photos would fill the job
queue and everybody else would wait hours for their thumbnails. So every
tenant gets its own token bucket. A bucket holds at most ``burst`` tokens and
refills at ``rate`` tokens per second; each job a tenant submits costs one
token (large videos cost more, see ``job_cost``). When a tenant's bucket is
empty its jobs wait, and other tenants' jobs go first.

Limits come from ``config/ratelimits.toml``: a default for every tenant plus
overrides for tenants on bigger plans. Buckets live in Redis so that all
worker processes share them; the refill-and-take step is one Lua script, which
makes it atomic without locks.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import redis

# KEYS[1] = bucket key; ARGV = rate, burst, cost, now (seconds, float)
# Returns {allowed (0/1), seconds until enough tokens}.
TAKE_SCRIPT = """
local rate, burst, cost, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1]) or burst
local stamp = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - stamp) * rate)
local allowed, wait = 0, 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'stamp', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return {allowed, tostring(wait)}
"""


@dataclass(frozen=True)
class TenantLimit:
    """Sustained jobs per second and how many may arrive at once."""

    rate: float
    burst: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_in: float  # seconds until the job could be admitted; 0 when allowed


def load_limits(path: Path) -> tuple[TenantLimit, dict[str, TenantLimit]]:
    """Read the default limit and per-tenant overrides from a TOML file."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    default = TenantLimit(**document["default"])
    overrides = {tenant: TenantLimit(**values)
                 for tenant, values in document.get("tenants", {}).items()}
    return default, overrides


def job_cost(kind: str, size_bytes: int) -> int:
    """Tokens a job costs: one per job, plus one per 100 MiB of video."""
    if kind == "video":
        return 1 + size_bytes // (100 * 1024 * 1024)
    return 1


class TenantRateLimiter:
    """Token buckets keyed by tenant id, shared through Redis."""

    def __init__(self, client: redis.Redis, default: TenantLimit,
                 overrides: dict[str, TenantLimit] | None = None,
                 prefix: str = "parcel:ratelimit") -> None:
        self.redis = client
        self.default = default
        self.overrides = overrides or {}
        self.prefix = prefix
        self._take = client.register_script(TAKE_SCRIPT)

    def limit_for(self, tenant_id: str) -> TenantLimit:
        return self.overrides.get(tenant_id, self.default)

    def try_acquire(self, tenant_id: str, cost: int = 1) -> Decision:
        """Take ``cost`` tokens from the tenant's bucket if it has them."""
        limit = self.limit_for(tenant_id)
        if cost > limit.burst:
            raise ValueError(f"a job costing {cost} can never fit a burst of {limit.burst}")
        allowed, wait = self._take(keys=[f"{self.prefix}:{tenant_id}"],
                                   args=[limit.rate, limit.burst, cost, time.time()])
        return Decision(bool(allowed), 0.0 if allowed else float(wait))

    def acquire(self, tenant_id: str, cost: int = 1, timeout: float = 30.0) -> bool:
        """Block until the tenant may run a job, or until ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            decision = self.try_acquire(tenant_id, cost)
            if decision.allowed:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(decision.retry_in, remaining))


class LocalTokenBucket:
    """In-process bucket with the same arithmetic, used in tests and by the dev server."""

    def __init__(self, limit: TenantLimit, clock=time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self.tokens = float(limit.burst)
        self.stamp = clock()

    def try_acquire(self, cost: int = 1) -> Decision:
        now = self.clock()
        self.tokens = min(self.limit.burst, self.tokens + (now - self.stamp) * self.limit.rate)
        self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return Decision(True, 0.0)
        return Decision(False, (cost - self.tokens) / self.limit.rate)
