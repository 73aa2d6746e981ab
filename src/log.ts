// The small logger every module that talks to the outside takes as a parameter: the action passes
// @actions/core (which has this shape), tests pass a recorder.

export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}
