// The two pipelines the stack can deploy (template parameter Pipeline, action input `pipeline`), and which one
// a deployed stack runs: its Pipeline output. Stacks deployed before the choice existed have no such output
// and run cloudwatch-firehose.

export const PIPELINES = ['cloudwatch-firehose', 's3-parquet'] as const;
export type Pipeline = (typeof PIPELINES)[number];

/** The stack output (and template parameter) that names the pipeline. */
const PIPELINE_OUTPUT = 'Pipeline';

/** The pipeline of a deployed stack, from its outputs. */
export function stackPipeline(outputs: Readonly<Record<string, string>>): Pipeline {
  return outputs[PIPELINE_OUTPUT] === 's3-parquet' ? 's3-parquet' : 'cloudwatch-firehose';
}
