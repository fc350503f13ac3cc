from typing import List, TypeVar

T = TypeVar("T")


class Stack(List[T]):

    @property
    def top(self) -> T:
        return self[-1]

    def push(self, item: T) -> None:
        self.append(item)
