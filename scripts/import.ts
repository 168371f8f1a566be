/** @module `leadlex-import` (bin/leadlex-import.js, `npm run import -- …`): imports a CSV or JSON file of any size through the public API. */
import { parseCli, USAGE, UsageError } from './lib/import-cli/args.ts';
import { EXIT, runImport } from './lib/import-cli/run.ts';

const stdout = {
  write: (t: string) => void process.stdout.write(t),
  isTTY: Boolean(process.stdout.isTTY),
  columns: process.stdout.columns,
};
const stderr = { write: (t: string) => void process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY) };

async function main(): Promise<number> {
  const controller = new AbortController();
  // The first Ctrl-C stops waiting and explains how to follow the queued job; a second one exits at once.
  process.once('SIGINT', () => {
    controller.abort();
    process.once('SIGINT', () => process.exit(EXIT.interrupted));
  });
  try {
    const options = parseCli(process.argv.slice(2), process.env);
    if (options === 'help') {
      stdout.write(USAGE + '\n');
      return EXIT.ok;
    }
    return await runImport(options, stdout, stderr, controller.signal);
  } catch (e) {
    if (e instanceof UsageError) {
      stderr.write(`leadlex-import: ${e.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

process.exitCode = await main();
