import { ConfigurationError } from '../../packages/core/errors';
import { autoTags, gitRefFromEnv } from '../../packages/docker/tags';
import { INPUT, getInputs } from './context';

export async function run(): Promise<void> {
  const inputs = getInputs();
  const derived = autoTags(gitRefFromEnv(), inputs.autoTags);
  if (derived.length === 0 && inputs.extraTags.length === 0) {
    throw new ConfigurationError(
      `No image tag: "${INPUT.autoTags}" gave none for this git ref and "${INPUT.tags}" is empty. Set "${INPUT.tags}".`,
      INPUT.tags,
    );
  }
  // Loaded only now: the AWS SDK is most of the bundle's start-up time, and bad input needs none of it.
  const { publish } = await import('./publish');
  await publish(inputs, derived);
}
