/** A scanner's report could not be read or is not in the format it was configured with. */
export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

export function parseJson(text: string, format: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ReportError(`not ${format}: invalid JSON (${(err as Error).message.split('\n')[0]})`);
  }
}
