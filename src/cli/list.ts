/** `soak list`: the built-in workloads with their parameters and defaults. */
import type { CommandModule } from 'yargs';
import { builtInWorkloads, loadWorkload } from '../controller/workload-loader.js';

export const listCommand: CommandModule<object, { json?: boolean | undefined }> = {
  command: 'list',
  describe: 'built-in workloads with their parameters and defaults',
  builder: (yargs) => yargs.option('json', { type: 'boolean', describe: 'print as JSON' }),
  handler: async (args) => {
    const workloads = await Promise.all(builtInWorkloads.map((name) => loadWorkload(name)));
    if (args.json === true) {
      const json = workloads.map((w) => ({ name: w.name, description: w.description, params: w.defaults, paramDocs: w.paramDocs, paramChoices: w.paramChoices }));
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    const lines: string[] = [];
    for (const w of workloads) {
      lines.push(`${w.name}: ${w.description}`);
      for (const [key, value] of Object.entries(w.defaults)) {
        const choices = w.paramChoices[key];
        lines.push(`  ${key}=${String(value)}`.padEnd(28) +
          `${w.paramDocs[key] ?? ''}${choices === undefined ? '' : ` (one of: ${choices.join(', ')})`}`);
      }
      lines.push('');
    }
    lines.push('Any workload also takes --inject-leak RATE; set a parameter with --param key=value or --param workload.key=value.');
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
