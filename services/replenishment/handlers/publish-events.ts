// TEMPORARY stub (branch h4 only, so CDK can synthesize the declaration): the lead drops it at merge.
export const handler = async (): Promise<never> => {
  throw new Error('not implemented in this branch');
};
