// Conventional Commits, as the developer guide asks: type(scope)!: subject, e.g. "fix(deploy): keep the lease".
// commitlint 20 rather than 21: 20 runs on Node 18 and later, so the GitHub runner's preinstalled Node is enough
// and the check needs no setup-node step.
export default {
  extends: ['@commitlint/config-conventional'],
};
