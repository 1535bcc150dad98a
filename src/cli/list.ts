/** `soak list`: workloads (the built-in ones, or those given) with their parameters and defaults. */
import type { CommandModule } from 'yargs';
import { loadWorkload } from '../controller/workload-loader.js';
import { workloadList, workloadOption } from './run.js';

export const listCommand: CommandModule<object, { json?: boolean | undefined; workload?: string[] | undefined }> = {
  command: 'list',
  describe: 'workloads with their parameters and defaults (the built-in ones, or the plugins given with --workload)',
  builder: (yargs) => yargs.option('json', { type: 'boolean', describe: 'print as JSON' }).option('workload', workloadOption),
  handler: async (args) => {
    // One at a time: a plugin's errors name the first that is wrong, as `soak run` does.
    const workloads = [];
    for (const spec of workloadList(args.workload)) workloads.push(await loadWorkload(spec));
    if (args.json === true) {
      const json = workloads.map((w) => ({
        name: w.name,
        description: w.description,
        params: w.defaults,
        paramDocs: w.paramDocs,
        paramChoices: w.paramChoices,
      }));
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    const lines: string[] = [];
    for (const w of workloads) {
      lines.push(`${w.name}: ${w.description}`);
      for (const [key, value] of Object.entries(w.defaults)) {
        const choices = w.paramChoices[key];
        lines.push(`  ${key}=${String(value)}`.padEnd(28) + `${w.paramDocs[key] ?? ''}${choices === undefined ? '' : ` (one of: ${choices.join(', ')})`}`);
      }
      lines.push('');
    }
    lines.push('Any workload also takes --inject-leak RATE; set a parameter with --param key=value or --param workload.key=value.');
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
