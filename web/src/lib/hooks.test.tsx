import { act, renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { POLL_MS, useResource } from './hooks.ts';

function setVisibility(state: 'visible' | 'hidden') {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
}

afterEach(() => setVisibility('visible'));

describe('live updates', () => {
  it('polls every 5 s while the page is visible, pauses in a hidden tab and refreshes on return', async () => {
    // Prepare
    vi.useFakeTimers();
    let figure = 0;
    const loader = vi.fn(async () => ++figure);
    const { result } = renderHook(() => useResource(loader, [], { pollMs: POLL_MS }));
    await act(async () => {});
    expect(result.current.data).toBe(1);

    // Act + Assess: visible → polled
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS * 2);
    });
    expect(loader).toHaveBeenCalledTimes(3);
    expect(result.current.data).toBe(3);

    // hidden → no requests
    act(() => setVisibility('hidden'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS * 4);
    });
    expect(loader).toHaveBeenCalledTimes(3);

    // visible again → at once, then on the interval
    await act(async () => {
      setVisibility('visible');
    });
    expect(loader).toHaveBeenCalledTimes(4);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    expect(loader).toHaveBeenCalledTimes(5);
    expect(result.current.data).toBe(5);
  });

  it('keeps an optimistic change over an answer that was already on its way', async () => {
    // Prepare: the first load is slow
    let release!: (n: number) => void;
    const loader = vi.fn(() => new Promise<number>((r) => (release = r)));
    const { result } = renderHook(() => useResource(loader, []));

    // Act
    act(() => result.current.setData(() => 42));
    await act(async () => release(7));

    // Assess
    expect(result.current.data).toBe(42);
  });
});
