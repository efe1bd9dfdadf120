/**
 * No link of the project points outside the repository (issue 19): in every Markdown file
 * tracked by git, an http(s) URL may only name the loopback or a reserved example host (RFC 2606:
 * `.example`, `.test`, `localhost`), and a relative link must name a file of the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MARKDOWN = execFileSync('git', ['ls-files', '*.md'], { cwd: REPO, encoding: 'utf8' }).split('\n').filter(Boolean);

const exampleHost = (host: string) =>
  host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || /\.(example|test)$/.test(host) || /^example\.(test|com|org|net)$/.test(host);

describe('links of the Markdown files', () => {
  it('finds the README and the guides', () => {
    expect(MARKDOWN).toEqual(expect.arrayContaining(['README.md', 'docs/guide-editeurs.md', 'docs/decisions.md']));
  });

  it('names no host outside the documented example hosts', () => {
    const outside = MARKDOWN.flatMap((file) =>
      [...readFileSync(join(REPO, file), 'utf8').matchAll(/https?:\/\/([^/\s)`'"<>:]+)/g)]
        .filter((m) => !exampleHost(m[1]!.toLowerCase()))
        .map((m) => `${file}: ${m[0]}`),
    );
    expect(outside).toEqual([]);
  });

  it('points relative links at files of the repository', () => {
    const broken = MARKDOWN.flatMap((file) =>
      [...readFileSync(join(REPO, file), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)]
        .map((m) => m[1]!)
        .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'))
        .filter((target) => {
          const path = resolve(REPO, dirname(file), decodeURIComponent(target.split('#')[0]!));
          return relative(REPO, path).startsWith('..') || !existsSync(path);
        })
        .map((target) => `${file}: ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('uses no other scheme to leave the repository in a link', () => {
    const schemes = MARKDOWN.flatMap((file) =>
      [...readFileSync(join(REPO, file), 'utf8').matchAll(/\]\(([a-z]+:[^)\s]*)\)/gi)].filter((m) => !/^https?:/i.test(m[1]!)).map((m) => `${file}: ${m[1]}`),
    );
    expect(schemes).toEqual([]);
  });
});
