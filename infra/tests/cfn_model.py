"""Load the CloudFormation templates and evaluate them for one environment.

The security tests assert on what a stack would really get in `qa` or in
`production`, so `MultiAZ: !If [IsProduction, true, false]` must become a
boolean first. This module resolves the intrinsic functions whose value is
known before deployment (parameters, mappings, conditions, Sub, Join, ...)
and leaves the rest as readable placeholders: `<Ref:Cluster>`,
`<GetAtt:Cluster.Arn>`, `<Import:flightdeck-qa-VpcId>`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = REPO_ROOT / "infra" / "cloudformation"

# Deployment order: each template imports only exports of the ones before it.
TEMPLATE_ORDER = ["network", "registry", "cluster", "data", "edge", "observability", "ci"]
ENVIRONMENTS = ["qa", "production"]

PSEUDO_PARAMETERS = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "flightdeck-stack",
    "AWS::NoValue": None,
}

NO_VALUE = object()  # AWS::NoValue: the property or list item disappears


class TemplateError(Exception):
    """A template cannot be loaded or evaluated; the message names the file and the fix."""


def template_path(name: str) -> Path:
    return TEMPLATE_DIR / f"{name}.yaml"


def load_template(path: Path) -> dict[str, Any]:
    """Parse a YAML template, short-form tags included, into plain JSON data."""
    if not path.is_file():
        raise TemplateError(f"{path}: no such template; expected one of {TEMPLATE_ORDER} in {TEMPLATE_DIR}")
    template, problems = decode(str(path))
    if problems or template is None:
        details = "; ".join(str(p) for p in problems)
        raise TemplateError(f"{path}: cannot be parsed ({details}); run cfn-lint on it for the exact line")
    # Round-trip through JSON to drop cfn-lint's node classes (line marks).
    return json.loads(json.dumps(template))


@dataclass
class Evaluated:
    """A template as one environment would see it."""

    name: str
    parameters: dict[str, Any]
    conditions: dict[str, bool]
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}


class _Resolver:
    def __init__(self, template: dict[str, Any], parameters: dict[str, Any]):
        self.template = template
        self.parameters = parameters
        self.mappings = template.get("Mappings", {})
        self._conditions_src = template.get("Conditions", {})
        self.conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            if name not in self._conditions_src:
                raise TemplateError(f"condition {name!r} is used but not defined in Conditions")
            self.conditions[name] = bool(self.value(self._conditions_src[name]))
        return self.conditions[name]

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            handler = _FUNCTIONS.get(key)
            if handler:
                return handler(self, arg)
        resolved = {k: self.value(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name in PSEUDO_PARAMETERS:
            return NO_VALUE if name == "AWS::NoValue" else PSEUDO_PARAMETERS[name]
        return f"<Ref:{name}>"

    def sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1]))

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token in variables:
                return str(variables[token])
            if "." in token and not token.startswith("AWS::"):
                return f"<GetAtt:{token}>"
            return str(self.ref(token))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


def _find_in_map(r: _Resolver, arg: list[Any]) -> Any:
    mapping, top, second = (r.value(a) for a in arg)
    try:
        return r.mappings[mapping][top][second]
    except KeyError as missing:
        raise TemplateError(f"FindInMap {mapping}/{top}/{second}: no entry {missing}") from None


def _if(r: _Resolver, arg: list[Any]) -> Any:
    name, when_true, when_false = arg
    return r.value(when_true if r.condition(name) else when_false)


def _select(r: _Resolver, arg: list[Any]) -> Any:
    index, items = int(r.value(arg[0])), r.value(arg[1])
    return items[index] if isinstance(items, list) else f"<Select:{index}:{items}>"


def _split(r: _Resolver, arg: list[Any]) -> Any:
    separator, text = arg[0], r.value(arg[1])
    # A value only known at deploy time stays one placeholder, not a list.
    return text.split(separator) if isinstance(text, str) and not text.startswith("<") else f"<Split:{text}>"


_FUNCTIONS = {
    "Ref": lambda r, a: r.ref(a),
    "Fn::GetAtt": lambda r, a: f"<GetAtt:{a if isinstance(a, str) else '.'.join(a)}>",
    "Fn::ImportValue": lambda r, a: f"<Import:{r.value(a)}>",
    "Fn::Sub": lambda r, a: r.sub(a),
    "Fn::Join": lambda r, a: a[0].join(str(x) for x in r.value(a[1])),
    "Fn::FindInMap": _find_in_map,
    "Fn::If": _if,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::GetAZs": lambda r, a: ["us-east-1a", "us-east-1b", "us-east-1c"],
    "Fn::Equals": lambda r, a: r.value(a[0]) == r.value(a[1]),
    "Fn::Not": lambda r, a: not r.value(a[0]),
    "Fn::And": lambda r, a: all(r.value(x) for x in a),
    "Fn::Or": lambda r, a: any(r.value(x) for x in a),
    "Condition": lambda r, a: r.condition(a),
}


def parameter_values(template: dict[str, Any], environment: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults of the template's parameters, with Environment and overrides applied."""
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        if "Default" in spec:
            default = spec["Default"]
            values[name] = default.split(",") if spec["Type"] == "CommaDelimitedList" else default
    values["Environment"] = environment
    values.update(overrides or {})
    missing = [n for n in template.get("Parameters", {}) if n not in values]
    if missing:
        raise TemplateError(f"parameters {missing} have no default; pass them as overrides")
    return values


def evaluate(template: dict[str, Any], name: str, environment: str, overrides: dict[str, Any] | None = None) -> Evaluated:
    """The resources and outputs that exist in `environment`, with values resolved."""
    if environment not in ENVIRONMENTS:
        raise TemplateError(f"environment {environment!r}: use one of {ENVIRONMENTS}")
    parameters = parameter_values(template, environment, overrides)
    resolver = _Resolver(template, parameters)
    result = Evaluated(name=name, parameters=parameters, conditions={})
    for logical_id, resource in template.get("Resources", {}).items():
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        resolved = dict(resource)
        resolved["Properties"] = resolver.value(resource.get("Properties", {}))
        result.resources[logical_id] = resolved
    for output_id, output in template.get("Outputs", {}).items():
        if "Condition" in output and not resolver.condition(output["Condition"]):
            continue
        result.outputs[output_id] = resolver.value(output["Value"])
    for condition_name in template.get("Conditions", {}):
        resolver.condition(condition_name)
    result.conditions = dict(resolver.conditions)
    return result


def evaluate_all(environment: str, overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Evaluated]:
    overrides = overrides or {}
    return {
        name: evaluate(load_template(template_path(name)), name, environment, overrides.get(name))
        for name in TEMPLATE_ORDER
    }
