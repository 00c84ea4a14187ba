"""Evaluate an IAM role trust policy against a web identity token's claims, the way IAM does.

Only what trust policies for GitHub's OIDC provider use is implemented, and anything else raises
instead of guessing:
- statements: Allow and Deny, Action (and NotAction) with wildcards, Principal.Federated;
- a Deny that applies wins; otherwise any Allow that applies allows; otherwise the implicit deny;
- a Condition block: every operator must hold, every key within an operator must hold, and a key
  with a list of values holds when any value matches (OR), as IAM documents it;
- operators StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringLike, StringNotLike, each with
  the IfExists suffix, and the ForAnyValue: / ForAllValues: set prefixes;
- a key absent from the request makes every operator false except IfExists ones and the negated
  ones (StringNotEquals, StringNotLike: "not equal to a missing value" is true in IAM), and
  ForAllValues: (true on an empty set, the trap the AWS docs warn about);
- condition key names are case-insensitive, values are case-sensitive (but for *IgnoreCase);
- StringLike's "*" matches any run of characters, "/" included, and "?" exactly one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

GITHUB_ISSUER = "token.actions.githubusercontent.com"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"


class UnsupportedPolicy(Exception):
    """The policy uses an operator or element this evaluator does not implement."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), flags | re.DOTALL)


def _string_match(operator: str, pattern: str, value: str) -> bool:
    if operator == "StringEquals":
        return value == pattern
    if operator == "StringEqualsIgnoreCase":
        return value.lower() == pattern.lower()
    if operator == "StringLike":
        return _wildcard(pattern).fullmatch(value) is not None
    raise UnsupportedPolicy(f"condition operator {operator!r}")


_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase"}


def _condition_holds(operator: str, patterns: list[str], present: bool, values: list[str]) -> bool:
    """One operator on one key. `values` is the request's value(s) of the key; `present` whether it has any."""
    set_prefix = ""
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if operator.startswith(prefix):
            set_prefix, operator = prefix, operator[len(prefix):]
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    negated = base in _NEGATED
    positive = _NEGATED.get(base, base)
    if positive not in ("StringEquals", "StringEqualsIgnoreCase", "StringLike"):
        raise UnsupportedPolicy(f"condition operator {operator!r}")
    if not present:
        if set_prefix == "ForAllValues:":
            return True
        return if_exists or negated

    def one(value: str) -> bool:
        matched = any(_string_match(positive, pattern, value) for pattern in patterns)
        return not matched if negated else matched

    if set_prefix == "ForAllValues:":
        return all(one(value) for value in values)
    return any(one(value) for value in values)


def conditions_hold(condition: dict[str, Any], claims: dict[str, Any], issuer: str = GITHUB_ISSUER) -> tuple[bool, str]:
    """Whether every condition holds for a token with these claims; and, when not, the first that fails."""
    context = {f"{issuer}:{name}".lower(): _as_list(value) for name, value in claims.items()}
    for operator, keys in condition.items():
        for key, patterns in keys.items():
            values = [str(v) for v in context.get(key.lower(), [])]
            if not _condition_holds(operator, [str(p) for p in _as_list(patterns)], bool(values), values):
                shown = values[0] if len(values) == 1 else values or "(absent)"
                return False, f"{operator} {key}: {shown!r} is not {_as_list(patterns)}"
    return True, "every condition holds"


def _action_matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_wildcard(a, re.IGNORECASE).fullmatch(action) for a in _as_list(statement["NotAction"]))
    return any(_wildcard(a, re.IGNORECASE).fullmatch(action) for a in _as_list(statement.get("Action", [])))


def _federated(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal", {})
    if principal == "*" or "NotPrincipal" in statement:
        raise UnsupportedPolicy("Principal \"*\" or NotPrincipal in a trust policy")
    return [str(p) for p in _as_list(principal.get("Federated", []))]


def evaluate_trust(document: dict[str, Any], provider_arn: str, claims: dict[str, Any]) -> Decision:
    """May a token with `claims`, presented through `provider_arn`, assume the role (AssumeRoleWithWebIdentity)?"""
    allow_reason = None
    deny_reason = None
    for index, statement in enumerate(_as_list(document.get("Statement", []))):
        unknown = set(statement) - {"Sid", "Effect", "Principal", "Action", "NotAction", "Condition"}
        if unknown:
            raise UnsupportedPolicy(f"statement {index} uses {sorted(unknown)}")
        if provider_arn not in _federated(statement) or not _action_matches(statement, WEB_IDENTITY):
            continue
        holds, why = conditions_hold(statement.get("Condition", {}), claims)
        if not holds:
            if statement["Effect"] == "Allow" and allow_reason is None:
                deny_reason = deny_reason or f"statement {index}: {why}"
            continue
        if statement["Effect"] == "Deny":
            return Decision(False, f"statement {index} denies it")
        allow_reason = f"statement {index} allows it"
    if allow_reason:
        return Decision(True, allow_reason)
    return Decision(False, deny_reason or "no statement allows it (implicit deny)")
