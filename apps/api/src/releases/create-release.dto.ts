import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsISO8601,
  IsNotEmpty,
  IsString,
  MaxLength,
} from 'class-validator';
import { MAX_GIT_REF_LENGTH, MAX_TAG_LENGTH } from '@slipway/ansible';
import { IsOmittable, IsWellFormedText } from '../common/field-rules.js';

export class CreateReleaseDto {
  @ApiProperty({ example: 'hello', description: 'Template name from the catalog' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  @IsWellFormedText()
  template: string;

  @ApiPropertyOptional({ example: 'local', description: "Inventory name; defaults to the template's first" })
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  @IsWellFormedText()
  inventory?: string;

  /**
   * Checked against the template's declared vars (see `GET /api/v1/templates` → `vars`), not by
   * class-validator: class-transformer would silently drop a `__proto__` key instead of refusing it.
   */
  @ApiPropertyOptional({
    example: { greeting: 'hello' },
    description:
      "Values for the template's declared vars (its `vars` JSON Schema); defaults fill the rest. Undeclared names only if the " +
      'template has openVars; ansible_* and ansible\'s special variables never.',
    type: 'object',
    additionalProperties: true,
  })
  // Whitelisted only (the class field exists on every instance); ReleasesService validates the value.
  @Allow()
  extraVars?: Record<string, unknown>;

  @ApiPropertyOptional({
    example: 'web1',
    description: "ansible --limit: hosts and groups of the inventory, separated by ',' (or ':' or blanks), each optionally prefixed by '!' or '&'",
  })
  @IsOmittable()
  @IsString()
  @MaxLength(1024)
  @IsWellFormedText()
  limit?: string;

  @ApiPropertyOptional({ type: [String], description: 'ansible --tags' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(MAX_TAG_LENGTH, { each: true })
  @IsWellFormedText({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: [String], description: 'ansible --skip-tags' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(MAX_TAG_LENGTH, { each: true })
  @IsWellFormedText({ each: true })
  skipTags?: string[];

  @ApiPropertyOptional({ description: 'ansible --check --diff' })
  @IsOmittable()
  @IsBoolean()
  checkMode?: boolean;

  @ApiPropertyOptional({
    example: 'release/2.4',
    description: "Git projects, templates with refOverride only: the branch, tag or commit to run instead of the catalog's ref",
  })
  @IsOmittable()
  @IsString()
  @MaxLength(MAX_GIT_REF_LENGTH)
  @IsWellFormedText()
  ref?: string;

  @ApiPropertyOptional({ example: '2030-01-01T00:00:00Z', description: 'Start no earlier than this time' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  runAt?: string;
}

/** `POST /api/v1/releases/:id/rerun` body: the original's commit unless one of these asks for another. */
export class RerunReleaseDto {
  @ApiPropertyOptional({ example: 'main', description: 'Run this branch, tag or commit instead (templates with refOverride only)' })
  @IsOmittable()
  @IsString()
  @MaxLength(MAX_GIT_REF_LENGTH)
  @IsWellFormedText()
  ref?: string;

  @ApiPropertyOptional({ description: "Run the newest commit of the original's ref instead of the original's commit" })
  @IsOmittable()
  @IsBoolean()
  latest?: boolean;

  @ApiPropertyOptional({
    example: { db_password: '...' },
    description:
      "Secret vars given again. A rerun by someone other than the original's requester, or on another ref, does not reuse the " +
      'stored secret values: it is refused (400 naming them) unless they are given here. Only secret vars.',
    type: 'object',
    additionalProperties: true,
  })
  // Whitelisted only; ReleasesService checks the names and the catalog's rules check the values.
  @Allow()
  extraVars?: Record<string, unknown>;
}
