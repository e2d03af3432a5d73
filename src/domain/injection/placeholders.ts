/**
 * `${{ inject.<key> }}` placeholders in stage settings. Render uses these to show what a stage
 * would receive; the pipelines engine resolves the same placeholders with the same functions
 * (one grammar: src/domain/placeholders.ts).
 */
export { injectKeys, substituteInject } from '../placeholders.js';
