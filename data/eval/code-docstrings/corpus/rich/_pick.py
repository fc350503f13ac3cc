from typing import Optional


def pick_bool(*values: Optional[bool]) -> bool:
    assert values, "1 or more values required"
    for value in values:
        if value is not None:
            return value
    return bool(value)
