/** The catalog path a loader problem starts with ("templates.x.playbook: …"), or "catalog" when it names none. */
export function problemField(problem: string): string {
  const match = /^([A-Za-z0-9_.\-[\]]+): /.exec(problem);
  return match ? match[1] : 'catalog';
}
