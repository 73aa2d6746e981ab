// The small logger every module that talks to the outside takes as a parameter: the action passes
// @actions/core (which has this shape), the CLI passes consoleLogger, tests pass a recorder.

export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

/** For the command line: info to stdout, warnings to stderr, debug only when DEBUG is set. */
export const consoleLogger: Logger = {
  info: (message) => console.log(message),
  warning: (message) => console.error(`warning: ${message}`),
  debug: (message) => {
    if (process.env.DEBUG) console.error(`debug: ${message}`);
  },
};

/** Says nothing (for callers that do not want the progress lines). */
export const silentLogger: Logger = { info: () => {}, warning: () => {}, debug: () => {} };
