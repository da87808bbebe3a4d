import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { decimalInt } from '../common/decimal-int.js';

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
