"""E-mail addresses: the one spelling of an address, wherever one is stored."""

from __future__ import annotations

import re
import unicodedata

# RFC 5321: a local part that is a dot-string needs no quotes; UTF-8 as in RFC 6531.
DOT_STRING = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
                        r"(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+)*")


def _unquoted(local: str) -> str:
    """A quoted-string local part without its quotes and backslash escapes."""
    if not (len(local) >= 2 and local.startswith('"') and local.endswith('"')):
        return local
    characters, escaped = [], False
    for character in local[1:-1]:
        if escaped or character not in '\\"':
            characters.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        else:
            raise ValueError("an unescaped quote inside a quoted local part")
    if escaped:
        raise ValueError("a quoted local part ends in a backslash")
    return "".join(characters)


def normalise_address(address: str) -> str:
    """The one spelling of an e-mail address: surrounding whitespace stripped; a quoted
    local part unquoted ("vi\\ctim" is victim) and quoted again only where RFC 5321
    needs it; the domain lower-cased and IDNA-encoded, without a trailing dot. The
    local part keeps its case: only the receiving server may fold it. Raises ValueError
    for an address no mail can be sent to (a control character, a bad domain)."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError("an address is local-part@domain")
    local = unicodedata.normalize("NFC", _unquoted(local))
    if any(unicodedata.category(character) in ("Cc", "Cs") for character in local):
        raise ValueError("a control character or lone surrogate in the local part")
    if not DOT_STRING.fullmatch(local):
        local = '"' + local.replace("\\", "\\\\").replace('"', '\\"') + '"'
    domain = domain.lower().rstrip(".")
    if not (domain.startswith("[") and domain.endswith("]")):  # an address literal stays
        domain = domain.encode("idna").decode("ascii")  # UnicodeError is a ValueError
    return f"{local}@{domain}"
