import { describe, expect, it, vi } from 'vitest';
import { chooseBuilder } from './builder';
import type { Inputs } from './context';

vi.mock('@actions/core', async (importOriginal) => ({ ...(await importOriginal<object>()), info: vi.fn(), notice: vi.fn() }));

const base = { builder: 'auto', platforms: [], cacheType: 'none', cacheFrom: [] } as unknown as Inputs;
const withBuildx = async () => true;
const withoutBuildx = async () => false;

describe('chooseBuilder', () => {
  it('uses buildx when it is installed, the classic builder otherwise', async () => {
    expect(await chooseBuilder(base, withBuildx)).toBe('buildx');
    expect(await chooseBuilder(base, withoutBuildx)).toBe('classic');
  });

  it('uses the classic builder when asked, without looking for buildx', async () => {
    const detect = vi.fn(withBuildx);
    expect(await chooseBuilder({ ...base, builder: 'classic' }, detect)).toBe('classic');
    expect(detect).not.toHaveBeenCalled();
  });

  it('refuses buildx when it is missing, naming the input', async () => {
    await expect(chooseBuilder({ ...base, builder: 'buildx' }, withoutBuildx)).rejects.toMatchObject({ input: 'builder' });
  });

  it('refuses what only buildx can do when it is missing', async () => {
    await expect(chooseBuilder({ ...base, platforms: ['linux/amd64', 'linux/arm64'] }, withoutBuildx)).rejects.toMatchObject({
      input: 'platforms',
    });
    await expect(chooseBuilder({ ...base, cacheType: 'gha' }, withoutBuildx)).rejects.toMatchObject({ input: 'cache-type' });
    expect(await chooseBuilder({ ...base, cacheType: 'gha', platforms: ['linux/amd64', 'linux/arm64'] }, withBuildx)).toBe('buildx');
  });
});
