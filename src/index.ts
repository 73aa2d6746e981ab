// The action's entry point (bundled into dist/index.js): runs the action once.

import { run } from './main.js';

await run();
