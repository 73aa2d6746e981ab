// Hand-written fakes for unit tests of AWS error branches a server cannot produce: a client whose `send`
// answers each command by name (and records the calls), an AWS-style error, and a clock whose sleeps
// take no time.

import type { Clock } from '../../src/aws/clock.js';

export interface SentCommand {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

type Handler = (input: Record<string, unknown>, call: number) => unknown;

/** A client for `Pick<XClient, 'send'>`: each command is answered by the handler named like its class. */
export function fakeClient<T>(handlers: Record<string, Handler>): { client: T; calls: SentCommand[] } {
  const calls: SentCommand[] = [];
  const counts = new Map<string, number>();
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      calls.push({ name, input: command.input });
      const handler = handlers[name];
      if (!handler) throw new Error(`fake client: no handler for ${name}`);
      const call = counts.get(name) ?? 0;
      counts.set(name, call + 1);
      return handler(command.input, call);
    },
  };
  return { client: client as unknown as T, calls };
}

/** An error shaped like the SDK's service exceptions (the name carries the AWS error code). */
export function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A clock that starts at `start` and moves forward only when slept on; it records each sleep. */
export function fakeClock(start = Date.UTC(2026, 10, 2)): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** A logger that keeps every line, by level. */
export function recordingLogger() {
  const lines: { level: 'info' | 'warning' | 'debug'; message: string }[] = [];
  return {
    lines,
    text: () => lines.map((l) => l.message).join('\n'),
    info: (message: string) => lines.push({ level: 'info', message }),
    warning: (message: string) => lines.push({ level: 'warning', message }),
    debug: (message: string) => lines.push({ level: 'debug', message }),
  };
}
