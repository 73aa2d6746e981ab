// What the deployer may do with a stack in a given CloudFormation status: create it, delete and create it
// again (ROLLBACK_COMPLETE), update it, or refuse and say what a person has to do.

type StackPlan =
  | { readonly kind: 'create' }
  | { readonly kind: 'recreate' }
  | { readonly kind: 'update' }
  | { readonly kind: 'refuse'; readonly reason: string };

const UPDATABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

/** `status` is undefined when the stack does not exist. */
export function planFor(stackName: string, status: string | undefined): StackPlan {
  if (status === undefined || status === 'DELETE_COMPLETE') return { kind: 'create' };
  if (status === 'ROLLBACK_COMPLETE') return { kind: 'recreate' };
  if (UPDATABLE.has(status)) return { kind: 'update' };
  const untouched = 'nothing was changed';
  if (status.endsWith('_IN_PROGRESS')) {
    return {
      kind: 'refuse',
      reason:
        `Stack ${stackName} is ${status}: another deployment or change set is under way; ` +
        `wait for it to finish (or delete a change set nobody will execute) and run again; ${untouched}.`,
    };
  }
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    return {
      kind: 'refuse',
      reason:
        `Stack ${stackName} is UPDATE_ROLLBACK_FAILED: fix the resource named in its events, run ` +
        `'aws cloudformation continue-update-rollback --stack-name ${stackName}', then run again; ${untouched}.`,
    };
  }
  return {
    kind: 'refuse',
    reason: `Stack ${stackName} is ${status}, which needs a person: read its events in the CloudFormation console and repair or delete it; ${untouched}.`,
  };
}

/** Statuses in which a stack operation has finished, one way or the other. */
export const isSettled = (status: string): boolean => !status.endsWith('_IN_PROGRESS');
