/** @module Structured JSON logs: one line per event, carrying the request id and never a secret. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

const SECRET_FIELD = /(authorization|api[-_]?key|secret|token|password|signature|body|payload|csv|rows)/i;

/** Drops fields whose names suggest secrets or payloads, so a careless call site cannot leak them. */
export function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_FIELD.test(k) ? '[redacted]' : v;
  return out;
}

export function createJsonLogger(
  write: (line: string) => void = (l) => console.log(l),
  minLevel: LogLevel = 'info',
): Logger {
  const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
  return {
    log(level, msg, fields = {}) {
      if (order[level] < order[minLevel]) return;
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...redact(fields) }));
    },
  };
}

export const silentLogger: Logger = { log() {} };
