import { randomBytes } from 'node:crypto';

/** A secret as the tools issue them: 32 hex characters. */
export const secret = (): string => randomBytes(16).toString('hex');
