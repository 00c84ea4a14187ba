"""Deploy the templates into moto's CloudFormation and account for every resource.

moto implements CloudFormation for a subset of resource types. For the rest it
warns and skips the resource, but a GetAtt on a skipped resource (in a
property or an Output) crashes its parser with an HTTP 500. So before
deploying, resources of types moto lacks are removed from a copy of the
template and every reference to them becomes a visible placeholder
(`unsupported://Cluster.Arn`). Nothing is hidden: the report lists each removed
resource and each output that carries a placeholder instead of a real value.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from moto.cloudformation.parsing import get_model_map

from cfn_model import TEMPLATE_ORDER, evaluate, load_template, template_path

DEFAULT_PORT = 5055  # the local stack's moto owns 5000
PLACEHOLDER = "unsupported://"  # contains "//" so Fn::Split on a URL still yields two parts


def moto_supported_types() -> set[str]:
    """The resource types moto's CloudFormation can create (its own registry)."""
    return set(get_model_map())


# Types whose Ref moto 5.2.5 resolves to its internal object instead of the
# resource's name, which then crashes the resource that uses it. The harness
# drops such a property from the referring resource (the DB instance then runs
# with the default parameter group) and the report lists each drop.
REF_RETURNS_OBJECT_IN_MOTO = {"AWS::RDS::DBParameterGroup"}


def moto_supports_attribute(resource_type: str, attribute: str) -> bool:
    model = get_model_map().get(resource_type)
    return bool(model) and model.has_cfn_attr(attribute)


@dataclass
class StackReport:
    environment: str
    template: str
    stack_name: str
    status: str
    reason: str | None
    created: dict[str, str] = field(default_factory=dict)  # logical id -> type
    unsupported: dict[str, str] = field(default_factory=dict)  # logical id -> type
    not_created: dict[str, str] = field(default_factory=dict)  # supported, expected, but absent
    unsupported_attributes: list[str] = field(default_factory=list)  # "Database.MasterUserSecret.SecretArn"
    stand_ins: dict[str, str] = field(default_factory=dict)  # "Cluster.ClusterSecurityGroupId" -> value used
    ref_workarounds: list[str] = field(default_factory=list)
    placeholder_outputs: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)


def _reference_name(logical_id: str, attribute: str | None = None) -> str:
    return logical_id + (f".{attribute}" if attribute else "")


def _get_atts(node: Any) -> Iterator[tuple[str, str]]:
    """Every (logical id, attribute) a GetAtt or a ${Id.Attr} in a Sub names."""
    if isinstance(node, list):
        for item in node:
            yield from _get_atts(item)
    elif isinstance(node, dict):
        if set(node) == {"Fn::GetAtt"}:
            target = node["Fn::GetAtt"]
            yield tuple(target.split(".", 1)) if isinstance(target, str) else tuple(target)
        elif set(node) == {"Fn::Sub"}:
            text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
            for token in re.findall(r"\$\{([^}!]+)\}", text):
                if "." in token and not token.startswith("AWS::"):
                    yield tuple(token.split(".", 1))
        for value in node.values():
            yield from _get_atts(value)


class _Unsupported:
    def __init__(self, resources: set[str], attributes: set[tuple[str, str]], stand_ins: dict[str, str]):
        self.resources, self.attributes, self.stand_ins = resources, attributes, stand_ins

    def __contains__(self, reference: tuple[str, str | None]) -> bool:
        logical_id, attribute = reference
        return logical_id in self.resources or (logical_id, attribute) in self.attributes


def _placeholder_for(unsupported: _Unsupported, logical_id: str, attribute: str | None = None) -> str:
    name = _reference_name(logical_id, attribute)
    return unsupported.stand_ins.get(name, PLACEHOLDER + name)


def _replace_references(node: Any, unsupported: _Unsupported) -> Any:
    if isinstance(node, list):
        return [_replace_references(item, unsupported) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and (node["Ref"], None) in unsupported:
        return _placeholder_for(unsupported, node["Ref"])
    if set(node) == {"Fn::GetAtt"}:
        target = node["Fn::GetAtt"]
        logical_id, attribute = target.split(".", 1) if isinstance(target, str) else target
        if (logical_id, attribute) in unsupported:
            return _placeholder_for(unsupported, logical_id, attribute)
    if set(node) == {"Fn::Sub"}:
        text, variables = (node["Fn::Sub"], None) if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"]

        def swap(match: re.Match[str]) -> str:
            logical_id, _, attribute = match.group(1).partition(".")
            hit = (logical_id, attribute or None) in unsupported
            return _placeholder_for(unsupported, logical_id, attribute or None) if hit else match.group(0)

        text = re.sub(r"\$\{([^}!]+)\}", swap, text)
        return {"Fn::Sub": text if variables is None else [text, _replace_references(variables, unsupported)]}
    return {key: _replace_references(value, unsupported) for key, value in node.items()}


def prune_unsupported(template: dict[str, Any], supported: set[str], supports_attribute=moto_supports_attribute,
                      stand_ins: dict[str, str] | None = None) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """A copy of the template without what moto cannot create or resolve.

    Returns the copy, the removed resources (logical id -> type), and the
    attributes of kept resources that moto cannot return ("Id.Attribute").
    A reference to something removed becomes `unsupported://Id.Attribute`,
    or the value given in stand_ins for "Id.Attribute" (the test makes those
    through moto's own APIs, as AWS would, and the report names each one).
    """
    removed = {lid: r["Type"] for lid, r in template["Resources"].items() if r["Type"] not in supported}
    types = {lid: r["Type"] for lid, r in template["Resources"].items()}
    attributes = {
        (lid, attr) for lid, attr in _get_atts([template["Resources"], template.get("Outputs", {})])
        if lid in types and lid not in removed and not supports_attribute(types[lid], attr)
    }
    unsupported = _Unsupported(set(removed), attributes, stand_ins or {})
    pruned = json.loads(json.dumps(template))
    for logical_id in removed:
        del pruned["Resources"][logical_id]
    for resource in pruned["Resources"].values():
        depends = resource.get("DependsOn")
        if depends is not None:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in removed]
            if kept:
                resource["DependsOn"] = kept
            else:
                del resource["DependsOn"]
    pruned["Resources"] = _replace_references(pruned["Resources"], unsupported)
    if "Outputs" in pruned:
        pruned["Outputs"] = _replace_references(pruned["Outputs"], unsupported)
    return pruned, removed, sorted(f"{lid}.{attr}" for lid, attr in attributes)


def _apply_ref_workarounds(template: dict[str, Any]) -> list[str]:
    """Drop top-level properties that are a bare Ref to a type moto mis-resolves."""
    broken = {lid for lid, r in template["Resources"].items() if r["Type"] in REF_RETURNS_OBJECT_IN_MOTO}
    dropped = []
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        for key in [k for k, v in properties.items() if isinstance(v, dict) and v.get("Ref") in broken]:
            dropped.append(f"{logical_id}.{key} (Ref {properties[key]['Ref']})")
            del properties[key]
    return dropped


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@contextmanager
def moto_server(port: int | None = None, log_path: Path | None = None) -> Iterator[str]:
    """A moto server of our own on 127.0.0.1, stopped (by its pid) on exit."""
    port = port or int(os.environ.get("INFRA_MOTO_PORT", DEFAULT_PORT))
    if not _port_is_free(port):
        raise RuntimeError(f"127.0.0.1:{port} is taken; set INFRA_MOTO_PORT to a free port for the infra moto server")
    binary = Path(sys.executable).with_name("moto_server")
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    process = subprocess.Popen([str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server on port {port} did not start (exit code {process.poll()}); see {log_path}")
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log_path:
            log.close()


def client(service: str, endpoint: str):
    # Dummy credentials: moto never validates signatures.
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def deploy(endpoint: str, environment: str, name: str, parameters: dict[str, str], supported: set[str],
           stand_ins: dict[str, str] | None = None) -> StackReport:
    template = load_template(template_path(name))
    expected = evaluate(template, name, environment, {k: v for k, v in parameters.items() if k != "Environment"})
    pruned, removed, attributes = prune_unsupported(template, supported, stand_ins=stand_ins)
    used = {k: v for k, v in (stand_ins or {}).items() if v in json.dumps(pruned)}
    workarounds = _apply_ref_workarounds(pruned)
    cloudformation = client("cloudformation", endpoint)
    stack_name = f"flightdeck-{environment}-{name}"
    try:
        cloudformation.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(pruned),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in {"Environment": environment, **parameters}.items()],
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
    except (ClientError, BotoCoreError) as error:
        # Report and go on: the stacks after this one still tell us something.
        failed = StackReport(environment, name, stack_name, "CREATE_REJECTED", str(error),
                             unsupported_attributes=attributes, stand_ins=used)
        failed.unsupported = {lid: t for lid, t in removed.items() if lid in expected.resources}
        failed.not_created = {lid: r["Type"] for lid, r in expected.resources.items() if lid not in removed}
        return failed
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    listed = cloudformation.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    # moto lists each resource whose Condition is false as a blank entry.
    created = {r["LogicalResourceId"]: r["ResourceType"] for r in listed
               if r["LogicalResourceId"] and r["ResourceStatus"].endswith("_COMPLETE")}
    report = StackReport(environment, name, stack_name, stack["StackStatus"], stack.get("StackStatusReason"),
                         created=created, unsupported_attributes=attributes, stand_ins=used,
                         ref_workarounds=workarounds)
    for logical_id, resource in expected.resources.items():
        if logical_id in removed:
            report.unsupported[logical_id] = resource["Type"]
        elif logical_id not in created:
            report.not_created[logical_id] = resource["Type"]
    for output in stack.get("Outputs", []):
        report.outputs[output["OutputKey"]] = output["OutputValue"]
        if PLACEHOLDER in output["OutputValue"]:
            report.placeholder_outputs.append(output["OutputKey"])
    return report


def format_report(reports: list[StackReport]) -> str:
    lines = []
    totals = {"created": 0, "unsupported": 0, "not_created": 0}
    for r in reports:
        totals["created"] += len(r.created)
        totals["unsupported"] += len(r.unsupported)
        totals["not_created"] += len(r.not_created)
        lines.append(f"{r.stack_name}: {r.status}" + (f" ({r.reason})" if r.reason else "")
                     + f" - created {len(r.created)}, unsupported by moto {len(r.unsupported)}, missing {len(r.not_created)}")
        lines.append("  created:     " + ", ".join(f"{lid} [{t}]" for lid, t in sorted(r.created.items())))
        if r.unsupported:
            lines.append("  unsupported: " + ", ".join(f"{lid} [{t}]" for lid, t in sorted(r.unsupported.items())))
        if r.not_created:
            lines.append("  MISSING:     " + ", ".join(f"{lid} [{t}]" for lid, t in sorted(r.not_created.items())))
        if r.unsupported_attributes:
            lines.append("  attributes moto cannot return (placeholder used): " + ", ".join(r.unsupported_attributes))
        for workaround in r.ref_workarounds:
            lines.append(f"  moto workaround: dropped {workaround}; moto resolves that Ref to an object and crashes")
        for reference, value in sorted(r.stand_ins.items()):
            lines.append(f"  stand-in for {reference}: {value} (made by the test through moto's API)")
        if r.placeholder_outputs:
            lines.append("  outputs holding a placeholder for an unsupported resource: " + ", ".join(r.placeholder_outputs))
    unsupported_types = sorted({t for r in reports for t in r.unsupported.values()})
    lines.append(f"TOTAL: {totals['created']} resources created, {totals['unsupported']} unsupported by moto "
                 f"({len(unsupported_types)} types: {', '.join(unsupported_types)}), {totals['not_created']} missing")
    return "\n".join(lines)
