// Time for code that waits on AWS (stack operations, queries): injected, so tests of retries, polling
// and timeouts run instantly on a fake clock.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The next delay of a backoff that grows by half each time, up to `maxMs`. */
export const nextDelay = (delayMs: number, maxMs: number): number => Math.min(Math.ceil(delayMs * 1.5), maxMs);
