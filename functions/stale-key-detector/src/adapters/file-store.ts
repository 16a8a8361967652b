import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { DocumentStore } from '../core/ports';

/** "a/b/c.json": relative, no empty, '.' or '..' segment, no backslash or NUL. A bad name is a bug of the caller. */
function checkName(name: string): string {
  if (name === '' || name.includes('\\') || name.includes('\0') || name.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`invalid document name ${JSON.stringify(name)}: expected a relative path like "a/b.json"`);
  }
  return name;
}

function errnoOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function failure(what: string, path: string, error: unknown): Error {
  // Node's fs errors are not always `instanceof Error` here (another realm, e.g. under jest).
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  const detail = typeof message === 'string' ? message : String(error);
  return new Error(`cannot ${what} ${path}: ${detail}`, { cause: error });
}

/**
 * A DocumentStore in a directory (the CLI's local state, tests): one file per document, names
 * with '/' are subdirectories, created on demand. Every write goes to a temporary file in the
 * target's directory first, flushed to disk, so a document is never seen half written, and a
 * crash leaves at most a stray `.<name>.<uuid>.tmp`:
 *  - create links the temporary file to the name: link(2) fails with EEXIST when the name exists,
 *    atomically, so of two concurrent creates exactly one wins (an O_EXCL open of the name itself
 *    would let a reader, or a crash, see the new document empty or cut short);
 *  - replace renames it over the name (atomic on POSIX; on Windows, rename replaces too).
 * Failures other than "no such document" (read) and "already exists" (create) are Errors that
 * name the path.
 */
export class FileDocumentStore implements DocumentStore {
  readonly location: string;
  private readonly root: string;

  constructor(directory: string) {
    this.root = resolve(directory);
    this.location = this.root.endsWith(sep) ? this.root : `${this.root}${sep}`;
  }

  async read(name: string): Promise<Buffer | undefined> {
    const path = this.pathOf(name);
    try {
      return await readFile(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw failure('read', path, error);
    }
  }

  async create(name: string, body: Buffer): Promise<boolean> {
    const path = this.pathOf(name);
    const temporary = await this.writeTemporary(path, body);
    try {
      await link(temporary, path);
      return true;
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return false;
      throw failure('create', path, error);
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }

  async replace(name: string, body: Buffer): Promise<void> {
    const path = this.pathOf(name);
    const temporary = await this.writeTemporary(path, body);
    try {
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw failure('replace', path, error);
    }
  }

  private pathOf(name: string): string {
    return join(this.root, ...checkName(name).split('/'));
  }

  /** Writes and flushes `.<name>.<uuid>.tmp` beside `path`, creating the directory. */
  private async writeTemporary(path: string, body: Buffer): Promise<string> {
    const directory = dirname(path);
    const temporary = join(directory, `.${basename(path)}.${randomUUID()}.tmp`);
    try {
      await mkdir(directory, { recursive: true });
      const file = await open(temporary, 'wx');
      try {
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      return temporary;
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw failure('write', temporary, error);
    }
  }
}
