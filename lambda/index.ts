// Lambda entry point (`index.handler`): CloudWatch Logs subscription -> Kinesis Data Firehose.
import { createHandler } from './forwarder.js';

export const handler = createHandler();
