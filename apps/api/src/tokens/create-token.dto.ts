import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';
import { ROLES, type Role } from '@slipway/db';

export class CreateTokenDto {
  @ApiProperty({ example: 'ci', description: 'Recorded as requestedBy and in the audit trail; unique among live tokens' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/, { message: 'name must be 1-100 letters, digits, "_", ".", "@" or "-", starting with a letter or digit' })
  name: string;

  @ApiProperty({ enum: ROLES, description: 'viewer reads; deployer also creates, cancels and re-runs; admin also manages tokens' })
  @IsIn(ROLES)
  role: Role;
}
