/** @module What a file's bytes cost once they sit inside a JSON string (`{"csv": "…"}`), so a part's encoded request size is known without building it. */

/**
 * Encoded bytes per input byte of valid UTF-8 inside a JSON string, as JSON.stringify writes it:
 * `"` and `\` and the five short escapes take 2, other control characters 6 (`\u00XX`),
 * everything else (multi-byte characters included, byte for byte) 1.
 */
export const JSON_STRING_COST: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(1);
  for (let b = 0; b < 0x20; b++) t[b] = 6;
  for (const b of [0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x22, 0x5c]) t[b] = 2;
  return t;
})();
