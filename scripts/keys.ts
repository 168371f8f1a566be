/** @module `npm run keys -- create|list|revoke`: API key administration. The plaintext key is printed once, at creation. */
import { parseArgs } from 'node:util';
import { generateApiKey, isScope } from '../shared/auth/api-keys.ts';
import { openRuntime } from './lib/runtime.ts';

const USAGE = `Usage:
  npm run keys -- create --workspace <name> --scopes write:contacts,read:contacts [--name <label>] [--expires-at <ISO 8601>] [--rate-limit <per-minute>] [--json]
  npm run keys -- list [--workspace <name>] [--json]
  npm run keys -- revoke <key id or display prefix> [--json]

Uses DATABASE_URL, or SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY, or else the embedded database of \`npm start\`.`;

class UsageError extends Error {}

interface KeyRow {
  id: string;
  workspace: string;
  name: string | null;
  prefix: string;
  scopes: string[];
  rate_limit_per_minute: number;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

function parseCreate(values: Record<string, string | boolean | undefined>) {
  const workspace = values.workspace;
  if (typeof workspace !== 'string' || !workspace.trim()) throw new UsageError('--workspace is required');
  const scopes = String(values.scopes ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) throw new UsageError('--scopes is required (comma-separated)');
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length) {
    throw new UsageError(`unknown scope(s): ${bad.join(', ')} (known: read:contacts, write:contacts, admin:webhooks)`);
  }
  let expiresAt: string | undefined;
  if (values['expires-at'] !== undefined) {
    const d = new Date(String(values['expires-at']));
    if (Number.isNaN(d.getTime())) throw new UsageError('--expires-at must be an ISO 8601 date-time');
    expiresAt = d.toISOString();
  }
  let rateLimit: number | undefined;
  if (values['rate-limit'] !== undefined) {
    rateLimit = Number(values['rate-limit']);
    if (!Number.isInteger(rateLimit) || rateLimit < 1 || rateLimit > 100000) {
      throw new UsageError('--rate-limit must be an integer from 1 to 100000');
    }
  }
  return {
    workspace: workspace.trim(),
    scopes: [...new Set(scopes)],
    expiresAt,
    rateLimit,
    name: values.name as string | undefined,
  };
}

function describe(k: KeyRow): string {
  const state = k.revoked_at ? 'revoked' : k.expires_at && new Date(k.expires_at) <= new Date() ? 'expired' : 'active';
  return `${k.prefix}…  ${k.id}  workspace=${k.workspace}  scopes=${
    k.scopes.join(',')
  }  rate=${k.rate_limit_per_minute}/min  ${state}${k.expires_at ? `  expires=${k.expires_at}` : ''}${
    k.last_used_at ? `  last_used=${k.last_used_at}` : ''
  }`;
}

type Values = ReturnType<typeof parseCommandLine>['values'];
type Runtime = Awaited<ReturnType<typeof openRuntime>>;
type Output = (human: string, json: unknown) => void;

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workspace: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      'expires-at': { type: 'string' },
      'rate-limit': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** Runs `work` against the configured database, closing it whatever happens. */
async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(process.env);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

function create(values: Values, out: Output): Promise<number> {
  const opts = parseCreate(values);
  return withRuntime(async (runtime) => {
    const key = await generateApiKey();
    const row = await runtime.db.rpc<KeyRow>('api_key_create', {
      p_workspace_name: opts.workspace,
      p_name: opts.name ?? null,
      p_key_hash: key.hash,
      p_prefix: key.prefix,
      p_scopes: opts.scopes,
      p_expires_at: opts.expiresAt ?? null,
      p_rate_limit_per_minute: opts.rateLimit ?? null,
    });
    out(`${key.plaintext}\n\nCreated ${describe(row)}\nStore the key now: it is not shown again.`, {
      key: key.plaintext,
      ...row,
    });
    return 0;
  });
}

function list(values: Values, out: Output): Promise<number> {
  return withRuntime(async (runtime) => {
    const rows = await runtime.db.rpc<KeyRow[]>('api_key_list', { p_workspace_name: values.workspace ?? null });
    out(rows.length ? rows.map(describe).join('\n') : 'No keys.', rows);
    return 0;
  });
}

function revoke(args: string[], out: Output): Promise<number> {
  if (args.length !== 1) throw new UsageError('revoke takes exactly one key id or display prefix');
  const ref = args[0];
  return withRuntime(async (runtime) => {
    const res = await runtime.db.rpc<{ status: string; matches?: number; key?: KeyRow }>('api_key_revoke', {
      p_key_ref: ref,
    });
    if (res.status !== 'revoked') {
      out(
        res.status === 'ambiguous' ? `${res.matches} keys match "${ref}"; use the key id.` : `No key matches "${ref}".`,
        res,
      );
      return 1;
    }
    out(`Revoked ${describe(res.key!)}`, res.key);
    return 0;
  });
}

function main(argv: string[]): number | Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const out: Output = (human, json) => console.log(values.json ? JSON.stringify(json, null, 2) : human);
  if (command === 'create') return create(values, out);
  if (command === 'list') return list(values, out);
  if (command === 'revoke') return revoke(rest, out);
  throw new UsageError(`unknown command "${command}"`);
}

// main runs inside then() so that a usage error it throws synchronously reaches the same handler as a failed command.
Promise.resolve(process.argv.slice(2)).then(main).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError || (err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  },
);
