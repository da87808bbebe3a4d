import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One `Idempotency-Key` of `POST /releases`, per caller (token name). The row is inserted before the
 * release is created; the unique (scope, idem_key) index makes concurrent requests with one key agree on
 * one winner. `releaseId` stays null until the release and its job both exist.
 */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyKeyEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id: number;

  @Column({ type: 'varchar', length: 200 })
  scope: string;

  @Column({ name: 'idem_key', type: 'varchar', length: 255 })
  key: string;

  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash: string;

  @Column({ name: 'release_id', type: 'int', unsigned: true, nullable: true })
  releaseId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  /** The request that claimed it: a claim retried after a lost COMMIT reply recognises its own row. */
  @Column({ name: 'request_id', type: 'char', length: 36, nullable: true })
  requestId: string | null;
}
