/** @module The command line of leadlex-import: flags and environment turned into checked options, or a usage error (exit code 2). */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';

/** The gateway's request-body limit (20 × 1024 × 1024 bytes): every part's JSON body stays at or under it. */
export const REQUEST_LIMIT = 20 * 1024 * 1024;

export type InputFormat = 'csv' | 'json';

export interface CliOptions {
  file: string;
  format: InputFormat;
  baseUrl: string;
  key: string;
  mapping?: Record<string, string>;
  updateExisting: boolean;
  tags?: string[];
  delimiter?: ',' | ';' | '\t' | '|';
  hasHeader: boolean;
  maxPartBytes: number;
}

export class UsageError extends Error {}

export const USAGE = `Usage: leadlex-import <file.csv|file.json|file.ndjson> [options]

Imports contacts through the LeadLex API. Files over the 20 MB request limit are sent in parts;
running the same command again after an interruption imports nothing twice.

Options:
  --url <base URL>         API base URL (or LEADLEX_API_URL), e.g. http://127.0.0.1:8000
  --key <wbk_…>            API key with write:contacts (or LEADLEX_API_KEY)
  --mapping <json|file>    CSV column → contact field, e.g. '{"E-Mail":"email"}'
  --update-existing        update contacts matched by email or phone instead of skipping them
  --tags a,b               tags for every created or updated contact
  --delimiter <c>          CSV delimiter: , ; | or tab (detected from the first line by default)
  --no-header              the CSV has no header line (mapping keys are column numbers "1", "2", …)
  --max-part-bytes <n>     smaller parts than the request limit (at most ${REQUEST_LIMIT})
  -h, --help               this text

Exit codes: 0 all rows imported or skipped as duplicates, 1 some rows had errors (see
<file>.errors.csv), 2 usage error, 3 the API refused or could not be reached, 130 interrupted.`;

const DELIMITERS: Record<string, CliOptions['delimiter']> = {
  ',': ',',
  ';': ';',
  '|': '|',
  '\t': '\t',
  tab: '\t',
  '\\t': '\t',
};

function parseMapping(value: string): Record<string, string> {
  let text = value;
  if (!value.trimStart().startsWith('{')) {
    try {
      text = readFileSync(value, 'utf8');
    } catch {
      throw new UsageError(`--mapping: "${value}" is neither a JSON object nor a readable file`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError('--mapping is not valid JSON');
  }
  if (
    !parsed || typeof parsed !== 'object' || Array.isArray(parsed) ||
    Object.values(parsed).some((v) => typeof v !== 'string')
  ) {
    throw new UsageError('--mapping must be a JSON object of column → field name strings');
  }
  return parsed as Record<string, string>;
}

function detectFormat(file: string): InputFormat {
  return ['.json', '.ndjson', '.jsonl'].includes(extname(file).toLowerCase()) ? 'json' : 'csv';
}

function baseUrl(value: string | undefined): string {
  if (!value) throw new UsageError('no API URL: pass --url or set LEADLEX_API_URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--url must be http or https');
  return url.toString().replace(/\/+$/, '');
}

export function parseCli(argv: string[], env: Record<string, string | undefined>): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        mapping: { type: 'string' },
        'update-existing': { type: 'boolean' },
        tags: { type: 'string' },
        delimiter: { type: 'string' },
        'no-header': { type: 'boolean' },
        'max-part-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give exactly one file' : 'no file given');
  const file = positionals[0];
  const format = detectFormat(file);
  const key = v.key ?? env.LEADLEX_API_KEY;
  if (!key) throw new UsageError('no API key: pass --key or set LEADLEX_API_KEY');
  if (format === 'json' && (v.mapping !== undefined || v.delimiter !== undefined || v['no-header'])) {
    throw new UsageError('--mapping, --delimiter and --no-header apply to CSV files only');
  }
  const delimiter = v.delimiter === undefined ? undefined : DELIMITERS[v.delimiter];
  if (v.delimiter !== undefined && !delimiter) throw new UsageError('--delimiter must be one of , ; | tab');
  const tags = v.tags?.split(',').map((t) => t.trim()).filter(Boolean);
  const maxPartBytes = v['max-part-bytes'] === undefined ? REQUEST_LIMIT : Number(v['max-part-bytes']);
  if (!Number.isInteger(maxPartBytes) || maxPartBytes < 1024 || maxPartBytes > REQUEST_LIMIT) {
    throw new UsageError(`--max-part-bytes must be a whole number from 1024 to ${REQUEST_LIMIT}`);
  }
  return {
    file,
    format,
    baseUrl: baseUrl(v.url ?? env.LEADLEX_API_URL),
    key,
    mapping: v.mapping === undefined ? undefined : parseMapping(v.mapping),
    updateExisting: v['update-existing'] ?? false,
    tags: tags?.length ? tags : undefined,
    delimiter,
    hasHeader: !v['no-header'],
    maxPartBytes,
  };
}
