import { registerCommand } from '../command-registry';
import { writeReport } from '../report/html-report';
import { reproduceSteps } from '../reproduce/reproduce';
import { RunDirectory } from '../reproduce/run-directory';

registerCommand({
  name: 'report',
  description: 'Rebuild report/index.html of a reproduce run from its config.json and step manifests.',
  configure(command) {
    command.requiredOption('--run <dir>', 'run directory written by gahb reproduce').action(async (options: { run: string }) => {
      const run = new RunDirectory(options.run);
      if (!run.exists('config.json')) {
        throw new Error(`${run.root} has no config.json: pass the --out directory of a gahb reproduce run.`);
      }
      const config = await run.readRunConfig();
      const stepOrder = config === undefined ? [] : reproduceSteps(config.preset).map((step) => step.name);
      const reportPath = await writeReport(run, stepOrder);
      console.log(`Report: ${reportPath}`);
    });
  },
});
