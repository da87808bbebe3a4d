import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A run of consecutive log lines of one release. Lines are numbered per release from 1; a chunk holds
 * lines firstSeq..lastSeq joined by "\n". Chunks (not one row per line) keep a million-line release at a
 * few thousand rows; the primary key makes a retried insert of the same chunk a no-op.
 */
@Entity({ name: 'release_log_chunks' })
export class ReleaseLogChunkEntity {
  @PrimaryColumn({ name: 'release_id', type: 'int', unsigned: true })
  releaseId: number;

  @PrimaryColumn({ name: 'first_seq', type: 'int', unsigned: true })
  firstSeq: number;

  @Column({ name: 'last_seq', type: 'int', unsigned: true })
  lastSeq: number;

  @Column({ type: 'mediumtext' })
  content: string;
}
