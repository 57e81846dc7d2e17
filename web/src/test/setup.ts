import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import { resetReportingProbe } from '../lib/summary.ts';

// Pages are lazy chunks: their first import is transformed on demand, slow on a busy 2-core box.
configure({ asyncUtilTimeout: 5000 });

// happy-dom lays nothing out: a ResizeObserver would measure every chart 0 × 0 and recharts would
// draw nothing. Without one, recharts' containers keep their initial size (640 × 260).
beforeEach(() => {
  vi.stubGlobal('ResizeObserver', undefined);
});

// Each test starts signed out, at desktop width, with the real fetch restored, as a new page load.
afterEach(() => {
  cleanup();
  localStorage.clear();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  setViewport(1280);
  resetReportingProbe();
});

export function setViewport(width: number, height = 900): void {
  const happyDOM = (
    window as unknown as { happyDOM?: { setViewport(v: { width: number; height: number }): void } }
  ).happyDOM;
  happyDOM?.setViewport({ width, height });
}
