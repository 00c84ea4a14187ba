"""Who may assume each deploy role: the trust policies of ci.yaml, evaluated as IAM evaluates them
(iam_conditions.py) against sample GitHub OIDC tokens, one per kind of job that must be refused, and
the one job that must be allowed: .github/workflows/deploy.yml, on main, in the role's environment."""

from __future__ import annotations

from typing import Any

import pytest

from cfn_model import ENVIRONMENTS, evaluate, load_template, template_path
from iam_conditions import Decision, UnsupportedPolicy, conditions_hold, evaluate_trust

ORG_REPO = "flightdeck-dev/flightdeck"
PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def token(
    *,
    repository: str = ORG_REPO,
    ref: str = "refs/heads/main",
    environment: str | None = "qa",
    event: str = "push",
    workflow: str = f"{ORG_REPO}/.github/workflows/deploy.yml",
    workflow_at: str | None = None,
    caller: str = "flask-app.yml",
    audience: str = "sts.amazonaws.com",
) -> dict[str, Any]:
    """The claims GitHub puts in a job's OIDC token (docs: "OpenID Connect reference"), for the fields that vary."""
    if environment:
        sub = f"repo:{repository}:environment:{environment}"
    elif event.startswith("pull_request"):
        sub = f"repo:{repository}:pull_request"
    else:
        sub = f"repo:{repository}:ref:{ref}"
    claims = {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": audience,
        "sub": sub,
        "ref": ref,
        "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
        "repository": repository,
        "repository_owner": repository.split("/")[0],
        "event_name": event,
        "workflow_ref": f"{repository}/.github/workflows/{caller}@{ref}",
        "job_workflow_ref": f"{workflow}@{workflow_at or ref}",
        "actor": "octocat",
    }
    if environment:
        claims["environment"] = environment
    return claims


def trust(environment: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    ci = evaluate(load_template(template_path("ci")), "ci", environment, overrides)
    return ci.resources["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]


def decide(environment: str, claims: dict[str, Any], overrides: dict[str, Any] | None = None) -> Decision:
    document = trust(environment, overrides)
    # The template names the provider it creates (or the account's); the test presents the token through it.
    (statement,) = document["Statement"]
    return evaluate_trust(document, statement["Principal"]["Federated"], claims)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_deploy_job_on_main_in_its_environment_may_assume_the_role(environment):
    event = "push" if environment == "qa" else "workflow_dispatch"
    decision = decide(environment, token(environment=environment, event=event))
    assert decision.allowed, decision.reason


REFUSED = {
    "another branch": token(ref="refs/heads/feature"),
    "another branch, running main's workflow file": token(ref="refs/heads/feature", workflow_at="refs/heads/main"),
    "a tag": token(ref="refs/tags/v1.0.0"),
    "another workflow file on main": token(workflow=f"{ORG_REPO}/.github/workflows/evil.yml"),
    "the caller workflow itself, not the reusable deploy job": token(workflow=f"{ORG_REPO}/.github/workflows/flask-app.yml"),
    "the deploy job outside any environment": token(environment=None),
    "a pull request": token(ref="refs/pull/7/merge", environment=None, event="pull_request"),
    "a pull request whose job names the environment": token(ref="refs/pull/7/merge", event="pull_request"),
    "a fork's own run of the same workflow": token(repository="forker/flightdeck", workflow="forker/flightdeck/.github/workflows/deploy.yml"),
    "a pull request from a fork": token(ref="refs/pull/8/merge", event="pull_request", environment=None),
    "another repository's deploy.yml": token(workflow="someone/flightdeck/.github/workflows/deploy.yml"),
    "another audience": token(audience="api://AzureADTokenExchange"),
}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_every_other_job_is_refused(environment, case):
    claims = dict(REFUSED[case])
    if claims.get("environment"):
        claims["environment"] = environment
        claims["sub"] = claims["sub"].replace(":environment:qa", f":environment:{environment}")
    decision = decide(environment, claims)
    assert not decision.allowed, f"{case}: {decision.reason}"


def test_an_environment_cannot_use_the_other_environments_role():
    assert not decide("production", token(environment="qa")).allowed
    assert not decide("qa", token(environment="production", event="workflow_dispatch")).allowed


def test_a_caller_of_flightdeck_pinned_by_sha_names_that_exact_workflow_ref():
    pinned = "flightdeck-dev/flightdeck/.github/workflows/deploy.yml@0123456789abcdef0123456789abcdef01234567"
    overrides = {"GitHubOrg": "acme", "GitHubRepo": "shop", "DeployWorkflowRef": pinned}
    shop = dict(repository="acme/shop", workflow="flightdeck-dev/flightdeck/.github/workflows/deploy.yml")
    assert decide("qa", token(**shop, workflow_at="0123456789abcdef0123456789abcdef01234567"), overrides).allowed
    assert not decide("qa", token(**shop, workflow_at="fedcba9876543210fedcba9876543210fedcba98"), overrides).allowed
    assert not decide("qa", token(**shop), overrides).allowed


def test_the_old_trust_would_have_let_any_workflow_file_on_main_assume_the_qa_role():
    """What this test exists for: the policy before issue 9 passes a token it must refuse."""
    old = {
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": [f"repo:{ORG_REPO}:ref:refs/heads/main", f"repo:{ORG_REPO}:environment:qa"],
            }},
        }]
    }
    assert evaluate_trust(old, PROVIDER, token(workflow=f"{ORG_REPO}/.github/workflows/evil.yml")).allowed
    assert evaluate_trust(old, PROVIDER, token(ref="refs/heads/feature")).allowed


# --- the evaluator follows IAM's rules ---------------------------------------------------------


def _claims(**claims: Any) -> dict[str, Any]:
    return claims


def test_string_like_wildcards_span_slashes_and_question_marks_match_one_character():
    like = {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/*:ref:refs/heads/release-?"}}
    assert conditions_hold(like, _claims(sub="repo:o/r:ref:refs/heads/release-1"))[0]
    assert conditions_hold(like, _claims(sub="repo:o/a/b:ref:refs/heads/release-1"))[0]
    assert not conditions_hold(like, _claims(sub="repo:o/r:ref:refs/heads/release-10"))[0]
    assert not conditions_hold({"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/*"}}, _claims(sub="repo:o/r"))[0]


def test_values_of_one_key_are_alternatives_and_keys_and_operators_all_apply():
    condition = {
        "StringEquals": {"token.actions.githubusercontent.com:sub": ["a", "b"], "token.actions.githubusercontent.com:aud": "x"},
        "StringLike": {"token.actions.githubusercontent.com:ref": "refs/heads/*"},
    }
    assert conditions_hold(condition, _claims(sub="b", aud="x", ref="refs/heads/main"))[0]
    assert not conditions_hold(condition, _claims(sub="c", aud="x", ref="refs/heads/main"))[0]
    assert not conditions_hold(condition, _claims(sub="a", aud="y", ref="refs/heads/main"))[0]
    assert not conditions_hold(condition, _claims(sub="a", aud="x", ref="refs/tags/v1"))[0]


def test_keys_are_case_insensitive_and_values_case_sensitive():
    condition = {"StringEquals": {"Token.Actions.GitHubUserContent.com:SUB": "repo:O/R"}}
    assert conditions_hold(condition, _claims(sub="repo:O/R"))[0]
    assert not conditions_hold(condition, _claims(sub="repo:o/r"))[0]
    assert conditions_hold({"StringEqualsIgnoreCase": {"token.actions.githubusercontent.com:sub": "REPO:o/r"}}, _claims(sub="repo:O/R"))[0]


def test_a_missing_claim_fails_positive_operators_and_passes_negated_if_exists_and_for_all_values():
    key = "token.actions.githubusercontent.com:environment"
    assert not conditions_hold({"StringEquals": {key: "qa"}}, _claims())[0]
    assert not conditions_hold({"StringLike": {key: "*"}}, _claims())[0]
    assert conditions_hold({"StringEqualsIfExists": {key: "qa"}}, _claims())[0]
    assert conditions_hold({"StringNotEquals": {key: "qa"}}, _claims())[0]
    assert conditions_hold({"ForAllValues:StringEquals": {key: "qa"}}, _claims())[0]
    assert not conditions_hold({"ForAnyValue:StringEquals": {key: "qa"}}, _claims())[0]


def test_deny_wins_and_no_matching_allow_is_an_implicit_deny():
    allow = {"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWith*"}
    deny = {"Effect": "Deny", "Principal": {"Federated": PROVIDER}, "Action": "sts:*",
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:ref": "refs/heads/evil"}}}
    assert evaluate_trust({"Statement": [allow, deny]}, PROVIDER, _claims(ref="refs/heads/main")).allowed
    assert not evaluate_trust({"Statement": [allow, deny]}, PROVIDER, _claims(ref="refs/heads/evil")).allowed
    other = "arn:aws:iam::123456789012:oidc-provider/example.com"
    assert not evaluate_trust({"Statement": [allow]}, other, _claims()).allowed


def test_an_operator_it_does_not_know_is_an_error_not_a_guess():
    with pytest.raises(UnsupportedPolicy):
        conditions_hold({"ArnLike": {"aws:SourceArn": "arn:*"}}, _claims())
