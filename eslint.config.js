// ESLint flat config for Switchyard.
//
// Besides the usual recommended sets this file enforces the layering of the code base with
// `no-restricted-imports` (so a violation is reported under that rule id, and the message names
// the layering rule). The same layering is checked a second time, on the resolved import graph,
// by dependency-cruiser (.dependency-cruiser.cjs); keep the two in step.
//
//   domain   = src/core/**, src/domain/**  -> no Slack/queue/Redis/Vault/HTTP libraries,
//                                            no src/adapters, src/app, src/local-slack,
//                                            no surface (commands/) and no src/config;
//                                            src/domain also no Block Kit (src/core/blocks, edges)
//   surfaces = commands/**                 -> talk to ports and domain services only: no transport
//                                            libraries, src/adapters, src/app, src/local-slack, src/config
//   src/local-slack/**                     -> stand-alone Slack fake: nothing from src/core,
//                                            src/domain, src/adapters, src/app, commands
//
// Relative specifiers are matched with globs of the form `../**/<layer>/**` (a layer can only be
// reached by leaving the current folder), plus `src/<layer>/**` forms for non-relative spellings.
// A sub-folder of your own layer named like another layer (e.g. src/core/x/app/) reached via
// `../` would be a false positive: rename it rather than weakening the rule.
// src/core has a folder named config/, so the config rule cannot use such globs: it matches the exact
// number of `../` that leaves the file's depth (one config block per depth, see `byDepth`).
// test/lint/layering.test.ts proves every rule fires and a clean file passes.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** npm packages that belong to the transport/infrastructure side (mirrors .dependency-cruiser.cjs). */
const TRANSPORT_PACKAGES = ['@slack/bolt', '@slack/web-api', '@slack/socket-mode', 'bullmq', 'ioredis', 'node-vault', 'express'];
// Any @slack/* package, and the others with or without a sub-path (e.g. 'bullmq/dist/esm/x.js').
const TRANSPORT_REGEX = '^(?:@slack/[^/]+|bullmq|ioredis|node-vault|express)(?:/.*)?$';

/** Globs that catch an import of src/<layer> (or commands) from another top-level area. */
const layerGlobs = (/** @type {string[]} */ layers) =>
  layers.flatMap((layer) => [`../**/${layer}/**`, `src/${layer}/**`, `**/src/${layer}/**`]);

/**
 * @param {{transportRule: string, layerRule: string, why: string, layers: string[]}} spec
 *   rule names are the ones used in .dependency-cruiser.cjs
 */
const transportAndLayers = ({ transportRule, layerRule, why, layers }) => ({
  patterns: [
    {
      regex: TRANSPORT_REGEX,
      caseSensitive: true,
      message:
        `[layering: ${transportRule}] ${why} Transport/infrastructure libraries (${TRANSPORT_PACKAGES.join(', ')}, any @slack/*)` +
        ' belong in src/adapters or src/app; depend on a port in src/core/ports instead.',
    },
    {
      group: layerGlobs(layers),
      caseSensitive: true,
      message:
        `[layering: ${layerRule}] ${why} It may not import from ${layers.map((l) => `src/${l}`).join(', ')};` +
        ' depend on a port in src/core/ports instead.',
    },
  ],
});

/** Areas of the repository root and of src/ that a layer may not reach, named in the rule message. */
const SURFACE = { root: ['commands'], src: [] };
const CONFIG = { root: [], src: ['config'] };
/** Core's Block Kit builders and edge specs: surfaces use them, the domain never does. */
const BLOCK_KIT_MODULES = '(?:^|/)core/(?:blocks|edges)(?:\\.js)?$';
/** Block and element types of Block Kit (a `type:` property with one of these is a block built by hand). */
const BLOCK_KIT_TYPES = ['section', 'actions', 'header', 'divider', 'input', 'modal', 'home', 'button', 'mrkdwn', 'plain_text'];

/**
 * A regex for imports that reach `areas` from a file `depth` folders below the repository root: the
 * relative form with exactly that many `../` (so src/core/commands, reached with fewer, is not it)
 * and any spelling through a `src/` segment.
 * @param {{root: string[], src: string[]}} areas
 * @param {number} depth
 */
const areaRegex = (areas, depth) => {
  const up = (/** @type {number} */ n) => `(?:\\.\\./){${n}}`;
  const forms = [];
  if (areas.root.length) forms.push(`^${up(depth)}(?:${areas.root.join('|')})`);
  if (areas.src.length) forms.push(`^${up(depth - 1)}(?:${areas.src.join('|')})`, `(?:^|/)src/(?:${areas.src.join('|')})`);
  return `(?:${forms.join('|')})(?:/|$)`;
};

/**
 * One config block per folder depth (files `<prefix>/*`, then one folder deeper, and so on): the same rule
 * options except the depth-exact regexes.
 * @param {{name: string, prefixes: string[], from: number, options: (depth: number) => object}} spec
 */
const byDepth = ({ name, prefixes, from, options }) =>
  [0, 1, 2, 3, 4].map((extra) => ({
    name: `${name}/depth-${from + extra}`,
    files: prefixes.map((p) => `${p}/${'*/'.repeat(extra)}*`),
    rules: { 'no-restricted-imports': ['error', options(from + extra)] },
  }));

/** `x as unknown as T` and `<T><unknown>x`: see the switchyard/no-double-cast block. */
const NO_DOUBLE_CAST = [
  {
    selector: 'TSAsExpression > :matches(TSAsExpression, TSTypeAssertion)[typeAnnotation.type="TSUnknownKeyword"]',
    message: '[no-double-cast] No `as unknown as` in src/ or commands/: declare the payload (defineEvent, defineJob, zod).',
  },
  {
    selector: 'TSTypeAssertion > :matches(TSAsExpression, TSTypeAssertion)[typeAnnotation.type="TSUnknownKeyword"]',
    message: '[no-double-cast] No `<T><unknown>` in src/ or commands/: declare the payload (defineEvent, defineJob, zod).',
  },
];

/** Globals for plain Node.js scripts/config files (.js/.mjs/.cjs). TypeScript files do not need them. */
const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  URLSearchParams: 'readonly',
  AbortController: 'readonly',
  TextEncoder: 'readonly',
  TextDecoder: 'readonly',
  fetch: 'readonly',
  structuredClone: 'readonly',
  queueMicrotask: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  clearImmediate: 'readonly',
};
const commonJsGlobals = {
  module: 'writable',
  exports: 'writable',
  require: 'readonly',
  __dirname: 'readonly',
  __filename: 'readonly',
};

export default tseslint.config(
  {
    name: 'switchyard/ignores',
    // test/lint/fixtures holds files that break the layering on purpose (test/lint/layering.test.ts).
    ignores: ['**/node_modules/**', '.switchyard/**', 'coverage/**', 'dist/**', 'test/lint/fixtures/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    name: 'switchyard/files',
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
  },
  {
    name: 'switchyard/node-scripts',
    files: ['**/*.{js,mjs}'],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },
  {
    name: 'switchyard/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, ...commonJsGlobals } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    name: 'switchyard/unused',
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },

  // ---- no double casts --------------------------------------------------------------------
  // `x as unknown as T` silences the compiler where a payload crosses a boundary. Declare the
  // payload instead (defineEvent, defineJob, a zod schema) and parse it; a cast that truly cannot
  // be avoided is a single `as` in a narrowly typed helper with a comment saying why.
  {
    name: 'switchyard/no-double-cast',
    files: ['src/**', 'commands/**'],
    rules: {
      'no-restricted-syntax': ['error', ...NO_DOUBLE_CAST],
    },
  },

  // ---- layering ---------------------------------------------------------------------------
  ...['src/core', 'src/domain'].flatMap((area) =>
    byDepth({
      name: `switchyard/layering/${area.slice(4)}`,
      prefixes: [area],
      from: 2,
      options: (depth) => {
        const o = transportAndLayers({
          transportRule: 'domain-no-transport',
          layerRule: 'domain-no-adapters',
          why: 'Domain code (src/core, src/domain) must stay transport-free.',
          layers: ['adapters', 'app', 'local-slack'],
        });
        o.patterns.push(
          {
            regex: areaRegex(SURFACE, depth),
            caseSensitive: true,
            message:
              '[layering: domain-no-surface] Domain code (src/core, src/domain) may not import a surface (commands/):' +
              ' the surface imports the domain, and src/app wires both.',
          },
          {
            regex: areaRegex(CONFIG, depth),
            caseSensitive: true,
            message:
              '[layering: domain-no-config] Domain code (src/core, src/domain) may not import src/config:' +
              ' a module receives the settings its wiring in src/app declares (withSettings).',
          },
        );
        if (area === 'src/domain')
          o.patterns.push({
            regex: BLOCK_KIT_MODULES,
            caseSensitive: true,
            message:
              '[layering: domain-no-blocks] src/domain says what to show, not how Slack formats it: no Block Kit builders' +
              ' (src/core/blocks) or edge specs (src/core/edges). Ask the capability presenter port (src/domain/<cap>/presenter.ts);' +
              ' commands/<cap> implements it. Types: src/core/message-types.',
          });
        return o;
      },
    }),
  ),
  // Block Kit written by hand is formatting too: the domain hands data to its presenter instead.
  {
    name: 'switchyard/layering/domain-no-block-literals',
    files: ['src/domain/**'],
    rules: {
      // Repeats NO_DOUBLE_CAST: a later block's options for a rule replace the earlier block's.
      'no-restricted-syntax': [
        'error',
        ...NO_DOUBLE_CAST,
        {
          selector: `Property[key.name='type'] > Literal[value=/^(${BLOCK_KIT_TYPES.join('|')})$/]`,
          message:
            '[layering: domain-no-blocks] No Block Kit in src/domain: return data and let the presenter port' +
            ' (implemented in commands/<cap>) build the blocks.',
        },
      ],
    },
  },
  ...byDepth({
    name: 'switchyard/layering/surfaces',
    prefixes: ['commands'],
    from: 1,
    options: (depth) => {
      const o = transportAndLayers({
        transportRule: 'surfaces-through-ports',
        layerRule: 'surfaces-through-ports',
        why: 'Surfaces (commands/**) talk to ports and domain services only.',
        layers: ['adapters', 'app', 'local-slack'],
      });
      o.patterns.push({
        regex: areaRegex(CONFIG, depth),
        caseSensitive: true,
        message:
          '[layering: surfaces-through-ports] Surfaces (commands/**) may not import src/config:' +
          ' settings reach a module through its wiring in src/app.',
      });
      return o;
    },
  }),
  {
    name: 'switchyard/layering/local-slack',
    files: ['src/local-slack/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // top-level commands/ is at least two levels up from src/local-slack/*; a folder of the fake
              // itself named commands/ (../commands/ from a sub-folder) stays allowed.
              group: [...layerGlobs(['core', 'domain', 'adapters', 'app']), '../../**/commands/**'],
              caseSensitive: true,
              message:
                '[layering: local-slack-standalone] src/local-slack is a stand-alone Slack fake:' +
                ' it may not import from src/core, src/domain, src/adapters, src/app or commands.',
            },
          ],
        },
      ],
    },
  },
);
