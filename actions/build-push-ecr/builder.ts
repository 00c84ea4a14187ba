import * as core from '@actions/core';
import { ConfigurationError, invalidInput } from '../../packages/core/errors';
import type { Builder } from '../../packages/docker/build';
import { buildxAvailable } from '../../packages/docker/docker';
import { INPUT, type Inputs } from './context';

/**
 * Pick buildx when it is installed (or asked for), the classic builder
 * otherwise, and refuse the inputs the chosen builder cannot honour, before
 * any AWS call.
 */
export async function chooseBuilder(inputs: Inputs, detect = buildxAvailable): Promise<Builder> {
  const hasBuildx = inputs.builder === 'classic' ? false : await detect();
  if (inputs.builder === 'buildx' && !hasBuildx) {
    throw new ConfigurationError(
      `Input "${INPUT.builder}" asks for buildx, but "docker buildx" is not installed on this runner. Add docker/setup-buildx-action before this step, or use "${INPUT.builder}: auto".`,
      INPUT.builder,
    );
  }
  const builder: Builder = hasBuildx ? 'buildx' : 'classic';
  if (builder === 'classic') checkClassicSupport(inputs);
  core.info(`Builder: ${builder === 'buildx' ? 'docker buildx' : 'classic docker build (buildx not found)'}.`);
  return builder;
}

function checkClassicSupport(inputs: Inputs): void {
  if (inputs.platforms.length > 1) {
    throw invalidInput(
      INPUT.platforms,
      inputs.platforms.join(','),
      'The classic docker builder builds one platform; install buildx (docker/setup-buildx-action) for several.',
    );
  }
  if (inputs.cacheType === 'gha') {
    throw invalidInput(
      INPUT.cacheType,
      inputs.cacheType,
      'The "gha" cache needs buildx, which is not installed; install it with docker/setup-buildx-action or use "registry".',
    );
  }
  if (inputs.cacheType === 'inline') {
    core.notice(
      `${INPUT.cacheType}: "inline" has no effect with the classic builder (its images already carry their layers); "${INPUT.cacheFrom}" images are used as with "registry".`,
    );
  }
}
