"""Whether a mail is who it says it is, by the receiving server's Authentication-Results (RFC 8601); pure.

Anyone can write any From. What proves a sender is the verdict of the server that took the mail
in: DMARC (or DKIM aligned with the From domain) as it recorded them in an Authentication-Results
header. Only headers carrying an authserv-id the channel trusts count (the channel setting
"trusted_authserv_ids", e.g. "mx.google.com" or the host name of your own MTA): a sender can add
Authentication-Results of its own, and a receiving server removes only the ones naming itself
(RFC 8601 section 5), so the topmost trusted header is the one that speaks. With no trusted id
set nothing is proven by authentication; our own replies are still known by their Message-IDs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_COMMENT = re.compile(r"\([^()]*\)")
_METHOD = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=\s*([A-Za-z0-9_-]+)(.*)$", re.DOTALL)
_PROPERTY = re.compile(r"([A-Za-z0-9_-]+)\.([A-Za-z0-9_.-]+)\s*=\s*(\"[^\"]*\"|[^\s;]+)")


@dataclass(frozen=True)
class Result:
    method: str  # "dmarc", "dkim", "spf", ...
    result: str  # "pass", "fail", "none", ...
    properties: dict[str, str] = field(default_factory=dict)  # "header.from" -> "example.com"


@dataclass(frozen=True)
class Verdict:
    authserv_id: str = ""  # "" when no header from a trusted server was found
    results: tuple[Result, ...] = ()

    @property
    def trusted(self) -> bool:
        return bool(self.authserv_id)

    def outcome(self, method: str) -> str:
        """The result of a method ("pass", "fail", ...), "" when the server did not record it."""
        for result in self.results:
            if result.method == method:
                return result.result
        return ""

    def dmarc_failed(self) -> bool:
        return self.outcome("dmarc") in {"fail", "quarantine", "reject"}

    def proves_domain(self, domain: str) -> bool:
        """DMARC passed for this From domain, or DKIM passed with a signature aligned with it."""
        domain = domain.lower().strip(".")
        if not domain:
            return False
        for result in self.results:
            if result.result != "pass":
                continue
            if result.method == "dmarc":
                header_from = result.properties.get("header.from", "").lower()
                if not header_from or aligned(header_from, domain):
                    return True
            if result.method == "dkim":
                signer = result.properties.get("header.d") or result.properties.get("header.i", "").rpartition("@")[2]
                if signer and aligned(signer.lower(), domain):
                    return True
        return False


def aligned(signer: str, domain: str) -> bool:
    """Relaxed alignment (RFC 7489 3.1.1), approximated without the public suffix list: the same
    domain, or one a subdomain of the other."""
    signer, domain = signer.strip("."), domain.strip(".")
    return signer == domain or signer.endswith("." + domain) or domain.endswith("." + signer)


def parse(value: str) -> tuple[str, tuple[Result, ...]]:
    """(authserv-id, results) of one Authentication-Results value; tolerant of what servers write."""
    text = " ".join(value.split())
    for _ in range(3):  # comments may nest a little: "(sender IP is 1.2.3.4 (ipv4))"
        text = _COMMENT.sub(" ", text)
    head, _, rest = text.partition(";")
    if "=" in head:
        # No authserv-id at all (Exchange Online writes them so): nothing to trust it by.
        head, rest = "", text
    authserv_id = head.strip().split(" ")[0].lower() if head.strip() else ""
    results = []
    for clause in rest.split(";"):
        found = _METHOD.match(clause)
        if not found:
            continue  # "none", or a clause this parser cannot read: it proves nothing
        method, result, tail = found.groups()
        properties = {f"{kind.lower()}.{name.lower()}": val.strip('"') for kind, name, val in _PROPERTY.findall(tail)}
        results.append(Result(method=method.lower(), result=result.lower(), properties=properties))
    return authserv_id, tuple(results)


def trusted_ids(setting: object) -> frozenset[str]:
    """The channel setting as a set: a list, or text separated by commas or spaces."""
    if isinstance(setting, str):
        items: Iterable[object] = re.split(r"[,\s]+", setting)
    elif isinstance(setting, list | tuple):
        items = setting
    else:
        items = ()
    return frozenset(str(item).strip().lower() for item in items if str(item).strip())


def verdict(headers: Iterable[str], trusted: frozenset[str]) -> Verdict:
    """The topmost Authentication-Results header written by a trusted server, as a Verdict."""
    for value in headers:  # in the order they appear: the newest (receiving) server's first
        authserv_id, results = parse(value)
        if authserv_id and authserv_id in trusted:
            return Verdict(authserv_id=authserv_id, results=results)
    return Verdict()
