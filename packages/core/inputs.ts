import * as core from '@actions/core';
import { ConfigurationError, invalidInput } from './errors';

/**
 * Typed readers over `core.getInput`. Each throws a ConfigurationError naming
 * the input, so every action validates all its inputs before touching AWS or
 * the cluster.
 */

export function getString(name: string, fallback = ''): string {
  const value = core.getInput(name).trim();
  return value === '' ? fallback : value;
}

export function getRequired(name: string): string {
  const value = core.getInput(name).trim();
  if (value === '') throw new ConfigurationError(`Input "${name}" is required but was empty. Set it under "with:" in your workflow.`, name);
  return value;
}

export function getOptional(name: string): string | undefined {
  const value = core.getInput(name).trim();
  return value === '' ? undefined : value;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

export function getBoolean(name: string, fallback: boolean): boolean {
  const raw = core.getInput(name).trim().toLowerCase();
  if (raw === '') return fallback;
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw invalidInput(name, raw, 'Use "true" or "false".');
}

export interface NumberRange {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function parseNumber(name: string, raw: string, range: NumberRange = {}): number {
  const value = Number(raw);
  const kind = range.integer ? 'a whole number' : 'a number';
  const bounds = describeRange(range);
  if (raw.trim() === '' || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
    throw invalidInput(name, raw, `Use ${kind}${bounds}.`);
  }
  if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
    throw invalidInput(name, raw, `Use ${kind}${bounds}.`);
  }
  return value;
}

function describeRange({ min, max }: NumberRange): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

export function getNumber(name: string, fallback: number, range: NumberRange = {}): number {
  const raw = core.getInput(name).trim();
  return raw === '' ? fallback : parseNumber(name, raw, range);
}

export function getOptionalNumber(name: string, range: NumberRange = {}): number | undefined {
  const raw = core.getInput(name).trim();
  return raw === '' ? undefined : parseNumber(name, raw, range);
}

export function getEnum<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = core.getInput(name).trim();
  if (raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw invalidInput(name, raw, `Use one of: ${allowed.join(', ')}.`);
}

/** Items separated by newlines or commas, trimmed, empties dropped (the convention of docker/build-push-action). */
export function getList(name: string): string[] {
  return splitList(core.getInput(name));
}

export function splitList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parse "90s", "5m", "1h30m" or "250ms" into milliseconds. A number without a unit is refused
 * (only "0" is unambiguous): "500" meant as milliseconds would be read as 500 seconds, and a
 * latency limit that never fails is worse than an error.
 */
export function parseDuration(name: string, raw: string): number {
  const text = raw.trim();
  if (/^0+(\.0+)?$/.test(text)) return 0;
  if (/^\d+(\.\d+)?$/.test(text)) {
    throw invalidInput(name, raw, `A duration needs a unit: write "${text}ms" or "${text}s" (or "m", "h").`);
  }
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw invalidInput(name, raw, 'Use a non-negative duration with a unit, such as "500ms", "30s", "5m" or "1h30m".');
  }
  return Math.round(parts.reduce((total, [, amount, unit]) => total + Number(amount) * DURATION_UNITS[unit!]!, 0));
}

export function getDuration(name: string, fallbackMs: number): number {
  const raw = core.getInput(name).trim();
  return raw === '' ? fallbackMs : parseDuration(name, raw);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds % 60)}s`;
}
