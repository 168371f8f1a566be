/** @module keysDistinct: when a prepared batch may be tried as a whole insert (no two rows share an email or phone key). */
import { describe, expect, it } from 'vitest';
import { keysDistinct, prepareJsonRows } from '../../shared/imports/prepare-rows.ts';

/** Rows as the import paths prepare them; every one must be valid, or the case would test nothing. */
function prepared(rows: Record<string, unknown>[]) {
  const out = prepareJsonRows(rows, 1, { now: new Date('2026-01-01T00:00:00Z'), tags: [], updateExisting: false });
  expect(out.errors).toEqual([]);
  return out.rows;
}

describe('keysDistinct', () => {
  it('is true when every email and phone differs, and for rows without keys', () => {
    expect(keysDistinct(prepared([{ email: 'a@x.com', phone: '+14155550101' }, { email: 'b@x.com' }]))).toBe(true);
    expect(keysDistinct(prepared([{ full_name: 'Same Name' }, { full_name: 'Same Name' }]))).toBe(true);
    expect(keysDistinct([])).toBe(true);
  });

  it('is false for an email repeated in other letter case, as the unique key compares it', () => {
    expect(keysDistinct(prepared([{ email: 'a@x.com' }, { email: ' A@X.com ' }]))).toBe(false);
  });

  it('is false for a phone repeated in another spelling of the same number', () => {
    expect(
      keysDistinct(
        prepared([{ full_name: 'A', phone: '+1 415 555 0101' }, { email: 'b@x.com', phone: '+1 (415) 555-0101' }]),
      ),
    )
      .toBe(false);
  });
});
