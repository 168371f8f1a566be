/**
 * @module What a contact is, in one import: the field table, the request schema and the
 * normalisation that JSON rows, CSV records and POST /v1/contacts share.
 */
export {
  CONTACT_FIELDS,
  type ContactIssue,
  type NormalizedContact,
  type NormalizeResult,
  type RowErrorCode,
} from './fields.ts';
export { nameFromEmail } from './names.ts';
export { isValidEmail, isValidPhone } from './values.ts';
export { normalizeContact } from './normalize.ts';
export { type ContactInput, ContactInputSchema } from './schema.ts';
