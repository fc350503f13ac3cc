from __future__ import annotations

from collections.abc import Generator
from enum import Enum, auto
from typing import Any, Generic, TypeVar

from ._exceptions import (
    FutureAlreadyFinished,
    FutureCancelled,
    FutureFailed,
    FutureNotFinished,
)
from ._synchronization import Event

T = TypeVar("T")


class Future(Generic[T]):

    class Status(Enum):

        PENDING = auto()
        FINISHED = auto()
        CANCELLED = auto()
        FAILED = auto()

    __slots__ = (
        "_cancelled",
        "_exception",
        "_finished_event",
        "_name",
        "_return_value",
    )
    _return_value: T

    def __init__(self, *, name: str | None = None) -> None:
        self._finished_event = Event()
        self._exception: BaseException | None = None
        self._cancelled: bool = False
        self._name = name

    def _check_pending(self) -> None:
        match self.status:
            case Future.Status.PENDING:
                return
            case Future.Status.FINISHED:
                raise FutureAlreadyFinished("future has already finished")
            case Future.Status.FAILED:
                raise FutureAlreadyFinished("future already failed")
            case Future.Status.CANCELLED:
                raise FutureCancelled("future was cancelled")

    async def wait(self) -> None:
        await self._finished_event.wait()

    def cancel(self) -> None:
        if self.status is Future.Status.PENDING:
            self._cancelled = True
            self._finished_event.set()

    @property
    def exception(self) -> BaseException | None:

        match self.status:
            case Future.Status.PENDING:
                raise FutureNotFinished("the future has not finished yet")
            case Future.Status.FINISHED:
                return None
            case Future.Status.CANCELLED:
                raise FutureCancelled("the future was cancelled")
            case Future.Status.FAILED:
                return self._exception

    @exception.setter
    def exception(self, exception: BaseException) -> None:
        self._check_pending()
        self._exception = exception
        self._finished_event.set()

    @property
    def return_value(self) -> T:
        match self.status:
            case Future.Status.PENDING:
                raise FutureNotFinished("the future has not finished yet")
            case Future.Status.FINISHED:
                return self._return_value
            case Future.Status.CANCELLED:
                raise FutureCancelled("the future was cancelled")
            case Future.Status.FAILED:
                raise FutureFailed(
                    "the future raised an exception"
                ) from self._exception

    @return_value.setter
    def return_value(self, value: T) -> None:
        self._check_pending()
        self._return_value = value
        self._finished_event.set()

    @property
    def status(self) -> Future.Status:
        if not self._finished_event.is_set():
            return Future.Status.PENDING
        elif self._cancelled:
            return Future.Status.CANCELLED
        elif self._exception is not None:
            return Future.Status.FAILED
        else:
            return Future.Status.FINISHED

    def __await__(self) -> Generator[Any, Any, T]:
        yield from self.wait().__await__()
        return self.return_value

    def __repr__(self) -> str:
        return (
            f"<{self.__class__.__name__} {self.status.name.lower()} "
            f"name={self._name!r}>"
        )
