// The one error type for problems a user can cause (a bad flag, input or file). Its message is one
// sentence that names the input and what would be accepted; the edges (CLI, action settings) print it
// without a stack trace and exit non-zero.

export class InputError extends Error {
  override readonly name = 'InputError';
}
