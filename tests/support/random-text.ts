/** @module Seeded random CSV-ish text for the differential tests: awkward on purpose (quotes in every position, mixed line endings, blank and whitespace-only lines, Excel guards, multi-byte and split surrogate pairs), and the same on every run. */
import { rng } from './random.ts';

/** The project's seeded generator (mulberry32, tests/support/random.ts): a failing case replays from its seed. */
export function seeded(seed: number): () => number {
  return rng(seed).next;
}

export type Random = () => number;

export const pick = <T>(rnd: Random, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

export const int = (rnd: Random, max: number): number => Math.floor(rnd() * (max + 1));

/** Pieces of raw text, joined at random: whatever a careless export (or an attacker) might hold. */
const TOKENS = [
  'a',
  'bc',
  'Zoë',
  '王小明',
  '🙂',
  ' ',
  '\t',
  ',',
  ';',
  '|',
  '"',
  '""',
  '\r\n',
  '\n',
  '\r',
  '\r\n\r\n',
  ' \r\n',
  '="007"',
  '=""x""',
  'email',
  'Email',
  '5\'10"',
  'x"y',
  ',,',
  '\u2028',
  '\uFEFF',
];

export function tokenText(rnd: Random, maxTokens: number): string {
  let out = '';
  for (let n = int(rnd, maxTokens); n > 0; n--) out += pick(rnd, TOKENS);
  return out;
}

const CELLS = [
  '',
  ' ',
  'Anna',
  'anna@example.com',
  '+49 151 23456789',
  'Zoë Ørsted',
  '王小明',
  '🙂 smile',
  '="00420"',
  '  padded  ',
];
const ENDINGS = ['\r\n', '\n', '\r'];

/** A cell that needs quoting (a delimiter, a quote, a line break inside), quoted as a spreadsheet writes it. */
function quotedCell(rnd: Random, delimiter: string): string {
  const inner = [pick(rnd, CELLS), pick(rnd, [delimiter, '"', '\r\n', '\n', '']), pick(rnd, CELLS)].join('');
  return `"${inner.replace(/"/g, '""')}"`;
}

/**
 * Records of cells, mostly well formed: quoted cells with delimiters, quotes and line breaks
 * inside, ragged rows, blank and whitespace-only lines, mixed line endings, and now and then a
 * flaw (a quote left open, text after a closing quote, a stray quote inside a plain cell).
 */
export function recordText(rnd: Random, delimiter: string, maxRecords: number): string {
  const records: string[] = [];
  const width = 1 + int(rnd, 4);
  for (let r = int(rnd, maxRecords); r > 0; r--) {
    const roll = rnd();
    if (roll < 0.06) {
      records.push(pick(rnd, ['', ' ', '\t', delimiter.repeat(width - 1), '"",""']));
      continue;
    }
    const cells: string[] = [];
    for (let c = width + (rnd() < 0.1 ? int(rnd, 2) - 1 : 0); c > 0; c--) {
      const kind = rnd();
      if (kind < 0.25) cells.push(quotedCell(rnd, delimiter));
      else if (kind < 0.27) cells.push(`"${pick(rnd, CELLS)}"${pick(rnd, ['x', ' ', '"'])}`);
      else if (kind < 0.29) cells.push(`${pick(rnd, CELLS)}"${pick(rnd, CELLS)}`);
      else cells.push(pick(rnd, CELLS).replace(/[",;|\t\r\n]/g, ''));
    }
    records.push(cells.join(delimiter));
  }
  let text = '';
  for (const rec of records) text += rec + pick(rnd, ENDINGS);
  if (rnd() < 0.05) text += `"${pick(rnd, CELLS)}${pick(rnd, ENDINGS)}${pick(rnd, CELLS)}`;
  else if (rnd() < 0.3) text = text.slice(0, text.length - 1 - int(rnd, 1));
  return text;
}

/** `text` cut into pieces of random lengths (1 to `max` UTF-16 units, a surrogate pair possibly split), as payload slices or request slices arrive. */
export function randomPieces(rnd: Random, text: string, max: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    const n = 1 + int(rnd, max - 1);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}
