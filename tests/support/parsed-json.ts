/** @module The one loose type in the tests: parsed JSON that a test walks by property and asserts on itself. */

/**
 * An API answer or a document as JSON.parse returns it, read without narrowing
 * (`res.json.data.job_id`, `doc.paths[path][method]`). Its shape is exactly what the test asserts
 * (and, for answers, what the OpenAPI conformance check validates), so a static type would only
 * repeat the assertion, and `unknown` would bury every assertion under casts.
 */
// deno-lint-ignore no-explicit-any
export type ParsedJson = any;
