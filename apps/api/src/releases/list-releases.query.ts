import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { RELEASE_STATUSES, type ReleaseStatus } from '@slipway/db';

export class ListReleasesQuery {
  @ApiPropertyOptional({ enum: RELEASE_STATUSES })
  @IsOptional()
  @IsIn(RELEASE_STATUSES)
  status?: ReleaseStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  template?: string;

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize: number = 50;
}

export class LogQuery {
  @ApiPropertyOptional({ description: 'Only lines with a sequence number above this' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after: number = 0;

  @ApiPropertyOptional({ description: '1 to get the log as a file (Content-Disposition: attachment)' })
  @IsOptional()
  @IsIn(['0', '1'])
  download?: '0' | '1';
}
