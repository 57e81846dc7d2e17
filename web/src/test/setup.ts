import { cleanup, configure } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// Pages are lazy chunks: their first import is transformed on demand, slow on a busy 2-core box.
configure({ asyncUtilTimeout: 5000 });

// Each test starts signed out, at desktop width, with the real fetch restored.
afterEach(() => {
  cleanup();
  localStorage.clear();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  setViewport(1280);
});

export function setViewport(width: number, height = 900): void {
  const happyDOM = (
    window as unknown as { happyDOM?: { setViewport(v: { width: number; height: number }): void } }
  ).happyDOM;
  happyDOM?.setViewport({ width, height });
}
