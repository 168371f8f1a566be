/**
 * @module What the command shows while it works: on a terminal, a bar of rows processed out of
 * the total with rate and ETA, redrawn in place; elsewhere (a pipe, a log file, CI), one line per
 * part event and nothing that needs a cursor.
 */

export interface Output {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class Progress {
  private readonly started = Date.now();
  /** Rows of the parts already finished, plus the running part's processed rows. */
  private doneBefore = 0;
  private current = 0;
  private partLabel = '';
  private lastDraw = 0;
  private barShown = false;

  constructor(
    private readonly out: Output,
    private readonly totalRows: number,
  ) {}

  get processed(): number {
    return this.doneBefore + this.current;
  }

  elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  /** A line of its own: above the bar on a terminal, the whole story elsewhere. */
  line(text: string): void {
    if (this.out.isTTY && this.barShown) this.out.write('\r\x1b[2K');
    this.out.write(text + '\n');
    this.barShown = false;
    this.draw(true);
  }

  part(label: string): void {
    this.partLabel = label;
    this.current = 0;
  }

  update(processedInPart: number): void {
    this.current = processedInPart;
    this.draw(false);
  }

  partDone(rows: number): void {
    this.doneBefore += rows;
    this.current = 0;
    this.draw(true);
  }

  /** Removes the bar before the summary. */
  finish(): void {
    if (this.out.isTTY && this.barShown) this.out.write('\r\x1b[2K');
    this.barShown = false;
  }

  render(): string {
    const total = Math.max(this.totalRows, 1);
    const done = Math.min(this.processed, total);
    const filled = Math.round((done / total) * BAR_WIDTH);
    const elapsed = this.elapsedSeconds();
    const rate = elapsed > 0 ? this.processed / elapsed : 0;
    const eta = rate > 0 ? (this.totalRows - done) / rate : Infinity;
    const pct = ((done / total) * 100).toFixed(1).padStart(5);
    const text = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${pct}%  ${fmt(done)}/${
      fmt(this.totalRows)
    } rows  ${fmt(rate)} rows/s  ETA ${clock(eta)}  ${this.partLabel}`;
    return this.out.columns ? text.slice(0, this.out.columns - 1) : text;
  }

  private draw(force: boolean): void {
    if (!this.out.isTTY) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.out.write(`\r\x1b[2K${this.render()}`);
    this.barShown = true;
  }
}
