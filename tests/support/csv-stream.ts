/** @module The worker's CSV stream one record at a time, as tests read it (the product hands out a chunk's records together). */
import { type PositionedCsvRecord, streamCsvBatchesFrom } from '../../shared/imports/csv.ts';

export async function* streamCsvFrom(
  ...args: Parameters<typeof streamCsvBatchesFrom>
): AsyncGenerator<PositionedCsvRecord> {
  for await (const batch of streamCsvBatchesFrom(...args)) yield* batch;
}
