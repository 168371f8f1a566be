/** @module Holds a response to the published OpenAPI document: its status, headers and body must be what GET /v1/openapi.json says that operation answers. */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { BASE_PATHS, canonicalPath } from '../../shared/http/paths.ts';
import { publishedDocument } from '../../scripts/lib/openapi-document.ts';
import type { ParsedJson } from './parsed-json.ts';

export interface ObservedResponse {
  method: string;
  /** As requested: any base path, with or without a query string. */
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

type Json = Record<string, ParsedJson>;

/** Transport headers a server or runtime adds on its own; every other response header must be documented. */
const TRANSPORT_HEADERS =
  /^(content-type|content-length|content-encoding|transfer-encoding|date|connection|keep-alive|vary|etag|cache-control|access-control-.*)$/i;

interface Checker {
  doc: Json;
  ajv: Ajv2020;
  operations: { method: string; template: string; pattern: RegExp }[];
  compiled: Map<string, ValidateFunction>;
}

let checker: Promise<Checker> | undefined;

async function load(): Promise<Checker> {
  const doc = await publishedDocument();
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema(doc, 'openapi.json');
  const operations = Object.entries(doc.paths as Json).flatMap(([template, item]) =>
    Object.keys(item as Json).map((method) => ({
      method,
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }))
  );
  return { doc, ajv, operations, compiled: new Map() };
}

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

function deref(doc: Json, node: Json): Json {
  if (typeof node?.$ref !== 'string') return node;
  return node.$ref
    .slice(2)
    .split('/')
    .map((p: string) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((n: Json, key: string) => n[key], doc);
}

function validator(c: Checker, ref: string): ValidateFunction {
  let v = c.compiled.get(ref);
  if (!v) {
    v = c.ajv.compile({ $ref: `openapi.json#${ref}` });
    c.compiled.set(ref, v);
  }
  return v;
}

/** Throws, naming every difference, when the response is not one the document allows. */
export async function assertConformsToDocument(res: ObservedResponse): Promise<void> {
  const c = await (checker ??= load());
  const pathname = new URL(res.url, 'http://x').pathname;
  // A base path alone (`/api-gateway`, with or without `/`) is the service index, documented as `/`.
  const path = (BASE_PATHS as readonly string[]).includes(pathname.replace(/\/$/, '')) ? '/' : canonicalPath(pathname);
  const method = res.method.toLowerCase();
  // CORS preflights are the browser's, not API operations; the document leaves them out.
  if (method === 'options') return;
  const op = c.operations.find((o) => o.method === method && o.pattern.test(path));
  // A route the document does not have must be the contract's 404 (or the HEAD of a GET).
  const responsesAt = op ? pointer('', 'paths', op.template, op.method, 'responses') : undefined;
  const responses: Json = op ? (c.doc.paths[op.template][op.method].responses as Json) : {};
  const key = [String(res.status), `${String(res.status)[0]}XX`, 'default'].find((k) => k in responses);
  const where = `${res.method} ${res.url} → ${res.status}`;
  const problems: string[] = [];
  if (!op) {
    if (res.status !== 404) problems.push('the document has no such operation, so only the 404 envelope is allowed');
    checkBody(c, '/components/schemas/Error', res, problems);
  } else if (!key) {
    problems.push(
      `status ${res.status} is not documented for ${op.method.toUpperCase()} ${op.template} (documented: ${
        Object.keys(responses).join(', ')
      })`,
    );
  } else {
    const response = deref(c.doc, responses[key]);
    checkHeaders(c, response, res, problems);
    checkContent(c, `${responsesAt}/${key}`, response, res, problems);
  }
  if (problems.length) {
    throw new Error(
      `Response does not match the OpenAPI document: ${where}\n- ${problems.join('\n- ')}\nbody: ${
        res.text.slice(0, 500)
      }`,
    );
  }
}

function checkHeaders(c: Checker, response: Json, res: ObservedResponse, problems: string[]) {
  const documented = new Map(
    Object.entries((response.headers ?? {}) as Json).map(([name, h]) => [name.toLowerCase(), deref(c.doc, h)]),
  );
  for (const [name, header] of documented) {
    const value = res.headers.get(name);
    if (value === null) {
      if (header.required) problems.push(`required header ${name} is missing`);
      continue;
    }
    const check = c.ajv.compile(header.schema ?? {});
    if (!check(value)) problems.push(`header ${name}: ${JSON.stringify(value)} ${c.ajv.errorsText(check.errors)}`);
  }
  res.headers.forEach((_, name) => {
    if (!TRANSPORT_HEADERS.test(name) && !documented.has(name.toLowerCase())) {
      problems.push(`header ${name} is not documented for this response`);
    }
  });
}

function checkContent(c: Checker, at: string, response: Json, res: ObservedResponse, problems: string[]) {
  const content = (response.content ?? {}) as Json;
  const types = Object.keys(content);
  if (types.length === 0) {
    if (res.text !== '') problems.push('the document says this response has no body');
    return;
  }
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!types.includes(mediaType)) {
    problems.push(`content type ${JSON.stringify(mediaType)} is not documented (documented: ${types.join(', ')})`);
    return;
  }
  checkBody(c, `${at}/content/${pointer(mediaType)}/schema`, res, problems, mediaType !== 'application/json');
}

function checkBody(c: Checker, schemaRef: string, res: ObservedResponse, problems: string[], asText = false) {
  let body: unknown = res.text;
  if (!asText) {
    try {
      body = JSON.parse(res.text);
    } catch {
      problems.push('the body is not JSON');
      return;
    }
  }
  const check = validator(c, schemaRef);
  if (!check(body)) problems.push(`body: ${c.ajv.errorsText(check.errors, { dataVar: 'body' })}`);
}
