import { join } from 'node:path';
import type { AppContext, Module } from '../../core/module.js';
import { servicesOf } from '../../domain/services.js';
import { PlanAnnouncer } from '../../domain/plan/announce.js';
import { PlanPolicy } from '../../domain/plan/authorize.js';
import { loadPlanConfig, type PlanConfig } from '../../domain/plan/config.js';
import { Iterations } from '../../domain/plan/iterations.js';
import { PlanRepo } from '../../domain/plan/repo.js';
import { PlanService } from '../../domain/plan/service.js';
import { planSubscriptions } from '../../domain/plan/subscriptions.js';
import { loadTeams, type Teams } from '../../domain/plan/teams.js';
import { planMoveActions } from '../../../commands/plan/actions.js';
import { planCommand } from '../../../commands/plan/commands.js';
import { planHomeSection } from '../../../commands/plan/home.js';
import { planPresenter } from '../../../commands/plan/render.js';
import { addFromMessage } from '../../../commands/plan/shortcut.js';

export interface PlanModuleOptions {
  /** Defaults to `<configDir>/plan.yml`; tests pass their own file. */
  configFile?: string;
  /** Already-loaded configuration (wins over configFile). */
  config?: PlanConfig;
  /** Teams by service; defaults to `<configDir>/teams.yml` (none when the file is absent). */
  teams?: Teams;
}

/**
 * Planning: `/plan`, the "Add to plan" message shortcut, the App Home board, the `plan` service
 * (PlanWriter) and the subscriptions that move items when runs ship and incidents resolve.
 */
export function createPlanModule(ctx: AppContext, opts: PlanModuleOptions = {}): Module {
  const cfg = opts.config ?? loadPlanConfig(opts.configFile ?? join(ctx.configDir, 'plan.yml'));
  const services = servicesOf(ctx);
  const repo = new PlanRepo(ctx.store);
  const iterations = new Iterations(repo, cfg, ctx.clock);
  const policy = new PlanPolicy(opts.teams ?? loadTeams(join(ctx.configDir, 'teams.yml')), (g) => ctx.access.groupMembers(g));
  const plan = new PlanService(repo, iterations, { clock: ctx.clock, audit: ctx.audit, services, cfg, policy });
  services.provide('plan', plan);
  const announce = new PlanAnnouncer(ctx.chat, policy, planPresenter);
  const fromMessage = addFromMessage({ plan, repo, chat: ctx.chat, announce });
  return {
    name: 'plan',
    commands: [
      planCommand({
        plan,
        iterations,
        repo,
        services,
        chat: ctx.chat,
        audit: ctx.audit,
        clock: ctx.clock,
        policy,
        cfg,
        announce,
        present: planPresenter,
      }),
    ],
    actions: planMoveActions(plan, ctx.home),
    shortcuts: [fromMessage.shortcut],
    views: [fromMessage.view],
    home: [planHomeSection(plan, cfg, ctx.clock)],
    subscriptions: planSubscriptions({ plan, repo, services, cfg, log: ctx.log.child({ module: 'plan' }) }),
  };
}
