import * as core from '@actions/core';
import { errorMessage } from '../core/errors';
import { githubApiTarget } from '../core/github';
import type { EvidencePayload } from './evidence';
import { githubApiRequest } from './github-api';

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface GithubDeploymentOptions {
  token: string;
  environment: string;
  environmentUrl?: string;
  logUrl: string;
  description: string;
  /** Recorded in the Deployment (versioned JSON, see evidence.ts): what promotion gates read. */
  payload?: EvidencePayload;
}

/**
 * A GitHub Deployment for the environment, with statuses as the release moves.
 * Two REST calls over fetch: @actions/github would add 1.2 MB of Octokit to
 * the bundle for them. Reporting must never break a release, so every API
 * failure becomes a warning.
 */
export class GithubDeployment {
  private id: number | undefined;
  private readonly api = githubApiTarget().api;
  private readonly repository = githubApiTarget().repository;

  constructor(private readonly options: GithubDeploymentOptions) {
    core.setSecret(options.token);
  }

  private async post(path: string, body: Record<string, unknown>, purpose: string): Promise<{ id?: number }> {
    const answer = await githubApiRequest({
      api: this.api,
      method: 'POST',
      path: `/repos/${this.repository}${path}`,
      token: this.options.token,
      body,
      purpose,
      permission: 'deployments: write',
    });
    return (answer ?? {}) as { id?: number };
  }

  async start(): Promise<void> {
    try {
      const created = await this.post(
        '/deployments',
        {
          ref: process.env.GITHUB_SHA ?? process.env.GITHUB_REF ?? 'HEAD',
          environment: this.options.environment,
          description: this.options.description,
          auto_merge: false,
          required_contexts: [],
          production_environment: this.options.environment === 'production',
          ...(this.options.payload ? { payload: this.options.payload } : {}),
        },
        `create a GitHub Deployment for "${this.options.environment}" in ${this.repository}`,
      );
      this.id = created.id;
      await this.status('in_progress', this.options.description);
    } catch (error) {
      // The request's error says what it tried, and why it failed.
      core.warning(`${errorMessage(error)} The release goes on without a GitHub Deployment.`);
    }
  }

  async status(state: DeploymentState, description: string, id = this.id): Promise<void> {
    if (id === undefined) return;
    try {
      await this.post(
        `/deployments/${id}/statuses`,
        {
          state,
          description: description.slice(0, 140),
          log_url: this.options.logUrl,
          environment_url: this.options.environmentUrl,
          // Off: a superseded release keeps its "success", so it stays evidence; a rollback says failure or inactive.
          auto_inactive: false,
        },
        `set the status of GitHub Deployment ${id} to ${state}`,
      );
    } catch (error) {
      core.warning(`${errorMessage(error)} The release goes on.`);
    }
  }

  get deploymentId(): number | undefined {
    return this.id;
  }
}
