// Lint rules, including the layer boundaries of DESIGN.md (test/layers.test.ts checks the same from the imports).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const node = ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'crypto', 'better-sqlite3'];
const restrict = (names, patterns = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: names.filter((n) => !n.includes('*')).map((name) => ({ name, message: 'Not in this layer (see DESIGN.md).' })),
      patterns: [...names.filter((n) => n.includes('*')), ...patterns].map((group) => ({ group: [group], message: 'Not in this layer (see DESIGN.md).' })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'bench/output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
  { files: ['common/**/*.ts'], rules: restrict([...node, 'electron', 'cesium'], ['**/core/**', '**/main/**', '**/renderer/**', '**/preload/**']) },
  { files: ['core/**/*.ts'], rules: restrict(['electron', 'cesium'], ['**/main/**', '**/renderer/**', '**/preload/**']) },
  { files: ['main/web/**/*.ts', 'cli/**/*.ts'], rules: restrict(['electron', 'cesium'], ['**/renderer/**', '**/preload/**']) },
  { files: ['server/**/*.ts'], rules: restrict(['electron', 'cesium'], ['**/main/**', '**/renderer/**', '**/preload/**']) },
  { files: ['main/desktop/**/*.ts'], rules: restrict(['cesium'], ['**/renderer/**', '**/preload/**']) },
  { files: ['preload/**/*.ts'], rules: restrict([...node, 'cesium'], ['**/core/**', '**/main/**', '**/renderer/**']) },
  { files: ['renderer/**/*.ts'], ignores: ['renderer/globe/**'], rules: restrict([...node, 'electron', 'cesium'], ['**/core/**', '**/main/**', '**/preload/**']) },
  { files: ['renderer/globe/**/*.ts'], rules: restrict([...node, 'electron'], ['**/core/**', '**/main/**', '**/preload/**']) },
);
