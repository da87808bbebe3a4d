import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmpty, IsInt, IsOptional, Max, Min, ValidateBy } from 'class-validator';
import { decimalInt } from './decimal-int.js';
import type { KeysetQuery } from '@slipway/db';

const REMOVED_PAGE = 'lists are paged with before=<nextBefore of the previous page> (page numbers were removed in issue 12: deep pages cost as much as the first)';

/**
 * `?before=&after=&limit=` shared by the newest-first lists (keyset pagination, libs/db keyset.ts). The
 * old `page`/`pageSize` are refused by name, so a script still sending them learns what to send instead.
 */
export class PageQuery implements KeysetQuery {
  @ApiPropertyOptional({ description: 'Entries older than this one (the `nextBefore` of the page before)' })
  @IsOptional()
  @Transform(({ value }) => decimalInt(value))
  @IsInt({ message: 'before: must be an entry id (a whole number)' })
  @Min(1, { message: 'before: must be an entry id (a whole number)' })
  before?: number;

  @ApiPropertyOptional({ description: 'Entries newer than this one (the `prevAfter` of the page after); not with `before`' })
  @IsOptional()
  @Transform(({ value }) => decimalInt(value))
  @IsInt({ message: 'after: must be an entry id (a whole number)' })
  @Min(1, { message: 'after: must be an entry id (a whole number)' })
  @ValidateBy({
    name: 'notWithBefore',
    validator: {
      validate: (_value, args) => (args?.object as PageQuery | undefined)?.before === undefined,
      defaultMessage: () => 'after: give before or after, not both',
    },
  })
  after?: number;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Transform(({ value }) => decimalInt(value))
  @IsInt({ message: 'limit: must be a whole number from 1 to 500' })
  @Min(1, { message: 'limit: must be a whole number from 1 to 500' })
  @Max(500, { message: 'limit: must be a whole number from 1 to 500' })
  limit: number = 50;

  @IsEmpty({ message: `page: ${REMOVED_PAGE}` })
  page?: unknown;

  @IsEmpty({ message: 'pageSize: renamed limit' })
  pageSize?: unknown;
}
