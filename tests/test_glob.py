"""Path and symbol filters are SQLite GLOBs; on PostgreSQL the same glob becomes an anchored
regular expression (``glob_pattern``). Property: for any glob and any value, both backends
agree, brackets (``[...]``, ``[^...]``, ranges, a leading ``]``) and regex metacharacters
included."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retriever.store.postgres.store import glob_pattern

#: Few letters, so generated globs and values often match; the rest are what breaks translations.
ALPHABET = st.sampled_from(list("ab-_./") + ["\\", "[", "]", "^", "!", "*", "?", "$", "(", "|"])
GLOBS = st.text(ALPHABET, max_size=8)
VALUES = st.text(st.sampled_from(list("ab-_./\\[]^!*?$(|\n")), max_size=8)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def sqlite() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def postgres(postgres_server) -> Iterator[object]:
    import psycopg

    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as connection:
        yield connection


def sqlite_glob(connection: sqlite3.Connection, glob: str, value: str) -> bool:
    return bool(connection.execute("SELECT ? GLOB ?", (value, glob)).fetchone()[0])


def postgres_glob(connection, glob: str, value: str) -> bool:
    return connection.execute("SELECT %s ~ %s", (value, glob_pattern(glob))).fetchone()[0]


@pytest.mark.parametrize(
    ("glob", "value", "expected"),
    [
        ("src/*.py", "src/a/b.py", True),  # `*` spans directories
        ("[ab]?", "b.", True),
        ("[^ab]", "c", True),
        ("[^ab]", "a", False),
        ("[]a]", "]", True),  # a leading `]` is a member
        ("[a-c]", "b", True),
        ("a\\", "a\\", True),  # no escape character: a backslash is itself
        ("a.b", "axb", False),
        ("$(a|b)", "$(a|b)", True),
        ("[", "[", False),  # an unclosed set matches nothing
        ("a*[b", "a[b", False),
        ("[a-]", "-", True),  # a "-" last is itself
        ("[z-a]", "z", True),  # a reversed range: its first character only (was an error)
        ("[z-a]", "m", False),
        ("[^]a]", "]", False),
    ],
)
def test_known_globs_on_both_backends(glob, value, expected, sqlite, postgres) -> None:
    assert sqlite_glob(sqlite, glob, value) is expected
    assert postgres_glob(postgres, glob, value) is expected


@SETTINGS
@given(glob=GLOBS, value=VALUES)
def test_sqlite_and_postgresql_agree_on_every_glob(sqlite, postgres, glob: str, value: str):
    expected = sqlite_glob(sqlite, glob, value)
    assert postgres_glob(postgres, glob, value) is expected, (glob, value, glob_pattern(glob))
