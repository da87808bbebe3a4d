/**
 * Where the launcher adds a release's job: a port, so the launcher needs no BullMQ connection of its own
 * (the API binds its ReleaseQueue to it; a test binds a fake). `enqueue` rejects with an Error saying
 * why (Redis down, timed out) when the job was not added.
 */
export abstract class ReleaseJobQueue {
  abstract enqueue(releaseId: number, runAt: Date | null): Promise<void>;
}
