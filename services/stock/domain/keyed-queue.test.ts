import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('keyed queue', () => {
  it('runs tasks on the same key one at a time, in arrival order', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return name;
    };

    const results = await Promise.all([queue.run(['a'], task('1')), queue.run(['a'], task('2'))]);

    expect(results).toEqual(['1', '2']);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('runs tasks on different keys side by side, and a two-key task after both', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
    };

    await Promise.all([
      queue.run(['a'], task('a')),
      queue.run(['b'], task('b')),
      queue.run(['a', 'b'], task('ab')),
    ]);

    expect(log.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    expect(log.at(-2)).toBe('start ab');
  });

  it('keeps going after a task fails', async () => {
    const queue = new KeyedQueue();

    const failed = queue.run(['a'], async () => {
      throw new Error('boom');
    });
    const next = queue.run(['a'], async () => 'ok');

    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ok');
  });
});
