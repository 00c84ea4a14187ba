import * as core from '@actions/core';
import { DescribeImageScanFindingsCommand, StartImageScanCommand } from '@aws-sdk/client-ecr';
import { formatDuration } from '../core/inputs';
import type { EcrSender } from './ecr';
import { awsErrorCode, explainAwsError } from './errors';

import type { SeverityCounts } from './severity';

export interface ScanRequest {
  repository: string;
  digest: string;
  registryId?: string;
  timeoutMs: number;
  pollMs?: number;
}

export interface ScanResult {
  status: string;
  counts: SeverityCounts;
}

/** Scan states after which the counts no longer change (ACTIVE: enhanced scanning has finished its first pass). */
const FINISHED = new Set(['COMPLETE', 'ACTIVE']);
const UNSCANNABLE = new Set(['FAILED', 'UNSUPPORTED_IMAGE', 'SCAN_ELIGIBILITY_EXPIRED', 'FINDINGS_UNAVAILABLE']);

/**
 * Poll the image's scan until it finishes. Right after a push the scan may not
 * exist yet (ScanNotFoundException): with scan-on-push it appears shortly,
 * without it we start one, once.
 */
export async function waitForScan(client: EcrSender, request: ScanRequest, sleep = defaultSleep): Promise<ScanResult> {
  const deadline = Date.now() + request.timeoutMs;
  const imageId = { imageDigest: request.digest };
  let started = false;
  for (;;) {
    try {
      const response = await client.send(
        new DescribeImageScanFindingsCommand({
          repositoryName: request.repository,
          registryId: request.registryId,
          imageId,
          maxResults: 1,
        }),
      );
      const status = response.imageScanStatus?.status ?? 'UNKNOWN';
      if (FINISHED.has(status))
        return { status, counts: (response.imageScanFindings?.findingSeverityCounts ?? {}) as ScanResult['counts'] };
      if (UNSCANNABLE.has(status)) {
        throw new Error(
          `The ECR scan of ${request.digest} ended as ${status}: ${response.imageScanStatus?.description ?? 'no description'}.`,
        );
      }
      core.info(`Scan ${status.toLowerCase()}…`);
    } catch (error) {
      if (awsErrorCode(error) !== 'ScanNotFoundException') {
        throw error instanceof Error && !('$metadata' in error) ? error : explainAwsError(error, 'ecr:DescribeImageScanFindings');
      }
      if (!started) {
        started = true;
        await startScan(client, request);
      }
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `The ECR scan of ${request.digest} did not finish within ${formatDuration(request.timeoutMs)}. Raise "scan-timeout" or turn "scan-wait" off.`,
      );
    }
    await sleep(request.pollMs ?? 5000);
  }
}

async function startScan(client: EcrSender, request: ScanRequest): Promise<void> {
  try {
    await client.send(
      new StartImageScanCommand({
        repositoryName: request.repository,
        registryId: request.registryId,
        imageId: { imageDigest: request.digest },
      }),
    );
    core.info('No scan found for the image; started one.');
  } catch (error) {
    // Scan-on-push may have started it meanwhile, or the daily basic-scan quota is used: keep polling either way.
    core.info(`Could not start a scan (${awsErrorCode(error)}); waiting for one to appear.`);
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
