import { z } from 'zod';
import { compact, defineAction } from '../../src/core/edges.js';

/**
 * The Run button of a runbook offered on an incident: declared here, where both surfaces that show
 * it meet (the runbooks offer and the incident's pinned summary); its handler is the runbooks
 * capability's (commands/runbooks/actions.ts).
 */
export const START = defineAction({
  id: 'runbook.start',
  value: compact({ name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/), incident: z.string().regex(/^INC-\d+$/) }),
});
