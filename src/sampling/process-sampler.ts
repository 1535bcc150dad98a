/** Process-wide figures (RSS and CPU), shared by every thread, so taken once per tick. */
import pidusage from 'pidusage';

export interface ProcessSample {
  readonly rssBytes: number;
  readonly cpuPercent: number;
}

export async function sampleProcess(): Promise<ProcessSample> {
  try {
    const usage = await pidusage(process.pid);
    return { rssBytes: usage.memory, cpuPercent: usage.cpu };
  } catch {
    // pidusage reads /proc; should that fail, RSS is still known and CPU is reported as unknown.
    return { rssBytes: process.memoryUsage.rss(), cpuPercent: Number.NaN };
  }
}

export function clearProcessSampler(): void {
  pidusage.clear();
}
