"""Security properties of the evaluated templates, as functions returning violations.

Each rule takes evaluated templates (see cfn_model.evaluate) and returns a list
of human-readable violations; an empty list means the rule holds. Keeping the
rules apart from the tests lets the tests also feed them broken templates, to
prove each rule really catches what it claims to.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from cfn_model import Evaluated

WORLD_CIDRS = {"0.0.0.0/0", "::/0"}
# The only door open to the internet: the ALB's listeners. The AWS Load
# Balancer Controller makes that security group from the Ingress listen-ports;
# a template-defined ALB group must carry this tag to get the same exception.
ALB_PORTS = {80, 443}
ALB_ROLE_TAG = ("flightdeck:role", "alb")
GITHUB_ISSUER = "token.actions.githubusercontent.com"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy(document: Any) -> dict[str, Any]:
    return json.loads(document) if isinstance(document, str) else document


def _resources(templates: Iterable[Evaluated], resource_type: str) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for template in templates:
        for logical_id, resource in template.of_type(resource_type).items():
            yield template.name, logical_id, resource["Properties"]


def rds_encrypted_and_multi_az_in_production(templates: list[Evaluated], environment: str) -> list[str]:
    problems = []
    for name, logical_id, props in _resources(templates, "AWS::RDS::DBInstance"):
        where = f"{name}.yaml {logical_id} ({environment})"
        if props.get("StorageEncrypted") is not True:
            problems.append(f"{where}: StorageEncrypted must be true")
        if props.get("PubliclyAccessible") is not False:
            problems.append(f"{where}: PubliclyAccessible must be false")
        if environment == "production" and props.get("MultiAZ") is not True:
            problems.append(f"{where}: MultiAZ must be true in production")
    return problems


def s3_public_access_blocked(templates: list[Evaluated], environment: str) -> list[str]:
    problems = []
    flags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"]
    for name, logical_id, props in _resources(templates, "AWS::S3::Bucket"):
        block = props.get("PublicAccessBlockConfiguration", {})
        off = [flag for flag in flags if block.get(flag) is not True]
        if off:
            problems.append(f"{name}.yaml {logical_id} ({environment}): PublicAccessBlockConfiguration needs {off} true")
    return problems


def cloudtrail_validated_and_multi_region(templates: list[Evaluated], environment: str) -> list[str]:
    problems = []
    trails = list(_resources(templates, "AWS::CloudTrail::Trail"))
    if not trails:
        problems.append(f"({environment}): no AWS::CloudTrail::Trail in any template")
    for name, logical_id, props in trails:
        where = f"{name}.yaml {logical_id} ({environment})"
        for key in ("EnableLogFileValidation", "IsMultiRegionTrail", "IsLogging"):
            if props.get(key) is not True:
                problems.append(f"{where}: {key} must be true")
        if not props.get("KMSKeyId"):
            problems.append(f"{where}: KMSKeyId must be set")
    return problems


def _world_open_rules(templates: list[Evaluated]) -> Iterable[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(where, rule, owning group properties) for every ingress rule open to the internet."""
    for name, logical_id, props in _resources(templates, "AWS::EC2::SecurityGroup"):
        for rule in props.get("SecurityGroupIngress", []):
            if rule.get("CidrIp") in WORLD_CIDRS or rule.get("CidrIpv6") in WORLD_CIDRS:
                yield f"{name}.yaml {logical_id}", rule, props
    for name, logical_id, props in _resources(templates, "AWS::EC2::SecurityGroupIngress"):
        if props.get("CidrIp") in WORLD_CIDRS or props.get("CidrIpv6") in WORLD_CIDRS:
            yield f"{name}.yaml {logical_id}", props, {}


def _is_alb_group(group: dict[str, Any]) -> bool:
    return any((tag.get("Key"), tag.get("Value")) == ALB_ROLE_TAG for tag in group.get("Tags", []))


def only_alb_open_to_world(templates: list[Evaluated], environment: str) -> list[str]:
    problems = []
    for where, rule, group in _world_open_rules(templates):
        ports = (rule.get("FromPort"), rule.get("ToPort"))
        single_alb_port = ports[0] == ports[1] and ports[0] in ALB_PORTS and rule.get("IpProtocol") == "tcp"
        if not (_is_alb_group(group) and single_alb_port):
            problems.append(f"{where} ({environment}): ingress {rule.get('IpProtocol')} {ports} open to the internet")
    return problems


def github_trust_limited_to_repository(templates: list[Evaluated], environment: str, org: str, repo: str) -> list[str]:
    """Every role GitHub can assume requires the audience and this repository's subjects, exactly."""
    problems = []
    allowed_prefix = f"repo:{org}/{repo}:"
    found = False
    for name, logical_id, props in _resources(templates, "AWS::IAM::Role"):
        for statement in _as_list(_policy(props["AssumeRolePolicyDocument"]).get("Statement", [])):
            federated = str(statement.get("Principal", {}).get("Federated", ""))
            if GITHUB_ISSUER not in federated and "GitHubOidcProvider" not in federated:
                continue
            found = True
            where = f"{name}.yaml {logical_id} ({environment})"
            condition = statement.get("Condition", {})
            if set(condition) != {"StringEquals"}:
                problems.append(f"{where}: trust must use only StringEquals (no StringLike wildcards), got {sorted(condition)}")
                continue
            equals = condition["StringEquals"]
            if equals.get(f"{GITHUB_ISSUER}:aud") != "sts.amazonaws.com":
                problems.append(f"{where}: trust must require aud sts.amazonaws.com")
            subjects = _as_list(equals.get(f"{GITHUB_ISSUER}:sub", []))
            if not subjects:
                problems.append(f"{where}: trust has no sub condition, so any repository could assume it")
            for subject in subjects:
                if not subject.startswith(allowed_prefix) or "*" in subject:
                    problems.append(f"{where}: subject {subject!r} is not an exact subject of {org}/{repo}")
    if not found:
        problems.append(f"({environment}): no role trusts GitHub's OIDC provider")
    return problems


def github_trust_pinned_to_workflow_and_branch(templates: list[Evaluated], environment: str) -> list[str]:
    """Every role GitHub can assume names one environment in sub, one branch in ref and one workflow file at that
    branch (or at a pinned SHA) in job_workflow_ref, exactly: so no other branch, workflow file, pull request or
    fork gets the role, even one that names the environment."""
    problems = []
    for name, logical_id, props in _resources(templates, "AWS::IAM::Role"):
        for statement in _as_list(_policy(props["AssumeRolePolicyDocument"]).get("Statement", [])):
            federated = str(statement.get("Principal", {}).get("Federated", ""))
            if GITHUB_ISSUER not in federated and "GitHubOidcProvider" not in federated:
                continue
            where = f"{name}.yaml {logical_id} ({environment})"
            equals = statement.get("Condition", {}).get("StringEquals", {})
            subjects = _as_list(equals.get(f"{GITHUB_ISSUER}:sub", []))
            if not subjects or any(f":environment:{environment}" not in str(s) for s in subjects):
                problems.append(f"{where}: sub must name only the {environment} environment, got {subjects}")
            refs = _as_list(equals.get(f"{GITHUB_ISSUER}:ref", []))
            if len(refs) != 1 or not str(refs[0]).startswith("refs/heads/"):
                problems.append(f"{where}: ref must be exactly one branch, got {refs}")
            workflows = _as_list(equals.get(f"{GITHUB_ISSUER}:job_workflow_ref", []))
            if len(workflows) != 1 or "/.github/workflows/" not in str(workflows[0]) or "*" in str(workflows[0]):
                problems.append(f"{where}: job_workflow_ref must be exactly one workflow file at one ref, got {workflows}")
    return problems


def _identity_policies(props: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    for policy in props.get("Policies", []):
        yield policy.get("PolicyName", "?"), _policy(policy["PolicyDocument"])
    if "PolicyDocument" in props:
        yield props.get("PolicyName", props.get("ManagedPolicyName", "?")), _policy(props["PolicyDocument"])


def no_wildcard_actions_on_all_resources(templates: list[Evaluated], environment: str) -> list[str]:
    """No Allow of `*` or `service:*` on Resource `*` in an identity policy.

    KMS key policies are not identity policies: there Resource "*" means "this
    key", and the account root must hold kms:* or the key becomes unmanageable.
    Deny statements only take away, so wildcards in them are fine.
    """
    problems = []
    for resource_type in ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for name, logical_id, props in _resources(templates, resource_type):
            for policy_name, document in _identity_policies(props):
                for statement in _as_list(document.get("Statement", [])):
                    if statement.get("Effect") != "Allow":
                        continue
                    actions = _as_list(statement.get("Action", []))
                    resources = _as_list(statement.get("Resource", []))
                    wild = [a for a in actions if a == "*" or a.endswith(":*")]
                    if "*" in actions or (wild and "*" in resources):
                        problems.append(f"{name}.yaml {logical_id}/{policy_name} ({environment}): allows {wild} on {resources}")
                    if "NotAction" in statement or "NotResource" in statement:
                        problems.append(f"{name}.yaml {logical_id}/{policy_name} ({environment}): NotAction/NotResource in an Allow")
    return problems
