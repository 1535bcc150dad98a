/** GitHub Actions' job summary: when GITHUB_STEP_SUMMARY names a file, the Markdown report is appended to it. */
import { appendFileSync } from 'node:fs';

/** Appends (never overwrites: other steps write there too); a failure to write warns, it does not fail the verdict. */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  const path = env['GITHUB_STEP_SUMMARY'];
  if (path === undefined || path === '') return;
  try {
    appendFileSync(path, `${markdown.trimEnd()}\n\n`);
  } catch (err) {
    process.stderr.write(`soak: warning: cannot append to GITHUB_STEP_SUMMARY '${path}' (${err instanceof Error ? err.message : String(err)})\n`);
  }
}
