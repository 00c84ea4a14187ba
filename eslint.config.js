import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The import rule (CONTRIBUTING.md): imports point down, from the actions to
 * the adapter, to the engine and the tools, to the Kubernetes and AWS
 * clients, to core. Each zone forbids `target` to import `from`: a package
 * may not reach into the layers above it. Tests are exempt (an e2e test may
 * use any layer as its oracle).
 */
const LAYERS = {
  core: ['./packages/core'],
  clients: ['./packages/kube', './packages/aws'],
  tools: ['./packages/manifests', './packages/analysis'],
  engines: ['./packages/deploy', './packages/docker', './packages/report'],
  adapter: ['./packages/deploy-action'],
};
const above = (...layers) => layers.flatMap((layer) => LAYERS[layer]);
const zones = [
  {
    target: './packages',
    from: ['./actions', './test', './scripts', './bench'],
    message: 'A package never imports an action, a test or a script.',
  },
  { target: LAYERS.core, from: above('clients', 'tools', 'engines', 'adapter'), message: 'packages/core is the bottom layer.' },
  { target: LAYERS.clients, from: above('tools', 'engines', 'adapter') },
  {
    target: './packages/kube',
    from: './packages/aws',
    message: 'EKS auth is composed in packages/deploy-action/cluster.ts; kube works with any cluster.',
  },
  { target: './packages/aws', from: './packages/kube' },
  { target: LAYERS.tools, from: above('engines', 'adapter') },
  {
    target: LAYERS.engines,
    from: above('adapter'),
    message: 'The engines read no inputs and write no outputs; packages/deploy-action does.',
  },
  {
    target: './packages/deploy',
    from: './packages/core',
    except: ['./errors.ts'],
    message: 'The engine takes only errors from core: the rest of core is the runner protocol (@actions/core).',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.stack/**', '.venv/**', 'coverage/**', 'examples/**', 'infra/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['actions/**/*.ts', 'packages/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })] },
    rules: {
      // Runtime cycles only: it skips `import type`, so the zones carry the layering.
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
  {
    files: ['packages/deploy/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@actions/*'],
              message: 'The engine reports through ctx.timeline and its outcome; the runner protocol lives in packages/deploy-action.',
            },
          ],
        },
      ],
    },
  },
  {
    // The engine's shapes: type imports only, so no module is loaded through them.
    files: ['packages/deploy/types.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "ImportDeclaration[importKind!='type']", message: 'types.ts holds shapes only: use `import type`.' },
        { selector: ':matches(VariableDeclaration, FunctionDeclaration, ClassDeclaration)', message: 'types.ts holds shapes only.' },
      ],
    },
  },
);
