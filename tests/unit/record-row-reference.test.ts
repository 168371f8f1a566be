/**
 * @module Holds recordToRow to the version before the worker-cpu change (tests/unit/reference):
 * email and phone values kept in a list instead of a Map a row must build the same object, keys
 * in the same order, for any record and mapping.
 */
import { describe, expect, it } from 'vitest';
import { COMPOSITE_NAME, COMPOSITE_ORG } from '../../shared/imports/header-synonyms.ts';
import { recordToRow } from '../../shared/imports/record-row.ts';
import { recordToRow as recordToRowBefore } from './oracles/record-row.ts';
import { int, pick, seeded } from '../support/random-text.ts';

const TARGETS = [
  'full_name',
  'first_name',
  'last_name',
  'email',
  'email',
  'phone',
  'phone',
  'company',
  'tags',
  COMPOSITE_NAME,
  COMPOSITE_ORG,
  'custom_fields.note',
  'custom_fields.__proto__',
  'custom_fields.other_emails',
];

const CELLS = [
  '',
  '  ',
  'anna@example.com',
  'ANNA@example.com',
  'not an email',
  'anna@example.com ::: bob@example.com',
  ' ::: ',
  'a@x.io:::b@x.io:::a@x.io',
  '+49 151 23456789',
  '0151 23456789 ::: +49 151 23456789',
  '12',
  'Ørsted;Zoë;;Dr.',
  'Acme\\; Inc;Sales;',
  'vip, "Newsletter","a ""b"""; * starred',
  '王小明',
];

describe('recordToRow against the version before', () => {
  it('builds the same object, key for key and in the same order, for 5,000 random records and mappings', () => {
    for (let seed = 1; seed <= 5000; seed++) {
      const rnd = seeded(seed);
      const width = 1 + int(rnd, 6);
      const columns = new Map<number, string>();
      for (let i = 0; i < width; i++) if (rnd() < 0.85) columns.set(i, pick(rnd, TARGETS));
      const fields = Array.from({ length: width - int(rnd, 1) }, () => pick(rnd, CELLS));
      const mapping = { columns };
      expect(JSON.stringify(recordToRow(fields, mapping)), `seed ${seed}`).toBe(
        JSON.stringify(recordToRowBefore(fields, mapping)),
      );
      expect(recordToRow(fields, mapping), `seed ${seed}`).toEqual(recordToRowBefore(fields, mapping));
    }
  });
});
