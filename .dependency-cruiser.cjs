// dependency-cruiser config for Switchyard: the layering rules, checked on the resolved import graph
// (type-only imports included). eslint.config.js checks the same layering per import statement with
// `no-restricted-imports`; keep the two in step.
//
// Run: npx depcruise --config .dependency-cruiser.cjs src commands   (part of `npm run lint`)

/** Transport/infrastructure npm packages, as resolved paths (doNotFollow keeps them as leaves). */
const TRANSPORT_MODULES = 'node_modules/(@slack/|(bullmq|ioredis|node-vault|express)/)';
/** Application areas that only the composition root and adapters may know about. */
const ADAPTER_AREAS = '^src/(adapters|app|local-slack)/';
/** Surfaces: each capability's commands, buttons, modals and renderers; they import the domain, never the reverse. */
const SURFACE_AREAS = '^commands/';
/** Block Kit builders and edge specs: the surfaces format for Slack, the domain only says what to show. */
const BLOCK_KIT_MODULES = '^src/core/(blocks|edges)\\.ts$';
/** The app's settings: src/app hands each module the slice it declares (src/app/module-settings.ts). */
const CONFIG_AREA = '^src/config/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-no-transport',
      severity: 'error',
      comment:
        'Domain code (src/core, src/domain) must stay transport-free: no Slack, BullMQ, Redis, Vault ' +
        'or HTTP server libraries. Depend on a port in src/core/ports; implement it in src/adapters.',
      from: { path: '^src/(core|domain)/' },
      to: { path: TRANSPORT_MODULES },
    },
    {
      name: 'domain-no-adapters',
      severity: 'error',
      comment:
        'Domain code (src/core, src/domain) may not import src/adapters, src/app or src/local-slack. ' +
        'Invert the dependency: define a port in src/core/ports and wire the adapter in src/app.',
      from: { path: '^src/(core|domain)/' },
      to: { path: ADAPTER_AREAS },
    },
    {
      name: 'domain-no-surface',
      severity: 'error',
      comment:
        'Domain code (src/core, src/domain) may not import a surface (commands/): the ' +
        'surface imports the domain, and src/app/modules/<capability>.ts wires the two together.',
      from: { path: '^src/(core|domain)/' },
      to: { path: SURFACE_AREAS },
    },
    {
      name: 'domain-no-blocks',
      severity: 'error',
      comment:
        'src/domain says what to show, not how Slack formats it: no Block Kit builders (src/core/blocks) ' +
        'or edge specs (src/core/edges). Ask the capability presenter port (src/domain/<cap>/presenter.ts); ' +
        'commands/<cap> implements it. Types live in src/core/message-types.',
      from: { path: '^src/domain/' },
      to: { path: BLOCK_KIT_MODULES },
    },
    {
      name: 'domain-no-config',
      severity: 'error',
      comment:
        'Domain code (src/core, src/domain) may not import src/config: a module receives only the ' +
        'settings its wiring in src/app declares (withSettings in src/app/module-settings.ts).',
      from: { path: '^src/(core|domain)/' },
      to: { path: CONFIG_AREA },
    },
    {
      name: 'surfaces-through-ports',
      severity: 'error',
      comment:
        'Surfaces (commands/**) talk to ports and domain services only: no src/adapters, src/app, ' +
        'src/local-slack, src/config and no transport libraries (Slack, BullMQ, Redis, Vault, express).',
      from: { path: '^commands/' },
      to: { path: [ADAPTER_AREAS, CONFIG_AREA, TRANSPORT_MODULES] },
    },
    {
      name: 'local-slack-standalone',
      severity: 'error',
      comment:
        'src/local-slack is a stand-alone Slack fake (it speaks the wire format only): it may not ' +
        'import src/core, src/domain, src/adapters, src/app or commands.',
      from: { path: '^src/local-slack/' },
      to: { path: '^(src/(core|domain|adapters|app)|commands)/' },
    },
    {
      name: 'no-circular',
      severity: 'warn',
      comment:
        'This dependency is part of a circular relationship. Consider dependency inversion or ' +
        'splitting the module so each has a single responsibility.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        "This module depends on a module that cannot be resolved to disk. If it's an npm package, " +
        'add it to package.json; otherwise fix the path (ES modules: relative imports end in .js).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // Also see `import type` and other imports that TypeScript erases on compilation.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.mts', '.cts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
