/**
 * A second process for test/registry/concurrency.test.ts: registers demandes on a shared
 * registry file, one lot per transaction, as soon as the parent says "go"; prints the numéros
 * it got as JSON. Run with `node --import tsx`.
 */
import { createInterface } from 'node:readline';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { commitDemandes, cre, referenceIndex, sampleDemandeLogement, withDemandeur } from './helpers.js';

const [file, guichet, name, lotsArg, perLotArg] = process.argv.slice(2);
const registry = new SqliteRegistry(file!);
const base = sampleDemandeLogement();
const lots = Number(lotsArg);
const perLot = Number(perLotArg);
const at = new Date('2026-11-26T10:00:00+01:00');

referenceIndex(); // loaded before 'ready', so that both processes start registering at once
process.stdout.write('ready\n');
const input = createInterface({ input: process.stdin });
input.once('line', async () => {
  input.close();
  const numeros: string[] = [];
  for (let l = 0; l < lots; l++) {
    const demandes = Array.from({ length: perLot }, (_, i) => cre(`${name}-${l}-${i}`, withDemandeur(base, { nom: `${name}${l}x${i}` })));
    const { lot } = await commitDemandes(registry, guichet!, demandes, at, `${name}-${l}`);
    for (const r of await registry.lotResultats(lot.id)) {
      if (r.numeroUnique === undefined) throw new Error(`demande refused: ${r.erreurs.map((e) => e.code).join(',')}`);
      numeros.push(r.numeroUnique);
    }
  }
  await registry.close();
  process.stdout.write(`${JSON.stringify(numeros)}\n`);
});
