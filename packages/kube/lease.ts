import { ConfigurationError } from '../core/errors';
import type { KubeClient } from './client';
import { isConflict, isNotFound } from './errors';
import { Kinds } from './resources';
import type { Lease } from './types';

export interface DeployLockOptions {
  namespace: string;
  /** The Lease's name, one per app: the caller's naming (Flightdeck's is in packages/deploy/keys.ts). */
  name: string;
  /** Labels for a Lease this creates (who manages it). */
  labels?: Record<string, string>;
  /** Who holds it: the workflow run URL, so a refused pipeline can say which run is deploying. */
  holderIdentity: string;
  /** How long a holder that stops renewing keeps the lock. Default 60 s. */
  leaseDurationSeconds?: number;
  /** Renew this often while held. Default a third of the duration. */
  renewIntervalMs?: number;
  fieldManager?: string;
  /** Called if a renewal finds the lock taken by someone else (we were presumed dead). */
  onLost?: (holder: string | undefined) => void;
  /** For tests: the clock. */
  now?: () => Date;
}

/** Another live run holds the lock. Its message names that run's URL. */
export class DeployLockHeldError extends ConfigurationError {
  constructor(
    readonly leaseName: string,
    readonly namespace: string,
    readonly holder: string,
    readonly expiresAt: Date,
  ) {
    super(
      `Another deployment is in progress: Lease "${leaseName}" in namespace "${namespace}" is held by ${holder} until ${expiresAt.toISOString()} (renewed while it runs). ` +
        'Wait for that run to finish, or cancel it; a lock whose holder stopped renewing expires by itself.',
    );
  }
}

/** The holder's lease has run out: renewTime (or acquireTime) + duration is in the past. */
export function isLeaseExpired(lease: Lease, now: Date): boolean {
  const spec = lease.spec ?? {};
  if (!spec.holderIdentity) return true;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (!Number.isFinite(renewed)) return true;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
}

/**
 * A deploy lock on a coordination.k8s.io/v1 Lease: one pipeline per app and
 * namespace. Acquire refuses while another live run holds it, takes over a
 * stale one (holder stopped renewing), and is re-entrant for the same holder
 * (the stage actions of one run share the lock). Every write carries the
 * resourceVersion read, so two runs racing for it cannot both win.
 */
export class DeployLock {
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    private readonly client: KubeClient,
    private readonly options: DeployLockOptions,
    private lease: Lease,
    /** The previous holder when we took over an expired lease. */
    readonly tookOverFrom: string | undefined,
  ) {}

  get name(): string {
    return this.options.name;
  }

  get holder(): string {
    return this.options.holderIdentity;
  }

  static async acquire(client: KubeClient, options: DeployLockOptions): Promise<DeployLock> {
    const now = options.now ?? (() => new Date());
    const name = options.name;
    const ref = { ...Kinds.Lease, namespace: options.namespace, name };
    const duration = options.leaseDurationSeconds ?? 60;
    const spec = (transitions: number, acquireTime?: string) => ({
      holderIdentity: options.holderIdentity,
      leaseDurationSeconds: duration,
      acquireTime: acquireTime ?? microTime(now()),
      renewTime: microTime(now()),
      leaseTransitions: transitions,
    });
    const existing = await client.getIfExists<Lease>(ref);
    let lease: Lease;
    let tookOverFrom: string | undefined;
    try {
      if (!existing) {
        lease = await client.create<Lease>(
          {
            ...Kinds.Lease,
            metadata: { name, namespace: options.namespace, labels: options.labels },
            spec: spec(0),
          },
          { fieldManager: options.fieldManager },
        );
      } else {
        const current = existing.spec?.holderIdentity;
        const mine = current === options.holderIdentity;
        if (!mine && !isLeaseExpired(existing, now())) throw heldError(existing, name, options.namespace);
        if (!mine && current) tookOverFrom = current;
        const transitions = (existing.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1);
        lease = await client.replace<Lease>(
          { ...existing, spec: spec(transitions, mine ? existing.spec?.acquireTime : undefined) },
          { fieldManager: options.fieldManager },
        );
      }
    } catch (error) {
      // Someone created or updated it between our read and write: they won.
      if (isConflict(error)) {
        const winner = await client.getIfExists<Lease>(ref);
        if (winner) throw heldError(winner, name, options.namespace);
      }
      throw error;
    }
    const lock = new DeployLock(client, options, lease, tookOverFrom);
    lock.startRenewing();
    return lock;
  }

  private startRenewing(): void {
    const interval = this.options.renewIntervalMs ?? ((this.options.leaseDurationSeconds ?? 60) * 1000) / 3;
    this.timer = setInterval(() => void this.renew().catch(() => undefined), interval);
    // The lock must never be what keeps a finished action's process alive.
    this.timer.unref();
  }

  /** Extend the lease now. Returns false (and calls onLost) if another holder has it. */
  async renew(): Promise<boolean> {
    if (this.released) return false;
    const now = this.options.now?.() ?? new Date();
    try {
      this.lease = await this.client.replace<Lease>(
        { ...this.lease, spec: { ...this.lease.spec, renewTime: microTime(now) } },
        { fieldManager: this.options.fieldManager },
      );
      return true;
    } catch (error) {
      if (!isConflict(error) && !isNotFound(error)) throw error;
      const current = await this.client.getIfExists<Lease>({ ...Kinds.Lease, namespace: this.options.namespace, name: this.name });
      if (current?.spec?.holderIdentity === this.options.holderIdentity) {
        this.lease = current;
        return this.renew();
      }
      this.stop();
      this.options.onLost?.(current?.spec?.holderIdentity);
      return false;
    }
  }

  /** Stop renewing and delete the Lease, unless someone else has taken it meanwhile. Safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.stop();
    const ref = { ...Kinds.Lease, namespace: this.options.namespace, name: this.name };
    try {
      await this.client.delete(ref, { resourceVersion: this.lease.metadata.resourceVersion });
    } catch (error) {
      if (!isConflict(error)) throw error;
      // Our copy is stale (a renewal raced us); delete only if the lock is still ours.
      const current = await this.client.getIfExists<Lease>(ref);
      if (current?.spec?.holderIdentity === this.options.holderIdentity) {
        await this.client.delete(ref, { resourceVersion: current.metadata.resourceVersion });
      }
    }
  }

  private stop(): void {
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function heldError(lease: Lease, name: string, namespace: string): DeployLockHeldError {
  const spec = lease.spec ?? {};
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '') || Date.now();
  return new DeployLockHeldError(
    name,
    namespace,
    spec.holderIdentity ?? 'an unknown holder',
    new Date(renewed + (spec.leaseDurationSeconds ?? 0) * 1000),
  );
}

/** Lease times are MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
