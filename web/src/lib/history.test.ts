import { describe, expect, it } from 'vitest';
import { historyFromMovements } from './history.ts';

describe('stock history from the ledger', () => {
  it('works each day back from the current level', () => {
    // Prepare: 9 on hand now; +12 received yesterday, -3 damaged today
    const now = new Date('2024-05-10T15:00:00Z');
    const movements = [
      { at: '2024-05-10T09:00:00Z', deltas: { onHand: -3, reserved: 0, incoming: 0 } },
      { at: '2024-05-09T11:00:00Z', deltas: { onHand: 12, reserved: 0, incoming: 0 } },
      { at: '2024-05-09T12:00:00Z', deltas: { onHand: 0, reserved: 2, incoming: 0 } },
    ];

    // Act
    const history = historyFromMovements(9, movements, 3, now);

    // Assess
    expect(history).toEqual([
      { date: '2024-05-08', onHand: 0 },
      { date: '2024-05-09', onHand: 12 },
      { date: '2024-05-10', onHand: 9 },
    ]);
  });
});
