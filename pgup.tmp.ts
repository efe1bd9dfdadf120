import { startPostgres } from './test/harness/postgres.js';
const c = await startPostgres();
const url = await c.createDatabase();
console.log(url, c.password);
process.on('SIGTERM', async () => { await c.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
