import { queryDb } from './test-env.js';

/**
 * Every row of every table of a test database as one text (JSON per row, prefixed by its table), so a
 * test can prove a value is stored nowhere in clear: any column, any table, including ones added later.
 */
export async function dumpDatabase(databaseUrl: string, database: string): Promise<string> {
  const tables = await queryDb<{ name: string }>(
    databaseUrl,
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?',
    [database],
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = await queryDb(databaseUrl, `SELECT * FROM \`${name}\``);
    for (const row of rows) parts.push(`${name}: ${JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('utf8') : value))}`);
  }
  return parts.join('\n');
}
