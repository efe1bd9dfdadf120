/**
 * The home holds personal data (the registry: names, birth dates, identity numbers), the national
 * private key and the replies: every directory in it is 0700 and every file 0600. This finds what
 * is looser, for `doctor`.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The bits no one but the owner may have. */
const GROUP_OR_OTHERS = 0o077;

export interface LooseMode {
  readonly path: string;
  readonly directory: boolean;
  /** The permission bits, e.g. 0o644. */
  readonly mode: number;
}

/**
 * Every file and directory under `root` (itself included) that its group or others may read,
 * write or enter. Symbolic links are not followed (their own mode means nothing).
 */
export function findLooseModes(root: string): LooseMode[] {
  const loose: LooseMode[] = [];
  const pending = [root];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    let info;
    try {
      info = lstatSync(path);
    } catch {
      continue; // gone meanwhile (a message settled, a reply sent)
    }
    if (info.isSymbolicLink()) continue;
    const mode = info.mode & 0o777;
    if ((mode & GROUP_OR_OTHERS) !== 0) loose.push({ path, directory: info.isDirectory(), mode });
    if (info.isDirectory()) {
      try {
        for (const name of readdirSync(path)) pending.push(join(path, name));
      } catch {
        // unreadable: its mode was just reported if loose; nothing more to see
      }
    }
  }
  return loose.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
