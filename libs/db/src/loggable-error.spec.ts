import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { loggableError } from './loggable-error.js';

describe('loggableError', () => {
  it('drops the statement, its parameters and the driver error (whose sql has the values inlined)', () => {
    const driverError = Object.assign(new Error("Data too long for column 'host_limit' at row 1"), {
      code: 'ER_DATA_TOO_LONG',
      errno: 1406,
      sqlState: '22001',
      sql: "INSERT INTO releases (extra_vars) VALUES ('{\"db_password\":\"hunter2\"}')",
    });
    const error = new QueryFailedError('INSERT INTO releases (extra_vars) VALUES (?)', ['{"db_password":"hunter2"}'], driverError);
    const safe = loggableError(error) as Error & Record<string, unknown>;
    expect(JSON.stringify({ ...safe, message: safe.message, stack: safe.stack })).not.toContain('hunter2');
    expect(safe).toMatchObject({ name: 'QueryFailedError', code: 'ER_DATA_TOO_LONG', errno: 1406, sqlState: '22001' });
    expect(safe.message).toContain('Data too long');
  });

  it('leaves other errors alone', () => {
    const plain = new Error('boom');
    expect(loggableError(plain)).toBe(plain);
    expect(loggableError('text')).toBe('text');
  });
});
