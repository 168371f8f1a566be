/** @module The import command from plan to summary: each part sent in turn, its job followed to the end, its errors reported, the totals added up. */
import { type ApiClient, ApiRefused, createApiClient, Interrupted } from './api.ts';
import type { CliOptions } from './args.ts';
import { type Accepted, followJob, jobErrors, type JobResult, sendPart } from './job.ts';
import { partRequest } from './parts.ts';
import { type Part, type Plan, planFile } from './plan.ts';
import { fmt, type Output, Progress } from './progress.ts';
import { ErrorReport } from './report.ts';

export const EXIT = { ok: 0, rowErrors: 1, usage: 2, refused: 3, interrupted: 130 } as const;

interface Totals {
  created: number;
  updated: number;
  skipped: number;
  errors: number;
}

interface RunState {
  /** The queued job of the part being followed, so Ctrl-C can say where to watch it. */
  runningJob: { id: string; part: Part } | null;
  nextPart: number;
}

async function importPart(
  api: ApiClient,
  o: CliOptions,
  plan: Plan,
  part: Part,
  ctx: { progress: Progress; report: ErrorReport; state: RunState; signal: AbortSignal },
): Promise<JobResult> {
  const n = plan.parts.length;
  const label = `part ${part.index + 1}/${n}`;
  ctx.progress.part(label);
  const req = await partRequest(o.file, plan, part);
  const accepted: Accepted = await sendPart(api, req.body, req.idempotencyKey);
  const how = accepted.replayed ? 'already sent earlier, replayed' : accepted.status;
  ctx.progress.line(
    `${label}: ${fmt(part.rows)} rows from line ${part.firstLine}: accepted as ${accepted.job_id} (${how})`,
  );
  let job: JobResult;
  if (accepted.sync) job = accepted.sync;
  else {
    ctx.state.runningJob = { id: accepted.job_id, part };
    job = await followJob(api, accepted.job_id, ctx.signal, (processed) => ctx.progress.update(processed));
    ctx.state.runningJob = null;
  }
  const errors = accepted.sync ? accepted.sync.errors : job.error_count > 0 ? await jobErrors(api, job.job_id) : [];
  await ctx.report.add(part, req, errors);
  ctx.progress.partDone(part.rows);
  const counts = `${fmt(job.created_count)} created, ${fmt(job.updated_count)} updated, ${
    fmt(job.skipped_count)
  } skipped, ${fmt(job.error_count)} with errors`;
  ctx.progress.line(`${label}: ${job.status}: ${counts}${job.failure_reason ? ` (${job.failure_reason})` : ''}`);
  if (job.total_rows !== part.rows && job.status === 'completed') {
    ctx.progress.line(
      `warning: the server counted ${fmt(job.total_rows)} rows in ${label}, this command ${
        fmt(part.rows)
      }: row numbers after it may be off`,
    );
  }
  return job;
}

function interruptedMessage(api: ApiClient, plan: Plan, state: RunState): string {
  const lines = ['', 'Interrupted.'];
  if (state.runningJob) {
    const { id, part } = state.runningJob;
    lines.push(`Job ${id} (part ${part.index + 1}/${plan.parts.length}) keeps running on the server. Follow it with:`);
    lines.push(`  curl -H "Authorization: Bearer $LEADLEX_API_KEY" ${api.baseUrl}/v1/import/jobs/${id}`);
  }
  const unsent = plan.parts.length - state.nextPart;
  if (unsent > 0) lines.push(`${unsent} part(s) not sent yet.`);
  lines.push(
    'Run the same command again to finish: parts already sent are replayed from their Idempotency-Key, never imported twice.',
  );
  return lines.join('\n') + '\n';
}

export async function runImport(o: CliOptions, out: Output, err: Output, signal: AbortSignal): Promise<number> {
  const plan = await planFile(o);
  const api = createApiClient(
    o.baseUrl,
    o.key,
    signal,
    (why, s) => progress.line(`waiting ${s} s before retrying (${why})`),
  );
  const progress = new Progress(out, plan.totalRows);
  const report = new ErrorReport(o.file, plan);
  const state: RunState = { runningJob: null, nextPart: 0 };
  const totals: Totals = { created: 0, updated: 0, skipped: 0, errors: 0 };
  progress.line(`${o.file}: ${fmt(plan.totalRows)} rows in ${plan.parts.length} part(s)`);
  let failed = false;
  try {
    for (const part of plan.parts) {
      state.nextPart = part.index;
      const job = await importPart(api, o, plan, part, { progress, report, state, signal });
      state.nextPart = part.index + 1;
      totals.created += job.created_count;
      totals.updated += job.updated_count;
      totals.skipped += job.skipped_count;
      totals.errors += job.error_count;
      if (job.status === 'failed') {
        failed = true;
        break;
      }
    }
  } catch (e) {
    progress.finish();
    if (e instanceof Interrupted) {
      err.write(interruptedMessage(api, plan, state));
      return EXIT.interrupted;
    }
    if (e instanceof ApiRefused) {
      err.write(`The API refused the request: ${e.message}${e.requestId ? ` (request ${e.requestId})` : ''}\n`);
      return EXIT.refused;
    }
    throw e;
  }
  progress.finish();
  out.write(summary(plan, totals, progress.elapsedSeconds(), report, failed));
  return failed || totals.errors > 0 ? EXIT.rowErrors : EXIT.ok;
}

function summary(plan: Plan, t: Totals, seconds: number, report: ErrorReport, failed: boolean): string {
  const rate = seconds > 0 ? plan.totalRows / seconds : 0;
  const lines = [
    `Done in ${seconds.toFixed(1)} s (${fmt(rate)} rows/s): ${fmt(plan.totalRows)} rows, ${fmt(t.created)} created, ${
      fmt(t.updated)
    } updated, ${fmt(t.skipped)} skipped (${fmt(t.errors)} with errors).`,
  ];
  if (failed) lines.push('A part failed (see above); the parts after it were not sent.');
  if (report.count > 0) lines.push(`Row errors: ${report.path} (fix the rows there and import that file again).`);
  return lines.join('\n') + '\n';
}
