import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { decimalInt } from '../common/decimal-int.js';
import { RELEASE_STATUSES, type ReleaseStatus } from '@slipway/db';
import type { ReleaseListQuery } from '@slipway/releases';
import { PageQuery } from '../common/page.query.js';

export class ListReleasesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RELEASE_STATUSES })
  @IsOptional()
  @IsIn(RELEASE_STATUSES)
  status?: ReleaseStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  template?: string;

  @ApiPropertyOptional({ description: 'Token name that created the release (exact)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  requestedBy?: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'Created at or after this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'createdFrom: must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z' })
  createdFrom?: string;

  @ApiPropertyOptional({ example: '2026-12-02T00:00:00Z', description: 'Created before this time (ISO 8601, exclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'createdTo: must be an ISO 8601 time, e.g. 2026-12-02T00:00:00Z' })
  createdTo?: string;

  /** The filters as the store takes them (times as instants). */
  toStoreQuery(): ReleaseListQuery {
    return {
      status: this.status,
      template: this.template,
      requestedBy: this.requestedBy,
      createdFrom: this.createdFrom === undefined ? undefined : new Date(this.createdFrom),
      createdTo: this.createdTo === undefined ? undefined : new Date(this.createdTo),
      before: this.before,
      after: this.after,
      limit: this.limit,
    };
  }
}

export class LogQuery {
  @ApiPropertyOptional({ description: 'Only lines with a sequence number above this' })
  @IsOptional()
  @Transform(({ value }) => decimalInt(value))
  @IsInt()
  @Min(0)
  after: number = 0;

}

export const LOG_FORMATS = ['raw', 'plain'] as const;

/** `GET /releases/:id/log`: the stored log as text, or as a file. */
export class LogTextQuery extends LogQuery {
  @ApiPropertyOptional({ description: '1 to get the log as a file (Content-Disposition: attachment)' })
  @IsOptional()
  @IsIn(['0', '1'])
  download?: '0' | '1';

  @ApiPropertyOptional({ enum: LOG_FORMATS, description: 'raw (default): as ansible printed it; plain: ANSI colour and cursor escapes removed' })
  @IsOptional()
  @IsIn(LOG_FORMATS)
  format: (typeof LOG_FORMATS)[number] = 'raw';
}
