/**
 * The test file's PostgreSQL cluster: started the first time the file needs it, stopped after
 * the file (vitest runs each file in its own module graph, so one cluster per file). Import it
 * from test files only: it registers an `afterAll`.
 */
import { afterAll } from 'vitest';
import { startPostgres, type PostgresCluster } from './postgres.js';

let cluster: Promise<PostgresCluster> | undefined;

afterAll(async () => {
  const started = cluster;
  cluster = undefined;
  if (started) await (await started).stop();
});

/** The file's cluster, started at its first use. */
export const postgresCluster = (): Promise<PostgresCluster> => (cluster ??= startPostgres());
