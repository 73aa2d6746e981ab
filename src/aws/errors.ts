// Turns AWS SDK errors that a user must fix (access denied, missing or expired credentials) into one
// sentence that says what to do; anything else passes through unchanged.

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);
const BAD_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'CredentialsProviderError',
]);

export class AwsAccessError extends Error {
  override readonly name = 'AwsAccessError';
}

/** `error`, or an AwsAccessError naming the operation when AWS refused the caller. */
export function explainAwsError(error: unknown, operation: string): unknown {
  if (!(error instanceof Error)) return error;
  if (ACCESS_DENIED.has(error.name)) {
    return new AwsAccessError(
      `AWS denied ${operation} to the role in use (${error.message}); grant that permission to the role the workflow assumes.`,
      { cause: error },
    );
  }
  if (BAD_CREDENTIALS.has(error.name) || /Could not load credentials/i.test(error.message)) {
    return new AwsAccessError(
      `No valid AWS credentials for ${operation} (${error.message}); configure credentials (the action's role-to-assume with id-token: write) before this step.`,
      { cause: error },
    );
  }
  return error;
}
