/** @module The published OpenAPI document passes the tools people feed it to: Redocly's recommended rules (redocly.yaml) and swagger-parser's validation. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedDocument } from '../../scripts/lib/openapi-document.ts';
import { ROOT, run } from '../support/processes.ts';

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadlex-openapi-'));
  file = join(dir, 'openapi.json');
  await writeFile(file, JSON.stringify(await publishedDocument(), null, 2));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Redocly CLI phones home unless told not to; this machine may only talk to itself. */
const QUIET_REDOCLY = { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };

describe('the published OpenAPI document', () => {
  it('passes redocly lint with the recommended rules: no error, no warning', async () => {
    const lint = await run(
      join(ROOT, 'node_modules/.bin/redocly'),
      ['lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'stylish'],
      QUIET_REDOCLY,
      120_000,
    );
    const output = `${lint.stdout}\n${lint.stderr}`;
    console.log(`redocly lint:\n${output.replace(/^.*[║╔╚].*$\n?/gm, '').trim()}`);
    expect(output).not.toMatch(/\b(error|warning)\b\s+\S/);
    expect(output).toContain('Your API description is valid');
    expect(lint.code).toBe(0);
  }, 180_000);

  it('passes swagger-parser validate (every $ref resolves, the schema is OpenAPI 3.1)', async () => {
    const api = (await SwaggerParser.validate(file)) as { openapi: string };
    expect(api.openapi).toBe('3.1.0');
  }, 60_000);
});
