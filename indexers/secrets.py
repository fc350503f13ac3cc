"""Secrets in a corpus: files that are likely secrets by their name, and secret values inside
ordinary text.

Files come out of discovery by name (``secret_file``). Values are found by the provider
detectors of ``detect-secrets`` (its maintained regular expressions for private keys, cloud
and SaaS tokens) and masked in place by ``redact``: each character of a secret becomes ``*``
(as many as its UTF-8 bytes), line breaks stay, so line numbers, byte ranges and the rest of
the file are what they were. The entropy and keyword detectors are left out: they flag hashes,
UUIDs and test fixtures that are ordinary content, and cost most of the scan's time.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterator

#: Globs on the lower-cased file name of files that are likely secrets.
SECRET_NAMES: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "id_ecdsa_sk",
    "id_ed25519_sk",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.p8",
    "*.ppk",
    "*.jks",
    "*.keystore",
    "credentials.json",
    "client_secret*.json",
    ".netrc",
    "_netrc",
    ".npmrc",
    ".pypirc",
    ".htpasswd",
    ".git-credentials",
    ".pgpass",
    ".dockercfg",
    "*.tfstate",
    "*.tfstate.backup",
    ".*_history",
    ".history",
)

#: Globs on the lower-cased path (relative, POSIX) for names that are secrets only in place.
SECRET_PATHS: tuple[str, ...] = (
    "*.aws/credentials",
    "*.docker/config.json",
    "*.kube/config",
    "*.ssh/*",
)

#: Lower-cased names that match the rules above but are templates or public halves.
NOT_SECRET: tuple[str, ...] = (
    "*.example",
    "*.sample",
    "*.template",
    "*.dist",
    "*.defaults",
    "*.schema",
    "*.pub",
    "known_hosts*",
    "authorized_keys*",
)

_SECRET_NAME = re.compile("|".join(fnmatch.translate(glob) for glob in SECRET_NAMES))
_SECRET_PATH = re.compile("|".join(fnmatch.translate(glob) for glob in SECRET_PATHS))
_NOT_SECRET = re.compile("|".join(fnmatch.translate(glob) for glob in NOT_SECRET))


def secret_file(rel: str) -> bool:
    """Whether the file at ``rel`` (relative POSIX path) is likely to hold secrets."""
    lower = rel.lower()
    name = lower.rpartition("/")[2]
    if _NOT_SECRET.match(name):
        return False
    return bool(_SECRET_NAME.match(name) or _SECRET_PATH.match("/" + lower))


#: detect-secrets plugins left out: the entropy and keyword ones, and the vendor detectors
#: that are keyword detectors too (a word such as ``cl_key`` or ``iam_token`` then any 24 to 64
#: letters): noisy on ordinary code (hashes, UUIDs, ``password = ...`` in tests, IP addresses
#: in docs) and two thirds of the scan's time. Every other regex plugin is used, so provider
#: detectors that later releases add arrive with the package.
SKIPPED_PLUGINS = frozenset(
    {
        "Base64HighEntropyString",
        "HexHighEntropyString",
        "KeywordDetector",
        "IPPublicDetector",
        "CloudantDetector",
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "SoftlayerDetector",
    }
)

#: A private key's header is followed by its body: base64 lines, PEM headers, quotes and
#: escaped newlines when it sits in a string literal. A header followed by less is a mention.
_KEY_BODY = re.compile(r"[-A-Za-z0-9+/=\s\"'\\,:.]{0,16384}")
_KEY_END = re.compile(r"END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-*|Private-MAC:[ \t]*[0-9a-fA-F]+")
_KEY_LINE = re.compile(r"[A-Za-z0-9+/=]{40,}")  # a line of key material, at least
#: The characters a JSON Web Token's value goes on with after the detector's (lazy) match.
_JWT_TAIL = re.compile(r"[A-Za-z0-9_\-.+/=]*")
#: A match's value stops at these characters (the detectors' patterns may take one of them
#: around the value: a quote, a space, an ``=``).
_EDGES = " \t\r\n\"'=:`"


#: A detector's pattern: (plugin name, pattern, a literal that every match contains or "",
#: whether to look for that literal in the lower-cased text).
_Detector = tuple[str, re.Pattern[str], str, bool]


@functools.cache
def _detectors() -> tuple[_Detector, ...]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    return tuple(
        (plugin.__name__, pattern, *_anchor(pattern))
        for plugin in get_mapping_from_secret_type_to_class().values()
        if issubclass(plugin, RegexBasedDetector) and plugin.__name__ not in SKIPPED_PLUGINS
        for pattern in plugin.denylist
    )


def _anchor(pattern: re.Pattern[str]) -> tuple[str, bool]:
    """The longest run of plain characters at the top level of ``pattern`` (every match
    contains it), when it is at least two characters long; a file without it cannot match, and
    ``str.find`` rules that out much faster than the regular expression. Lower case when the
    pattern ignores case."""
    import re._constants as constants  # the parser of the ``re`` module itself
    import re._parser as parser

    best = run = ""
    for op, argument in parser.parse(pattern.pattern, pattern.flags):
        run = run + chr(argument) if op is constants.LITERAL else ""
        best = max(best, run, key=len)
    folded = bool(pattern.flags & re.IGNORECASE)
    return (best.lower() if folded else best) if len(best) >= 2 else "", folded


def _value_span(name: str, match: re.Match[str]) -> tuple[int, int]:
    """Where the secret value is in ``match``: its longest group when that is the value (a
    password in a URL, or a group of eight characters or more: shorter ones are prefixes such
    as ``ghp``), else the whole match; without surrounding quotes or spaces."""
    groups = [i for i in range(1, (match.re.groups or 0) + 1) if match.group(i)]
    best = max(groups, key=lambda i: len(match.group(i)), default=None)
    value = best and (len(match.group(best)) >= 8 or name == "BasicAuthDetector")
    start, end = match.span(best) if value else match.span()
    text = match.string
    if name == "JwtTokenDetector":  # its pattern stops before the signature
        end = _JWT_TAIL.match(text, end).end()  # type: ignore[union-attr]
    while start < end and text[start] in _EDGES:
        start += 1
    while end > start and text[end - 1] in _EDGES:
        end -= 1
    return start, end


def _key_span(text: str, header: re.Match[str]) -> tuple[int, int] | None:
    """The whole private key a header starts, or None when no key body follows it."""
    start = header.start()
    while start > 0 and text[start - 1] == "-":
        start -= 1
    body = _KEY_BODY.match(text, header.end())
    assert body is not None  # the pattern also matches nothing
    end = body.end()
    closing = _KEY_END.search(text, header.end(), end)
    if closing is not None:
        end = closing.end()
    if not _KEY_LINE.search(text, header.end(), end):
        return None
    return start, end


def find_secrets(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, detector)`` of each secret in ``text`` (character offsets), in order and
    without overlaps."""
    found: list[tuple[int, int, str]] = []
    lower = ""
    for name, pattern, anchor, folded in _detectors():
        if anchor and folded:
            lower = lower or text.lower()
        windows = _lines_with(lower if folded else text, anchor) if anchor else [(0, len(text))]
        for match in (m for start, end in windows for m in pattern.finditer(text, start, end)):
            span = _key_span(text, match) if name == "PrivateKeyDetector" else None
            if name == "PrivateKeyDetector" and span is None:
                continue
            start, end = span or _value_span(name, match)
            if end > start and _valid(name, text[start:end]):
                found.append((start, end, name))
    return list(_merged(sorted(found)))


def _lines_with(text: str, anchor: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each line of ``text`` that holds ``anchor``: where a pattern
    with that anchor can match (detect-secrets itself scans line by line)."""
    lines: list[tuple[int, int]] = []
    found = text.find(anchor)
    while found != -1:
        end = text.find("\n", found + len(anchor))
        end = len(text) if end == -1 else end
        lines.append((text.rfind("\n", 0, found) + 1, end))
        found = text.find(anchor, end)
    return lines


def _valid(name: str, value: str) -> bool:
    if name == "JwtTokenDetector":  # the plugin's own check that the parts decode
        from detect_secrets.plugins.jwt import JwtTokenDetector

        return JwtTokenDetector.is_formally_valid(value)
    return True


def _merged(spans: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    current: tuple[int, int, str] | None = None
    for span in spans:
        if current is not None and span[0] <= current[1]:
            current = (current[0], max(current[1], span[1]), current[2])
            continue
        if current is not None:
            yield current
        current = span
    if current is not None:
        yield current


def _mask(value: str) -> str:
    return "".join(
        char if char in "\r\n" else "*" * len(char.encode("utf-8", "surrogatepass"))
        for char in value
    )


def redact(text: str) -> str:
    """``text`` with every secret ``find_secrets`` finds masked in place: same lines, same
    UTF-8 length, everything else untouched."""
    spans = find_secrets(text)
    if not spans:
        return text
    pieces, done = [], 0
    for start, end, _ in spans:
        pieces += [text[done:start], _mask(text[start:end])]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)
