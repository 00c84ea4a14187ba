"""Every template deploys into moto's CloudFormation, in dependency order, for both environments.

The report of created and unsupported resources is printed at the end of the
run. A resource moto supports that did not appear fails the test; one moto
does not support is listed, never silently dropped.
"""

from __future__ import annotations

import pytest

from cfn_model import ENVIRONMENTS, REPO_ROOT, TEMPLATE_ORDER
from moto_deploy import client, deploy, format_report, moto_server, moto_supported_types, prune_unsupported

ALB_FULL_NAME = "app/k8s-flightdeck-0a1b2c3d4e/0123456789abcdef"
PARAMETERS = {"observability": {"AlbFullName": ALB_FULL_NAME}}
LOG = REPO_ROOT / ".cache" / "infra" / "moto-server.log"


def _cluster_security_group(endpoint: str, environment: str, vpc_id: str) -> str:
    """What EKS would create with the cluster and put on every managed node.

    moto has no EKS, so the data stack's ingress rule would point at nothing.
    The group is made through moto's EC2 API and named as a stand-in in the report.
    """
    group = client("ec2", endpoint).create_security_group(
        GroupName=f"eks-cluster-sg-flightdeck-{environment}",
        Description="Stand-in for the EKS cluster security group (moto has no EKS)",
        VpcId=vpc_id,
    )
    return group["GroupId"]


@pytest.fixture(scope="module")
def deployment(report_section):
    LOG.parent.mkdir(parents=True, exist_ok=True)
    supported = moto_supported_types()
    with moto_server(log_path=LOG) as endpoint:
        reports = {}
        for environment in ENVIRONMENTS:
            stand_ins: dict[str, str] = {}
            for name in TEMPLATE_ORDER:
                report = deploy(endpoint, environment, name, PARAMETERS.get(name, {}), supported, stand_ins)
                reports[(environment, name)] = report
                if name == "network" and "VpcId" in report.outputs:
                    stand_ins["Cluster.ClusterSecurityGroupId"] = _cluster_security_group(endpoint, environment, report.outputs["VpcId"])
        probes = fidelity_probes(endpoint, reports)
        report_section("moto CloudFormation deployment report", format_report(list(reports.values())))
        report_section("moto fidelity: template properties as moto applied them", format_probes(probes))
        yield endpoint, reports, probes


def fidelity_probes(endpoint: str, reports) -> dict[str, tuple[object, object]]:
    """name -> (what the template asks, what moto's APIs return after the deployment)."""
    probes: dict[str, tuple[object, object]] = {}
    ecr, s3, rds, kms, logs, ec2 = (client(s, endpoint) for s in ("ecr", "s3", "rds", "kms", "logs", "ec2"))
    for repository in ecr.describe_repositories()["repositories"]:
        name = repository["repositoryName"]
        probes[f"ECR {name} tag mutability"] = ("IMMUTABLE", repository["imageTagMutability"])
        probes[f"ECR {name} scan on push"] = (True, repository.get("imageScanningConfiguration", {}).get("scanOnPush"))
        probes[f"ECR {name} encryption"] = ("KMS", repository.get("encryptionConfiguration", {}).get("encryptionType"))
        try:
            ecr.get_lifecycle_policy(repositoryName=name)
            probes[f"ECR {name} lifecycle policy"] = ("present", "present")
        except ecr.exceptions.LifecyclePolicyNotFoundException:
            probes[f"ECR {name} lifecycle policy"] = ("present", "absent")
    for environment in ENVIRONMENTS:
        bucket = reports[(environment, "observability")].outputs.get("TrailBucketName")
        if bucket:
            try:
                block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
                probes[f"S3 {environment} trail bucket public access block"] = (True, all(block.values()) and len(block) == 4)
            except s3.exceptions.ClientError as error:
                probes[f"S3 {environment} trail bucket public access block"] = (True, error.response["Error"]["Code"])
            probes[f"S3 {environment} trail bucket versioning"] = ("Enabled", s3.get_bucket_versioning(Bucket=bucket).get("Status"))
            try:
                rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
                probes[f"S3 {environment} trail bucket encryption"] = ("aws:kms", rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"])
            except s3.exceptions.ClientError as error:
                probes[f"S3 {environment} trail bucket encryption"] = ("aws:kms", error.response["Error"]["Code"])
            probes[f"S3 {environment} trail bucket access logging"] = (True, "LoggingEnabled" in s3.get_bucket_logging(Bucket=bucket))
    for db in rds.describe_db_instances()["DBInstances"]:
        name = db["DBInstanceIdentifier"]
        production = name.endswith("production")
        probes[f"RDS {name} Multi-AZ"] = (production, db["MultiAZ"])
        probes[f"RDS {name} storage encrypted"] = (True, db["StorageEncrypted"])
        probes[f"RDS {name} publicly accessible"] = (False, db["PubliclyAccessible"])
        probes[f"RDS {name} deletion protection"] = (production, db.get("DeletionProtection"))
        probes[f"RDS {name} IAM authentication"] = (True, db.get("IAMDatabaseAuthenticationEnabled"))
        probes[f"RDS {name} master secret in Secrets Manager"] = (True, "MasterUserSecret" in db)
    keys = kms.list_keys()["Keys"]
    rotated = sum(1 for k in keys if kms.get_key_rotation_status(KeyId=k["KeyId"])["KeyRotationEnabled"])
    probes["KMS keys with rotation"] = (len(keys), rotated)
    groups = logs.describe_log_groups(logGroupNamePrefix="/")["logGroups"]
    probes["CloudWatch log groups with a retention"] = (len(groups), sum(1 for g in groups if g.get("retentionInDays")))
    probes["VPC flow logs"] = (len(ENVIRONMENTS), len(ec2.describe_flow_logs()["FlowLogs"]))
    return probes


def format_probes(probes: dict[str, tuple[object, object]]) -> str:
    lines = [f"{'honoured' if asked == got else 'DROPPED '}  {name}: template {asked!r}, moto {got!r}"
             for name, (asked, got) in sorted(probes.items())]
    dropped = sum(1 for asked, got in probes.values() if asked != got)
    lines.append(f"{len(probes) - dropped} honoured, {dropped} dropped by moto's CloudFormation (checked statically in test_security.py)")
    return "\n".join(lines)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("name", TEMPLATE_ORDER)
def test_stack_creates_every_resource_moto_supports(deployment, environment, name):
    report = deployment[1][(environment, name)]
    assert report.status == "CREATE_COMPLETE", report.reason
    assert report.not_created == {}, f"moto supports these types but did not create them: {report.not_created}"
    assert report.created or report.unsupported, "every expected resource is either created or listed as unsupported"


def test_production_database_is_multi_az_and_encrypted_in_moto(deployment):
    endpoint = deployment[0]
    instances = {d["DBInstanceIdentifier"]: d for d in client("rds", endpoint).describe_db_instances()["DBInstances"]}
    assert instances["flightdeck-production"]["MultiAZ"] is True
    assert instances["flightdeck-qa"]["MultiAZ"] is False
    assert all(d["StorageEncrypted"] and not d["PubliclyAccessible"] for d in instances.values())


def test_private_subnets_span_three_availability_zones_in_moto(deployment):
    endpoint, reports, _ = deployment
    for environment in ENVIRONMENTS:
        subnet_ids = reports[(environment, "network")].outputs["PrivateSubnetIds"].split(",")
        subnets = client("ec2", endpoint).describe_subnets(SubnetIds=subnet_ids)["Subnets"]
        assert len({s["AvailabilityZone"] for s in subnets}) == 3
        assert not any(s["MapPublicIpOnLaunch"] for s in subnets)


def test_production_has_a_nat_gateway_per_zone_and_qa_one(deployment):
    reports = deployment[1]
    nat = lambda env: [lid for lid, t in reports[(env, "network")].created.items() if t == "AWS::EC2::NatGateway"]
    assert len(nat("production")) == 3
    assert len(nat("qa")) == 1


def test_database_admits_the_cluster_security_group_in_moto(deployment):
    endpoint, reports, _ = deployment
    for environment in ENVIRONMENTS:
        group_id = reports[(environment, "data")].outputs["DatabaseSecurityGroupId"]
        (group,) = client("ec2", endpoint).describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
        (rule,) = group["IpPermissions"]
        assert (rule["FromPort"], rule["ToPort"]) == (5432, 5432)
        assert rule["IpRanges"] == []
        assert [p["GroupId"] for p in rule["UserIdGroupPairs"]] == [reports[(environment, "cluster")].stand_ins["Cluster.ClusterSecurityGroupId"]]


def test_registry_tags_are_immutable_in_moto(deployment):
    endpoint = deployment[0]
    repositories = client("ecr", endpoint).describe_repositories()["repositories"]
    assert {r["repositoryName"] for r in repositories} == {"flightdeck/qa/flask-app", "flightdeck/production/flask-app"}
    assert all(r["imageTagMutability"] == "IMMUTABLE" for r in repositories)


def test_pruning_replaces_references_to_unsupported_resources_visibly():
    template = {
        "Resources": {
            "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {}},
            "Role": {"Type": "AWS::IAM::Role", "DependsOn": "Cluster", "Properties": {
                "Description": {"Fn::Sub": "for ${Cluster} at ${Cluster.Endpoint}"},
                "Path": {"Fn::GetAtt": ["Cluster", "Arn"]}}},
        },
        "Outputs": {"Name": {"Value": {"Ref": "Cluster"}}},
    }
    pruned, removed, attributes = prune_unsupported(template, {"AWS::IAM::Role"}, lambda _type, _attr: True)
    assert removed == {"Cluster": "AWS::EKS::Cluster"}
    assert attributes == []
    role = pruned["Resources"]["Role"]
    assert "DependsOn" not in role
    assert role["Properties"]["Description"] == {"Fn::Sub": "for unsupported://Cluster at unsupported://Cluster.Endpoint"}
    assert role["Properties"]["Path"] == "unsupported://Cluster.Arn"
    assert pruned["Outputs"]["Name"]["Value"] == "unsupported://Cluster"
    assert "Cluster" in template["Resources"], "the original template must stay untouched"


def test_pruning_replaces_attributes_moto_cannot_return():
    template = {
        "Resources": {"Database": {"Type": "AWS::RDS::DBInstance", "Properties": {}}},
        "Outputs": {"Secret": {"Value": {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}},
                    "Address": {"Value": {"Fn::GetAtt": ["Database", "Endpoint.Address"]}}},
    }
    pruned, removed, attributes = prune_unsupported(template, {"AWS::RDS::DBInstance"})
    assert removed == {}
    assert attributes == ["Database.MasterUserSecret.SecretArn"]
    assert pruned["Outputs"]["Secret"]["Value"] == "unsupported://Database.MasterUserSecret.SecretArn"
    assert pruned["Outputs"]["Address"]["Value"] == {"Fn::GetAtt": ["Database", "Endpoint.Address"]}
