import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StreamCheckpoints } from './stream-poller.ts';

// The chaos test's kill -9 once landed while the checkpoint file was being written: the file was
// left empty and the runtime could not start again (JSON.parse of nothing).
describe('stream checkpoints on disk', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'checkpoints-'));

  it('starts over from the stream, rather than refusing to start, on a file a crash left unreadable', () => {
    const file = join(dir(), 'stream-checkpoints.json');
    for (const leftover of ['', '{"shardId-1":"4900']) {
      writeFileSync(file, leftover);
      const checkpoints = new StreamCheckpoints(file);
      expect(checkpoints.get('shardId-1')).toBeUndefined();
    }
  });

  it('replaces the file whole on every checkpoint (written beside it, then renamed)', () => {
    const folder = dir();
    const file = join(folder, 'stream-checkpoints.json');
    const checkpoints = new StreamCheckpoints(file);
    checkpoints.set('shardId-1', '100');
    checkpoints.set('shardId-2', '200');

    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'shardId-1': '100', 'shardId-2': '200' });
    expect(readdirSync(folder)).toEqual(['stream-checkpoints.json']);
    expect(new StreamCheckpoints(file).get('shardId-2')).toBe('200');
  });
});
