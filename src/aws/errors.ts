// Turns AWS SDK errors that a user must fix (access denied, missing or expired credentials) into one
// sentence that says what to do; anything else passes through unchanged.

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);
const BAD_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  // S3's names for an unknown access key and a wrong secret key.
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
]);

/** Node's codes for a connection that could not be made or was lost (after the SDK's own retries). */
const NETWORK_ERROR_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'];
/** One of those codes, as Node's error gives it or in the message of the SDK's wrapper around such an error. */
const NETWORK_ERROR = new RegExp(`\\b(?:${NETWORK_ERROR_CODES.join('|')})\\b`);

/** Whether an AWS SDK call failed because AWS could not be reached (no network, a wrong AWS_ENDPOINT_URL, a timeout). */
export function isUnreachable(error: unknown): boolean {
  const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string };
  // Node's "socket hang up" (a connection closed before the response) reaches us inside the SDK's wrapper
  // ("AWS SDK error wrapper for TimeoutError: socket hang up") without its ECONNRESET code.
  return NETWORK_ERROR.test(`${code ?? ''} ${message ?? ''}`) || name === 'TimeoutError' || /\bsocket hang up\b/.test(message ?? '');
}

export class AwsAccessError extends Error {
  override readonly name = 'AwsAccessError';
}

/** Why AWS refused a call, when it did: the caller lacks a permission, or has no valid credentials. */
export function awsRefusal(error: unknown): 'denied' | 'credentials' | undefined {
  if (!(error instanceof Error)) return undefined;
  if (ACCESS_DENIED.has(error.name)) return 'denied';
  if (BAD_CREDENTIALS.has(error.name) || /Could not load credentials/i.test(error.message)) return 'credentials';
  return undefined;
}

/** `error`, or an AwsAccessError naming the operation when AWS refused the caller. */
export function explainAwsError(error: unknown, operation: string): unknown {
  if (!(error instanceof Error)) return error;
  const refusal = awsRefusal(error);
  if (refusal === 'denied') {
    return new AwsAccessError(
      `AWS denied ${operation} to the role in use (${error.message}); grant that permission to the role the workflow assumes.`,
      { cause: error },
    );
  }
  if (refusal === 'credentials') {
    return new AwsAccessError(
      `No valid AWS credentials for ${operation} (${error.message}); configure credentials (in a workflow, the action's role-to-assume with id-token: write; on the command line, AWS_PROFILE or the AWS_* environment variables).`,
      { cause: error },
    );
  }
  return error;
}
