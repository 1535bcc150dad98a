/** `soak snapshot-diff <baseline> <target> <final>`: the three-snapshot diff of any .heapsnapshot files. */
import type { Argv, CommandModule } from 'yargs';
import { errors } from '../errors.js';
import { renderSnapshotDiffSection } from '../report/snapshot-diff.js';
import { diffSnapshots } from '../snapshot/diff.js';

interface SnapshotDiffArgs {
  baseline: string;
  target: string;
  final: string;
  top?: string;
  json?: boolean;
}

export const snapshotDiffCommand: CommandModule<object, SnapshotDiffArgs> = {
  command: 'snapshot-diff <baseline> <target> <final>',
  describe:
    'objects born between two heap snapshots of one process or worker and still alive in a third, grouped by constructor, ' +
    "with a retainer path for each group (Markdown on stdout); ours (--snapshots) or Chrome DevTools' .heapsnapshot files",
  builder: (yargs) =>
    yargs
      .positional('baseline', { type: 'string', describe: 'the first snapshot', demandOption: true })
      .positional('target', { type: 'string', describe: 'a snapshot taken after the suspect operations', demandOption: true })
      .positional('final', { type: 'string', describe: 'a snapshot taken later still', demandOption: true })
      .option('top', { type: 'string', describe: 'groups listed, biggest first [default: 10]' })
      .option('json', { type: 'boolean', describe: 'print the diff as JSON instead' }) as Argv<SnapshotDiffArgs>,
  handler: async (args) => {
    const top = args.top === undefined ? 10 : Number(args.top);
    if (!Number.isInteger(top) || top < 1) throw errors.option('--top', 'a positive integer', args.top);
    const diff = await diffSnapshots({ baseline: args.baseline, target: args.target, final: args.final }, { top });
    process.stdout.write(args.json === true ? `${JSON.stringify(diff, null, 2)}\n` : `# Heap snapshot diff\n\n${renderSnapshotDiffSection(diff)}`);
  },
};
