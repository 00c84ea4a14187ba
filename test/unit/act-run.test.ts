/** The event payload scripts/act/run-act.ts hands act: dispatch inputs travel in it, names with "-" included. */
import { describe, expect, it } from 'vitest';
import { workflowDispatchEvent } from '../../scripts/act/events';
import { dispatchPayload } from '../../scripts/act/run-act';

describe('dispatchPayload', () => {
  it("puts a dispatch's inputs in the payload's inputs, where act reads them, hyphenated names included", () => {
    const payload = workflowDispatchEvent({ steps: '10' });
    const sent = dispatchPayload('workflow_dispatch', payload, { 'image-ref': 'r/x@sha256:ab', 'bake-time': '3s' });
    expect(sent.inputs).toEqual({ steps: '10', 'image-ref': 'r/x@sha256:ab', 'bake-time': '3s' });
    expect(sent.ref).toBe(payload.ref);
  });

  it('leaves a payload without inputs as it is', () => {
    const payload = { ref: 'refs/heads/main' };
    expect(dispatchPayload('push', payload, {})).toBe(payload);
  });

  it('refuses inputs for an event GitHub sends none with', () => {
    expect(() => dispatchPayload('push', {}, { 'image-ref': 'x' })).toThrow(/a push event takes no inputs/);
  });
});
