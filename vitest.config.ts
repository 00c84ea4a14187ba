import { defineConfig } from 'vitest/config';

const exclude = ['node_modules/**', 'dist/**', '.stack/**', '.venv/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/**/*.test.ts', 'actions/**/*.test.ts', 'test/unit/**/*.test.ts'],
          exclude: [...exclude, '**/*.itg.test.ts'],
          // A temporary runner environment (RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STATE, the summary) and no stray inputs.
          setupFiles: ['test/support/setup.unit.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', '**/*.itg.test.ts'],
          exclude,
          globalSetup: ['test/stack/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
          // The suites share one cluster, one Docker engine and one registry.
          fileParallelism: false,
        },
      },
    ],
  },
});
