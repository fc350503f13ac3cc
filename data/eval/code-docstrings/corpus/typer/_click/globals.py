from threading import local
from typing import TYPE_CHECKING, Literal, Union, cast, overload

if TYPE_CHECKING:
    from .core import Context

_local = local()


@overload
def get_current_context(silent: Literal[False] = False) -> "Context": ...


@overload
def get_current_context(silent: bool = ...) -> Union["Context", None]: ...


def get_current_context(silent: bool = False) -> Union["Context", None]:
    try:
        return cast("Context", _local.stack[-1])
    except (AttributeError, IndexError) as e:
        if not silent:
            raise RuntimeError(
                "There is no active click context."
            ) from e  # pragma: no cover

    return None


def push_context(ctx: "Context") -> None:
    _local.__dict__.setdefault("stack", []).append(ctx)


def pop_context() -> None:
    _local.stack.pop()


def resolve_color_default(color: bool | None = None) -> bool | None:
    if color is not None:
        return color

    ctx = get_current_context(silent=True)

    if ctx is not None:
        return ctx.color

    return None
