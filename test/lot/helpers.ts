/** Lots for the lot-stage tests, built from the spec's example and the demo fixtures. */
import { readFileSync } from 'node:fs';

export const EXAMPLE_PATH = '/work/shared/spec/examples/lot-exemple.xml';
const fixtureUrl = (name: string) => new URL(`../../fixtures/lots/${name}`, import.meta.url);

export const exampleText = (): string => readFileSync(EXAMPLE_PATH, 'utf8');
export const fixtureText = (name: string): string => readFileSync(fixtureUrl(name), 'utf8');
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Replace exactly one occurrence, so that a test cannot silently edit nothing. */
export function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`edit: "${from}" must occur exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The `<demande …>…</demande>` blocks of a lot, in order. */
export function demandeBlocks(text: string): string[] {
  return text.match(/<demande [\s\S]*?<\/demande>/g) ?? [];
}

/** A lot with the example's entete and the given demande blocks (nombreDemandes adjusted). */
export function lotOf(blocks: readonly string[], nombre = blocks.length): string {
  const example = exampleText();
  const head = example.slice(0, example.indexOf('<demande '));
  return `${head.replace('<nombreDemandes>3</nombreDemandes>', `<nombreDemandes>${nombre}</nombreDemandes>`)}${blocks.join('\n')}\n</lot>\n`;
}
