"""The security properties issue 5 asks of the templates, per environment.

Each rule is also fed a deliberately broken resource, so a rule that silently
stopped matching (a renamed property, a typo) fails here instead of passing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import security_rules as rules
from cfn_model import ENVIRONMENTS, REPO_ROOT, Evaluated, evaluate_all

ORG, REPO = "flightdeck-dev", "flightdeck"
ALB = {"observability": {"AlbFullName": "app/k8s-flightdeck-0a1b2c3d4e/0123456789abcdef"}}
INGRESS = REPO_ROOT / "examples" / "flask-app" / "k8s" / "ingress.yaml"


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def stacks(request: pytest.FixtureRequest) -> tuple[str, dict[str, Evaluated]]:
    return request.param, evaluate_all(request.param, ALB)


def _all(stacks: tuple[str, dict[str, Evaluated]]) -> tuple[str, list[Evaluated]]:
    environment, by_name = stacks
    return environment, list(by_name.values())


def test_rds_is_encrypted_private_and_multi_az_in_production(stacks):
    environment, templates = _all(stacks)
    assert rules.rds_encrypted_and_multi_az_in_production(templates, environment) == []
    database = stacks[1]["data"].resources["Database"]["Properties"]
    assert database["MultiAZ"] is (environment == "production")
    assert database["ManageMasterUserPassword"] is True, "the master password must live in Secrets Manager"
    assert "MasterUserPassword" not in database


def test_s3_blocks_public_access(stacks):
    environment, templates = _all(stacks)
    assert rules.s3_public_access_blocked(templates, environment) == []
    assert stacks[1]["observability"].of_type("AWS::S3::Bucket"), "the trail bucket must exist"


def test_cloudtrail_validates_log_files_in_every_region(stacks):
    environment, templates = _all(stacks)
    assert rules.cloudtrail_validated_and_multi_region(templates, environment) == []


def test_no_security_group_open_to_the_internet_but_the_alb(stacks):
    environment, templates = _all(stacks)
    assert rules.only_alb_open_to_world(templates, environment) == []


def test_database_admits_only_the_nodes_on_postgres(stacks):
    group = stacks[1]["data"].resources["DatabaseSecurityGroup"]["Properties"]
    (rule,) = group["SecurityGroupIngress"]
    assert (rule["FromPort"], rule["ToPort"], rule["IpProtocol"]) == (5432, 5432, "tcp")
    assert rule["SourceSecurityGroupId"] == f"<Import:flightdeck-{stacks[0]}-NodeSecurityGroupId>"
    assert "CidrIp" not in rule


def test_deploy_role_trust_is_limited_to_the_repository(stacks):
    environment, templates = _all(stacks)
    assert rules.github_trust_limited_to_repository(templates, environment, ORG, REPO) == []
    assert rules.github_trust_pinned_to_workflow_and_branch(templates, environment) == []
    trust = stacks[1]["ci"].resources["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {
            f"{rules.GITHUB_ISSUER}:aud": "sts.amazonaws.com",
            f"{rules.GITHUB_ISSUER}:sub": f"repo:{ORG}/{REPO}:environment:{environment}",
            f"{rules.GITHUB_ISSUER}:ref": "refs/heads/main",
            f"{rules.GITHUB_ISSUER}:job_workflow_ref": f"{ORG}/{REPO}/.github/workflows/deploy.yml@refs/heads/main",
        }
    }


def test_repository_slug_is_a_parameter():
    forked = evaluate_all("qa", {"ci": {"GitHubOrg": "acme", "GitHubRepo": "shop"}})
    assert rules.github_trust_limited_to_repository(list(forked.values()), "qa", "acme", "shop") == []
    assert rules.github_trust_limited_to_repository(list(forked.values()), "qa", ORG, REPO) != []


def test_no_wildcard_actions_on_all_resources(stacks):
    environment, templates = _all(stacks)
    assert rules.no_wildcard_actions_on_all_resources(templates, environment) == []


def test_deploy_role_may_push_one_repository_in_qa_only_and_describe_one_cluster(stacks):
    environment, by_name = stacks
    (policy,) = by_name["ci"].resources["DeployRole"]["Properties"]["Policies"]
    grants = {}
    for statement in policy["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in rules._as_list(statement["Action"]):
            grants[action] = statement["Resource"]
    repository = f"<Import:flightdeck-{environment}-RepositoryArn>"
    push = ["ecr:DescribeRepositories", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages",
            "ecr:DescribeImageScanFindings"]
    # Production builds nothing: it releases the digest QA pushed, so its role has no ECR access at all.
    registry = {"ecr:GetAuthorizationToken": "*", **{action: repository for action in push}} if environment == "qa" else {}
    assert grants == {
        **registry,
        "eks:DescribeCluster": f"<Import:flightdeck-{environment}-ClusterArn>",
        "cloudwatch:DescribeAlarms": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:flightdeck-{environment}-*",
    }


def test_deploy_role_maps_to_the_deployer_group_without_access_policies(stacks):
    entry = stacks[1]["ci"].resources["DeployerAccessEntry"]["Properties"]
    assert entry["KubernetesGroups"] == ["flightdeck-deployers"]
    assert entry["PrincipalArn"] == "<GetAtt:DeployRole.Arn>"
    assert "AccessPolicies" not in entry, "cluster-wide access policies would bypass the namespaced RBAC"


def test_cluster_encrypts_secrets_logs_everything_and_keeps_nodes_private(stacks):
    cluster = stacks[1]["cluster"]
    props = cluster.resources["Cluster"]["Properties"]
    assert props["EncryptionConfig"][0]["Resources"] == ["secrets"]
    logged = {entry["Type"] for entry in props["Logging"]["ClusterLogging"]["EnabledTypes"]}
    assert logged == {"api", "audit", "authenticator", "controllerManager", "scheduler"}
    private = f"<Split:<Import:flightdeck-{stacks[0]}-PrivateSubnetIds>>"
    assert cluster.resources["NodeGroup"]["Properties"]["Subnets"] == private
    assert cluster.of_type("AWS::IAM::OIDCProvider"), "IRSA needs the cluster's OIDC provider"
    assert cluster.resources["ContainerInsightsAddon"]["Properties"]["AddonName"] == "amazon-cloudwatch-observability"


def test_registry_scans_on_push_with_immutable_tags(stacks):
    repository = stacks[1]["registry"].resources["AppRepository"]["Properties"]
    assert repository["ImageTagMutability"] == "IMMUTABLE"
    assert repository["ImageScanningConfiguration"] == {"ScanOnPush": True}
    rules_text = json.loads(repository["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
    assert [r["action"]["type"] for r in rules_text] == ["expire", "expire"]


def test_canary_alarms_exist_per_environment(stacks):
    environment, by_name = stacks
    alarms = by_name["observability"].of_type("AWS::CloudWatch::Alarm")
    names = {a["Properties"]["AlarmName"] for a in alarms.values()}
    assert names == {f"flightdeck-{environment}-alb-5xx", f"flightdeck-{environment}-alb-p95"}
    latency = by_name["observability"].resources["AlbLatencyAlarm"]["Properties"]
    assert latency["ExtendedStatistic"] == "p95"


def test_ingress_opens_only_80_and_443_and_redirects_to_https():
    """The ALB security group comes from this manifest: it is the one internet-facing door."""
    if not INGRESS.is_file():
        pytest.fail(f"{INGRESS.relative_to(REPO_ROOT)} is missing: the edge template's ALB is defined there")
    ingress = next(d for d in yaml.safe_load_all(INGRESS.read_text()) if d and d.get("kind") == "Ingress")
    annotations = ingress["metadata"]["annotations"]
    listen = json.loads(annotations["alb.ingress.kubernetes.io/listen-ports"])
    assert {port for entry in listen for port in entry.values()} == rules.ALB_PORTS
    assert {"HTTP": 80} in listen and {"HTTPS": 443} in listen
    assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert "alb.ingress.kubernetes.io/certificate-arn" in annotations


# --- the rules catch what they claim to catch ---------------------------------------------


def _fake(resource_type: str, props: dict, name: str = "fake") -> Evaluated:
    return Evaluated(name=name, parameters={}, conditions={}, resources={"Thing": {"Type": resource_type, "Properties": props}})


def test_rule_rejects_unencrypted_or_single_az_production_database():
    single = _fake("AWS::RDS::DBInstance", {"StorageEncrypted": True, "PubliclyAccessible": False, "MultiAZ": False})
    plain = _fake("AWS::RDS::DBInstance", {"StorageEncrypted": False, "PubliclyAccessible": False, "MultiAZ": True})
    assert rules.rds_encrypted_and_multi_az_in_production([single], "qa") == []
    assert "MultiAZ must be true in production" in rules.rds_encrypted_and_multi_az_in_production([single], "production")[0]
    assert "StorageEncrypted" in rules.rds_encrypted_and_multi_az_in_production([plain], "qa")[0]


def test_rule_rejects_a_bucket_without_the_full_public_access_block():
    bucket = _fake("AWS::S3::Bucket", {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}})
    assert "RestrictPublicBuckets" in rules.s3_public_access_blocked([bucket], "qa")[0]


def test_rule_rejects_a_trail_without_log_validation():
    trail = _fake("AWS::CloudTrail::Trail", {"IsLogging": True, "IsMultiRegionTrail": True, "KMSKeyId": "k"})
    assert rules.cloudtrail_validated_and_multi_region([trail], "qa") == ["fake.yaml Thing (qa): EnableLogFileValidation must be true"]


def test_rule_allows_only_a_tagged_alb_group_on_80_and_443():
    def group(port: int, tags: list) -> Evaluated:
        rule = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": "0.0.0.0/0"}
        return _fake("AWS::EC2::SecurityGroup", {"SecurityGroupIngress": [rule], "Tags": tags})
    alb_tag = [{"Key": "flightdeck:role", "Value": "alb"}]
    assert rules.only_alb_open_to_world([group(443, alb_tag), group(80, alb_tag)], "qa") == []
    assert rules.only_alb_open_to_world([group(22, alb_tag)], "qa")
    assert rules.only_alb_open_to_world([group(443, [])], "qa")
    ipv6 = _fake("AWS::EC2::SecurityGroupIngress", {"IpProtocol": "-1", "CidrIpv6": "::/0"})
    assert rules.only_alb_open_to_world([ipv6], "qa")


def test_rule_rejects_trust_for_any_branch_or_another_repository():
    def role(condition: dict) -> Evaluated:
        statement = {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
                     "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition}
        return _fake("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [statement]}})
    aud = {f"{rules.GITHUB_ISSUER}:aud": "sts.amazonaws.com"}
    wildcard = role({"StringLike": {**aud, f"{rules.GITHUB_ISSUER}:sub": f"repo:{ORG}/{REPO}:*"}})
    other = role({"StringEquals": {**aud, f"{rules.GITHUB_ISSUER}:sub": "repo:evil/fork:ref:refs/heads/main"}})
    no_sub = role({"StringEquals": aud})
    for bad in (wildcard, other, no_sub):
        assert rules.github_trust_limited_to_repository([bad], "qa", ORG, REPO), bad.resources
    # The repository alone is not enough: the workflow file and the branch must be pinned too.
    assert rules.github_trust_pinned_to_workflow_and_branch([other, no_sub], "qa")
    pinned = role({"StringEquals": {**aud, f"{rules.GITHUB_ISSUER}:sub": f"repo:{ORG}/{REPO}:environment:qa",
                                    f"{rules.GITHUB_ISSUER}:ref": "refs/heads/main",
                                    f"{rules.GITHUB_ISSUER}:job_workflow_ref": f"{ORG}/{REPO}/.github/workflows/deploy.yml@refs/heads/main"}})
    assert rules.github_trust_pinned_to_workflow_and_branch([pinned], "qa") == []


def test_rule_rejects_wildcard_actions_on_all_resources():
    def role(action, resource, effect="Allow") -> Evaluated:
        document = {"Statement": [{"Effect": effect, "Action": action, "Resource": resource}]}
        return _fake("AWS::IAM::Role", {"AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "p", "PolicyDocument": json.dumps(document)}]})
    assert rules.no_wildcard_actions_on_all_resources([role("*", "*")], "qa")
    assert rules.no_wildcard_actions_on_all_resources([role(["s3:*"], ["*"])], "qa")
    assert rules.no_wildcard_actions_on_all_resources([role("s3:*", "*", effect="Deny")], "qa") == []
    assert rules.no_wildcard_actions_on_all_resources([role("ecr:GetAuthorizationToken", "*")], "qa") == []
