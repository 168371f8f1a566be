/** @module The data port: the one way the gateway and worker reach Postgres, as named SQL functions. */

/** Named arguments of a SQL function; objects, arrays and `JsonText` (json-text.ts) travel as jsonb. */
export type RpcArgs = Record<string, unknown>;

export interface DataPort {
  /** Calls `public.<name>(arg => value, ...)` and returns its (jsonb) result. */
  rpc<T = unknown>(name: string, args?: RpcArgs): Promise<T>;
  /** Releases connections; the port is unusable afterwards. */
  close(): Promise<void>;
}

/** Why a database call failed, without SQL text: the gateway maps `unavailable` to 503, the rest to 500. */
export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly sqlState: string | undefined,
    readonly unavailable: boolean,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Function and argument names are interpolated into SQL by the postgres adapter, so only plain identifiers pass. */
export function assertIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

/**
 * SQLSTATEs that mean "the database is not there right now" rather than "the call is wrong":
 * connection failures, resource exhaustion, shutdown, and a statement cancelled by a timeout
 * (the server's statement_timeout or a deadline's cancel: the database is too slow to serve now).
 */
export function isUnavailableState(sqlState: string | undefined): boolean {
  if (!sqlState) return false;
  return sqlState.startsWith('08') || sqlState.startsWith('53') || sqlState.startsWith('57P') || sqlState === '57014';
}
