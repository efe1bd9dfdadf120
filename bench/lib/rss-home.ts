/**
 * A bench home holding one delivered lot, left on disk for `run --once` to be measured on it by
 * hand (docs/PERFORMANCE.md, "Memory"): `npx tsx bench/lib/rss-home.ts <demandes> <seed>` prints
 * the home's path. Lots over the attachment limit are zipped as a guichet would (`seal`).
 */
import { benchHome } from './home.js';
import { sealedLot } from './lots.js';

const demandes = Number(process.argv[2] ?? 1_175);
const seed = Number(process.argv[3] ?? 7);
const home = await benchHome();
const lot = await sealedLot(home, demandes, seed, 'RSS');
await home.deliver(lot.raw);
process.stdout.write(`${home.home} ${lot.xml.length} ${lot.raw.length} ${lot.valid}\n`);
