// The AWS SDK's Node.js support notice, turned off for our own processes (the CLI and the action's dist/index.js).

/**
 * On Node.js < 22 the AWS SDK warns at every client it makes that its releases after January 2027 will need
 * Node.js 22. This package pins the SDK's exact versions, so that concerns whoever upgrades them, not a run:
 * the SDK's own switch turns off that one warning (aws/aws-sdk-js-v3#7983), unless the user set it; every other
 * warning still prints. Call it before the first SDK client is made.
 */
export function quietSdkNodeSupportNotice(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
