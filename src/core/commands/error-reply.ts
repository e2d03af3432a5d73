import type { AuditOutcome } from '../audit.js';
import { ForbiddenError, isSwitchyardError, type ErrorCode } from '../errors.js';
import type { Logger } from '../ports/runtime.js';
import type { Reply } from './spec.js';

/**
 * The one error middleware: any error thrown by a handler becomes one ephemeral message.
 * Coded errors show their message and hints; anything else is logged and shown as a reference
 * id only, since unknown errors may carry internals (or secrets) in their text.
 */
const ICON: Record<ErrorCode, string> = {
  usage: ':grey_question:',
  forbidden: ':no_entry:',
  not_found: ':mag:',
  conflict: ':warning:',
  invalid_state: ':warning:',
  upstream: ':electric_plug:',
  config: ':gear:',
  internal: ':boom:',
};

/** `rule` is set for a refusal: what refused it (`role:planner`), for the audit entry. */
export function errorReply(err: unknown, requestId: string, log: Logger): { reply: Reply; outcome: AuditOutcome; rule?: string } {
  if (isSwitchyardError(err)) {
    const text = [`${ICON[err.code]} ${err.message}`, ...err.hints].join('\n');
    return {
      reply: { text, visibility: 'ephemeral' },
      outcome: outcomeOf(err.code),
      ...(err instanceof ForbiddenError ? { rule: err.rule } : {}),
    };
  }
  log.error(
    { requestId, err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) },
    'unexpected error in handler',
  );
  return {
    reply: {
      text:
        `${ICON.internal} Something went wrong on our side (reference \`${requestId}\`).` +
        ' Nothing was changed by this answer; an operator can find the details in the logs.',
      visibility: 'ephemeral',
    },
    outcome: 'error',
  };
}

function outcomeOf(code: ErrorCode): AuditOutcome {
  switch (code) {
    case 'usage':
      return 'usage';
    case 'forbidden':
      return 'refused';
    case 'not_found':
      return 'not_found';
    case 'conflict':
    case 'invalid_state':
      return 'conflict';
    default:
      return 'error';
  }
}
