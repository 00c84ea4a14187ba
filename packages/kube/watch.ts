import type { Readable } from 'node:stream';
import { sleep, type KubeClient } from './client';
import { errorFromResponse, isGone, kubeStatusOf, KubeUnreachableError } from './errors';
import type { ResourceRef } from './resources';
import type { KubeObject, KubeStatus } from './types';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent<T extends KubeObject> {
  type: WatchEventType;
  object: T;
}

/** A raw line of the apiserver's watch stream. */
export interface RawWatchEvent {
  type: WatchEventType | 'BOOKMARK' | 'ERROR';
  object: KubeObject | KubeStatus;
}

export interface WatchReconnect {
  /** Why the previous connection ended: "closed by server", an error message, or "410 Gone". */
  reason: string;
  /** The resourceVersion the watch resumes from (after a relist: the list's). */
  resourceVersion: string;
  /** True when the resourceVersion had expired and the objects were listed again. */
  relisted: boolean;
}

export interface WatchOptions {
  /** Watch one object: becomes fieldSelector metadata.name=<name>. */
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start from this resourceVersion and skip the initial list. */
  resourceVersion?: string;
  /** Stops the watch: the iterator simply ends (no error). */
  signal?: AbortSignal;
  /** Server-side lifetime of one watch connection before a routine reconnect. Default 300 s. */
  timeoutSeconds?: number;
  /** Consecutive failed reconnects before giving up. Default 60 (about 2 minutes). */
  maxReconnectFailures?: number;
  onReconnect?: (info: WatchReconnect) => void;
  /** Called after each (re-)list with the objects found; may throw to end the watch (e.g. "not found"). */
  onListed?: (objects: KubeObject[]) => void;
}

/**
 * Informer-style watch of one kind: lists first (ADDED for each object), then
 * streams changes. It survives what an apiserver restart does to a long
 * watch: a dropped connection resumes from the last resourceVersion seen
 * (events and bookmarks both advance it), and a 410 Gone re-lists, emitting
 * MODIFIED for what is there and DELETED for what vanished in between, so the
 * consumer's view stays right. Ends when the signal aborts.
 */
export async function* watchObjects<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  options: WatchOptions = {},
): AsyncGenerator<WatchEvent<T>> {
  const { path, context } = await client.locate({ ...ref, name: undefined }, 'watch');
  const fieldSelector =
    [options.name ? `metadata.name=${options.name}` : undefined, options.fieldSelector].filter(Boolean).join(',') || undefined;
  const signal = options.signal;
  const known = new Map<string, T>();
  let resourceVersion = options.resourceVersion;
  let failures = 0;
  // Set after a dropped connection until an event arrives again: meanwhile a restarting apiserver
  // may answer 401/403 before its authenticators and RBAC caches are ready.
  let recovering = false;

  const relist = async function* (): AsyncGenerator<WatchEvent<T>> {
    const list = await client.list<T>({ ...ref, name: undefined }, { labelSelector: options.labelSelector, fieldSelector, signal });
    const seen = new Set<string>();
    for (const object of list.items) {
      // A list's items carry no apiVersion/kind; put them back so consumers can re-apply them.
      const item = { apiVersion: ref.apiVersion, kind: ref.kind, ...object } as T;
      const key = objectKey(item);
      seen.add(key);
      yield { type: known.has(key) ? 'MODIFIED' : 'ADDED', object: item };
      known.set(key, item);
    }
    for (const [key, object] of known) {
      if (!seen.has(key)) {
        known.delete(key);
        yield { type: 'DELETED', object };
      }
    }
    resourceVersion = list.metadata.resourceVersion ?? '';
    options.onListed?.([...known.values()]);
  };

  let needsList = resourceVersion === undefined;
  let listReason: string | undefined;
  try {
    for (;;) {
      if (signal?.aborted) return;
      let endReason = 'closed by server';
      let stream: Readable | undefined;
      try {
        if (needsList) {
          yield* relist();
          needsList = false;
          if (listReason) options.onReconnect?.({ reason: listReason, resourceVersion: resourceVersion ?? '', relisted: true });
          listReason = undefined;
        }
        stream = await client.stream(
          path,
          {
            watch: 1,
            resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: options.timeoutSeconds ?? 300,
            labelSelector: options.labelSelector,
            fieldSelector,
          },
          context,
          signal,
        );
        for await (const raw of parseWatchStream(stream)) {
          failures = 0;
          recovering = false;
          if (raw.type === 'ERROR') {
            const status = raw.object as KubeStatus;
            throw errorFromResponse(status.code ?? 500, status, '', context);
          }
          const object = raw.object as T;
          if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
          if (raw.type === 'BOOKMARK') continue;
          const key = objectKey(object);
          if (raw.type === 'DELETED') known.delete(key);
          else known.set(key, object);
          yield { type: raw.type, object };
        }
      } catch (error) {
        if (signal?.aborted) return;
        // Never reached at all: reconnecting for two minutes would only hide a wrong address.
        if (error instanceof KubeUnreachableError) throw error;
        if (isGone(error)) {
          needsList = true;
          listReason = '410 Gone';
          continue;
        }
        const status = kubeStatusOf(error);
        const startingUp = recovering && (status === 401 || status === 403);
        if (!startingUp && !isTransient(error)) throw error;
        recovering = true;
        failures++;
        if (failures > (options.maxReconnectFailures ?? 60)) throw error;
        endReason = (error as Error).message;
        // Quick first retries: the point of resuming is to notice changes soon after the apiserver is back.
        await sleep(Math.min(2000, 100 * 2 ** Math.min(failures, 5)), signal).catch(() => undefined);
        if (signal?.aborted) return;
      } finally {
        stream?.destroy();
      }
      if (!needsList) options.onReconnect?.({ reason: endReason, resourceVersion: resourceVersion ?? '', relisted: false });
    }
  } finally {
    known.clear();
  }
}

/**
 * Worth reconnecting after: network errors (refused, reset, premature close),
 * 429/5xx, and a line cut mid-JSON. Anything else (403, a bug, an error thrown
 * by onListed) ends the watch.
 */
function isTransient(error: unknown): boolean {
  const status = kubeStatusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  if (error instanceof SyntaxError) return true;
  const code = (error as { code?: unknown })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && /^(E[A-Z]+|ERR_STREAM_PREMATURE_CLOSE|UND_ERR_.*)$/.test(code);
}

function objectKey(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/**
 * Split a watch response into events: one JSON object per line. A chunk can
 * end mid-line, so the tail is carried into the next one.
 */
export async function* parseWatchStream(stream: AsyncIterable<Buffer | string>): AsyncGenerator<RawWatchEvent> {
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== '') yield JSON.parse(line) as RawWatchEvent;
      newline = pending.indexOf('\n');
    }
  }
  if (pending.trim() !== '') yield JSON.parse(pending) as RawWatchEvent;
}
