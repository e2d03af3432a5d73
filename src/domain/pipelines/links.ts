import { InvalidStateError, NotFoundError, UsageError } from '../../core/errors.js';
import type { AppContext } from '../../core/module.js';
import { servicesOf } from '../services.js';
import type { PipelineDef } from './schema.js';

/**
 * What a run may point at: the incident it fixes (`--fix`) and the plan items it ships (`--plan`).
 * A fix run passes an incident's deploy freeze and lands on its timeline, so the id must name an
 * incident that is open now; plan ids must name items that exist. Both are checked through the
 * other capabilities' contracts before a run exists.
 */
const clip = (text: string) => text.replace(/\s+/g, ' ').slice(0, 40);

/** The canonical id (INC-12) of the open incident `typed` names; refuses unknown and resolved ones. */
export async function requireOpenIncident(ctx: Pick<AppContext, 'services'>, typed: string): Promise<string> {
  const incidents = servicesOf(ctx).maybe('incidents');
  if (!incidents) throw new UsageError('`--fix` names an incident, but incidents are not enabled in this deployment.');
  const inc = await incidents.get(typed);
  const open = async () => (await incidents.openIncidents()).map((i) => i.id);
  if (!inc) throw new NotFoundError('incident', clip(typed), await open());
  if (inc.status === 'resolved') {
    const ids = await open();
    throw new InvalidStateError(`${inc.id} is resolved: \`--fix\` names an open incident.`, [
      ids.length ? `Open incidents: ${ids.join(', ')}` : 'No incident is open.',
    ]);
  }
  return inc.id;
}

const ITEM = /^(?:plan-)?(\d{1,9})$/i;

/**
 * `--plan PLAN-7[,PLAN-8]`: the items the run ships when it succeeds in production, recorded as
 * the run's `plan` parameter (what the plan capability reads). Returns the canonical ids.
 */
export async function linkPlanItems(ctx: Pick<AppContext, 'services'>, def: PipelineDef, typed: string): Promise<string> {
  if (Object.hasOwn(def.params, 'plan'))
    throw new UsageError(`${def.name} declares its own \`plan\` parameter: pass it with \`--param plan=…\`.`);
  const plan = servicesOf(ctx).maybe('plan');
  if (!plan) throw new UsageError('`--plan` links plan items, but planning is not enabled in this deployment.');
  const words = typed.split(/[\s,]+/).filter(Boolean);
  if (!words.length || words.length > 20)
    throw new UsageError('`--plan` takes one to 20 plan item ids, e.g. `--plan PLAN-7` or `--plan PLAN-7,PLAN-9`.');
  const ids: string[] = [];
  for (const word of words) {
    const m = ITEM.exec(word);
    if (!m) throw new UsageError(`\`${clip(word)}\` is not a plan item id; write it like PLAN-7.`);
    const item = await plan.get(`PLAN-${Number(m[1])}`);
    if (item.state === 'dropped') throw new InvalidStateError(`${item.id} was dropped; a run cannot ship it.`);
    if (!ids.includes(item.id)) ids.push(item.id);
  }
  return ids.join(',');
}
