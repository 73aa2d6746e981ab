// The action's entry point (bundled into dist/index.js): runs the action once.

import { quietSdkNodeSupportNotice } from './aws/node-support-notice.js';
import { run } from './main.js';

quietSdkNodeSupportNotice();
await run();
