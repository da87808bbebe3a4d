import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { RELEASE_STATUSES, type ReleaseStatus } from '@slipway/db';
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
}

export class LogQuery {
  @ApiPropertyOptional({ description: 'Only lines with a sequence number above this' })
  @IsOptional()
  @Type(() => Number)
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
