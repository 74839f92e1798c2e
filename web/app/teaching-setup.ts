// INTERIM (replaced when the teaching panel lands).
import type { VmClient } from "./vm-client.ts";
export function setupTeaching(_box: HTMLElement) {
  return { attach(_vm: VmClient) {}, visible(_on: boolean) {} };
}
