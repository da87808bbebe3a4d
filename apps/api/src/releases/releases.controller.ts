import { Body, Controller, Get, Header, HttpCode, Inject, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CATALOG, type Catalog } from '@slipway/ansible';
import { ReleaseStore } from '@slipway/releases';
import { CreateReleaseDto } from './create-release.dto.js';
import { ListReleasesQuery, LogQuery } from './list-releases.query.js';
import { toReleaseView } from './release.view.js';
import { ReleasesService } from './releases.service.js';

const MAX_LOG_LINES_PER_READ = 200_000;

@ApiTags('releases')
@Controller('api/v1/releases')
export class ReleasesController {
  constructor(
    private readonly releases: ReleasesService,
    private readonly store: ReleaseStore,
    @Inject(CATALOG) private readonly catalog: Catalog,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a release of a catalog template' })
  async create(@Body() body: CreateReleaseDto) {
    const release = await this.releases.create(body, 'anonymous');
    return toReleaseView(release, this.catalog);
  }

  @Get()
  @ApiOperation({ summary: 'Releases, newest first' })
  async list(@Query() query: ListReleasesQuery) {
    const { items, total } = await this.store.list(query);
    return { items: items.map((r) => toReleaseView(r, this.catalog)), total, page: query.page, pageSize: query.pageSize };
  }

  @Get(':id')
  async get(@Param('id', ParseIntPipe) id: number) {
    return toReleaseView(await this.releases.get(id), this.catalog);
  }

  @Get(':id/log')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'The log as text; ?after=<seq> for the lines after one already read' })
  async log(@Param('id', ParseIntPipe) id: number, @Query() query: LogQuery): Promise<string> {
    const release = await this.releases.get(id);
    const lines = await this.store.readLog(release.id, query.after, MAX_LOG_LINES_PER_READ);
    return lines.map((l) => `${l.text}\n`).join('');
  }
}
