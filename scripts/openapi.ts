/** @module `npm run openapi`: prints the published OpenAPI document (what GET /v1/openapi.json serves), for linters and generators. */
import { publishedDocument } from './lib/openapi-document.ts';

process.stdout.write(`${JSON.stringify(await publishedDocument(), null, 2)}\n`);
