/**
 * @module Finds the next character that matters in a long text without a charCodeAt loop: the
 * request parsers of a 20 MB body spent most of their CPU reading ordinary characters one by one,
 * where String#indexOf (a native memchr-like scan) and a regex search read them many times faster.
 */

/**
 * The next index of a string at or after a position, remembered until the reader passes it. A
 * reader asks at positions that never go back, so each stretch of the text is searched once
 * however often it asks (once per short JSON string, say).
 */
export class NextIndex {
  private at = -1;

  constructor(private readonly text: string, private readonly search: string) {}

  /** The first index >= `i` where the string occurs, or Infinity; `i` must not be less than an earlier `i`. */
  from(i: number): number {
    if (this.at < i) {
      const found = this.text.indexOf(this.search, i);
      this.at = found < 0 ? Infinity : found;
    }
    return this.at;
  }
}

/** Characters one regex search reads at most: searching a 20 MB text at once would hold the event loop. */
const MATCH_WINDOW = 1 << 18;

/**
 * Like NextIndex, for a one-character class (a global RegExp such as /[\x00-\x1f]/g), searched a
 * window at a time: `from` gives the next match, or the end of the window searched when there is
 * none in it, where the reader has to ask again.
 */
export class NextMatch {
  private at = -1;

  constructor(
    private readonly text: string,
    private readonly pattern: RegExp,
    private readonly window = MATCH_WINDOW,
  ) {}

  /** The first index >= `i` that matches, or the end of the window searched (a non-match there); `i` never goes back. */
  from(i: number): number {
    if (this.at < i) {
      const t = this.text;
      const limit = Math.min(t.length, i + this.window);
      // A slice from 0 is a view of the text (no copy) whose indices are the text's own.
      const view = limit === t.length ? t : t.slice(0, limit);
      this.pattern.lastIndex = i;
      this.at = this.pattern.test(view) ? this.pattern.lastIndex - 1 : limit;
    }
    return this.at;
  }
}

/**
 * A text, or the parts it is the concatenation of: a long request body is decoded a part at a time
 * and read part by part, never joined (a 20 MB string is one more copy, on fresh pages).
 */
export type PartedText = string | readonly string[];

export function partsOf(text: PartedText): readonly string[] {
  return typeof text === 'string' ? [text] : text;
}

export function lengthOf(text: PartedText): number {
  if (typeof text === 'string') return text.length;
  let length = 0;
  for (const part of text) length += part.length;
  return length;
}

/** The text as one string: for short texts only. */
export function joined(text: PartedText): string {
  return typeof text === 'string' ? text : text.join('');
}
