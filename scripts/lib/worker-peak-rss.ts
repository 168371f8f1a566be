/**
 * @module The worker process's own peak RSS, as the benchmark reads it. `process.resourceUsage()
 * .maxRSS` (getrusage) is not it on Linux: the kernel carries the high-water mark across fork and
 * exec, so a worker spawned by a parent of 300 MB reports at least 300 MB whatever it did itself.
 * `VmHWM` in /proc/self/status is the peak of this process's own address space.
 */
import { readFileSync } from 'node:fs';

/** Peak resident set of this process in KiB: VmHWM where /proc exists, else getrusage's figure. */
export function ownPeakRssKb(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // Not Linux: getrusage is the best there is.
  }
  return process.resourceUsage().maxRSS;
}
