import type { ModuleFactory } from '../core/module.js';
import { createApprovalsModule } from './modules/approvals.js';

/** Production wiring of approvals: no outside system, the policy file is config/approvals.yml. */
export const approvalsModule: ModuleFactory = (ctx) => createApprovalsModule(ctx);
