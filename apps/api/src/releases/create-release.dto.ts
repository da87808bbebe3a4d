import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';

export class CreateReleaseDto {
  @ApiProperty({ example: 'hello', description: 'Template name from the catalog' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  template: string;

  @ApiPropertyOptional({ example: 'local', description: "Inventory name; defaults to the template's first" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  inventory?: string;

  @ApiPropertyOptional({ example: { greeting: 'hello' }, description: "Override the template's extra vars key by key" })
  @IsOptional()
  @IsObject()
  extraVars?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'web1', description: 'ansible --limit' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  limit?: string;

  @ApiPropertyOptional({ type: [String], description: 'ansible --tags' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: [String], description: 'ansible --skip-tags' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  skipTags?: string[];

  @ApiPropertyOptional({ description: 'ansible --check --diff' })
  @IsOptional()
  @IsBoolean()
  checkMode?: boolean;

  @ApiPropertyOptional({ example: '2030-01-01T00:00:00Z', description: 'Start no earlier than this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  runAt?: string;
}
