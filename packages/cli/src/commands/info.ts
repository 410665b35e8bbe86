import os from 'node:os';
import { initBackend } from '@gahb/backend';
import { createLogger } from '@gahb/core';
import { registerCommand } from '../command-registry';

registerCommand({
  name: 'info',
  description: 'Print the TensorFlow.js backend gahb selects, the TensorFlow.js and Node versions and the number of cores.',
  configure(command) {
    command
      .option('--backend <name>', "backend to initialize: 'auto' or a registered backend name (default: GAHB_BACKEND, else 'auto')")
      .action(async (options: { backend?: string }) => {
        // The choice is printed below, so the backend logger reports only warnings (skipped backends).
        const logger = createLogger('backend', { level: process.env['GAHB_LOG_LEVEL'] ?? 'warn' });
        const choice = await initBackend({ backend: options.backend, logger });
        const lines = [
          `backend:          ${choice.reason}`,
          `TensorFlow.js:    ${choice.tfjsVersion} (backend "${choice.tfjsBackend}")`,
          `Node.js:          ${process.version}`,
          `CPU cores:        ${os.availableParallelism()}`,
        ];
        console.log(lines.join('\n'));
      });
  },
});
