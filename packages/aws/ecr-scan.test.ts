import { describe, expect, it, vi } from 'vitest';
import { ScanNotFoundException } from '@aws-sdk/client-ecr';
import { waitForScan } from './ecr-scan';
import { findingsAtOrAbove } from './severity';
import type { EcrSender } from './ecr';

function scriptedSender(steps: Array<() => unknown>) {
  const commands: string[] = [];
  const sender = {
    send: async (command: { constructor: { name: string } }) => {
      commands.push(command.constructor.name);
      if (command.constructor.name === 'StartImageScanCommand') return {};
      const step = steps.shift();
      if (!step) throw new Error('no more scripted answers');
      return step();
    },
  } as unknown as EcrSender;
  return { sender, commands };
}

vi.mock('@actions/core', async (importOriginal) => ({ ...(await importOriginal<object>()), info: vi.fn() }));

const request = { repository: 'web', digest: 'sha256:abc', timeoutMs: 60_000, pollMs: 1 };

describe('waitForScan', () => {
  it('starts a missing scan once and polls until it completes', async () => {
    const { sender, commands } = scriptedSender([
      () => {
        throw new ScanNotFoundException({ message: 'none', $metadata: {} });
      },
      () => ({ imageScanStatus: { status: 'IN_PROGRESS' } }),
      () => ({ imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: { HIGH: 2, LOW: 1 } } }),
    ]);
    expect(await waitForScan(sender, request, async () => {})).toEqual({ status: 'COMPLETE', counts: { HIGH: 2, LOW: 1 } });
    expect(commands.filter((name) => name === 'StartImageScanCommand')).toHaveLength(1);
  });

  it('fails when the scan cannot run', async () => {
    const { sender } = scriptedSender([() => ({ imageScanStatus: { status: 'UNSUPPORTED_IMAGE', description: 'not an OS image' } })]);
    await expect(waitForScan(sender, request, async () => {})).rejects.toThrow('ended as UNSUPPORTED_IMAGE: not an OS image');
  });

  it('gives up at the deadline, naming the input to raise', async () => {
    const { sender } = scriptedSender(Array.from({ length: 5 }, () => () => ({ imageScanStatus: { status: 'IN_PROGRESS' } })));
    await expect(waitForScan(sender, { ...request, timeoutMs: 0 }, async () => {})).rejects.toThrow('Raise "scan-timeout"');
  });
});

describe('findingsAtOrAbove', () => {
  it('lists the severities at or above the threshold that have findings', () => {
    expect(findingsAtOrAbove({ CRITICAL: 0, HIGH: 2, MEDIUM: 5 }, 'HIGH')).toEqual([['HIGH', 2]]);
    expect(findingsAtOrAbove({ MEDIUM: 5 }, 'HIGH')).toEqual([]);
    expect(findingsAtOrAbove({ LOW: 1 }, 'UNDEFINED')).toEqual([['LOW', 1]]);
  });
});
