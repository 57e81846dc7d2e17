import type { ScheduledHandler } from 'aws-lambda';
import { defaultLedger } from '../store.ts';

/** Scheduled: releases, through the ledger, every held reservation past its expiry. */
export const handler: ScheduledHandler = async () => {
  await defaultLedger().sweepExpired();
};
