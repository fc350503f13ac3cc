from __future__ import annotations

from ..abc import AsyncResource  # noqa: TC001
from ._tasks import CancelScope


async def aclose_forcefully(resource: AsyncResource) -> None:
    with CancelScope() as scope:
        scope.cancel()
        await resource.aclose()
