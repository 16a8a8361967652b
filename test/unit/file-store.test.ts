/** The directory document store (adapters/file-store.ts), on a fresh temporary directory per test. */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { FileDocumentStore } from '../../functions/stale-key-detector/src/adapters/file-store';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every file under the store's directory, relative, '/'-separated, sorted. */
async function files(): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1).split(sep).join('/'))
    .sort();
}

describe('FileDocumentStore', () => {
  it('reads a missing document as undefined, the directory missing too', async () => {
    await expect(new FileDocumentStore(join(dir, 'not-yet')).read('1234/cn-hangzhou/g000001.json.gz')).resolves.toBeUndefined();
  });

  it('creates (directories on demand), then reads the same bytes back', async () => {
    const store = new FileDocumentStore(join(dir, 'state'));
    const body = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7) % 256));
    await expect(store.create('1234/cn-hangzhou/g000001.json.gz', body)).resolves.toBe(true);
    await expect(store.read('1234/cn-hangzhou/g000001.json.gz')).resolves.toEqual(body);
    expect(await files()).toEqual(['state/1234/cn-hangzhou/g000001.json.gz']);
  });

  it('creates only once: a second create answers false and the first body stays', async () => {
    const store = new FileDocumentStore(dir);
    await expect(store.create('head.json', Buffer.from('first'))).resolves.toBe(true);
    await expect(store.create('head.json', Buffer.from('second'))).resolves.toBe(false);
    await expect(store.read('head.json')).resolves.toEqual(Buffer.from('first'));
    expect(await files()).toEqual(['head.json']);
  });

  it('of two concurrent creates of one name, exactly one wins, and the document is the winner\'s whole body', async () => {
    const store = new FileDocumentStore(dir);
    for (let i = 0; i < 20; i += 1) {
      const a = Buffer.alloc(64 * 1024, 'a');
      const b = Buffer.alloc(32 * 1024, 'b');
      const results = await Promise.all([store.create(`race/${i}.json`, a), store.create(`race/${i}.json`, b)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      // Buffer.equals: jest's toEqual walks a 64 KB buffer byte by byte, slowly.
      expect((await store.read(`race/${i}.json`))?.equals(results[0] ? a : b)).toBe(true);
    }
    expect(await files()).toHaveLength(20);
  });

  it('replaces: overwrites an existing document and writes a missing one, leaving no temporary file', async () => {
    const store = new FileDocumentStore(dir);
    await store.create('head.json', Buffer.from('first'));
    await store.replace('head.json', Buffer.from('second'));
    await store.replace('a/b/other.json', Buffer.from('new'));
    await expect(store.read('head.json')).resolves.toEqual(Buffer.from('second'));
    await expect(store.read('a/b/other.json')).resolves.toEqual(Buffer.from('new'));
    expect(await files()).toEqual(['a/b/other.json', 'head.json']);
  });

  it('says where it is: the absolute directory', () => {
    expect(new FileDocumentStore(dir).location).toBe(`${dir}${sep}`);
  });

  it('refuses a name that is not a relative path inside the directory', async () => {
    const store = new FileDocumentStore(join(dir, 'state'));
    await writeFile(join(dir, 'outside.json'), 'secret');
    for (const name of ['', '/etc/passwd', '../outside.json', 'a/../../outside.json', 'a//b', 'a/./b', 'a\\b']) {
      await expect(store.read(name)).rejects.toThrow(/invalid document name/);
      await expect(store.replace(name, Buffer.from('x'))).rejects.toThrow(/invalid document name/);
    }
    expect(await files()).toEqual(['outside.json']);
  });

  it('fails with an Error naming the path for anything but a missing or existing document', async () => {
    const store = new FileDocumentStore(dir);
    await mkdir(join(dir, 'a-directory'));
    await writeFile(join(dir, 'a-file'), 'x');
    await expect(store.read('a-directory')).rejects.toThrow(`cannot read ${join(dir, 'a-directory')}: EISDIR`);
    await expect(store.create('a-file/below.json', Buffer.from('x'))).rejects.toThrow(join(dir, 'a-file'));
    await expect(store.replace('a-directory', Buffer.from('x'))).rejects.toThrow(`cannot replace ${join(dir, 'a-directory')}`);
    expect(await files()).toEqual(['a-file']);
  });
});
