// INTERIM (replaced by share-link.ts from the input/config helper): the URL fragment <-> AppConfig.
import type { AppConfig, Manifest } from "./plan.ts";

export function readLinkConfig(hash: string, manifest: Manifest): { config: AppConfig; errors: string[] } {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const errors: string[] = [];
  const cfg: AppConfig = { profile: q.get("profile") ?? "linux-direct" };
  if (cfg.profile && !manifest.profiles.some((p) => p.id === cfg.profile)) { errors.push(`Unknown machine "${cfg.profile}" in the link: starting the default machine.`); cfg.profile = "linux-direct"; }
  if (q.has("mem")) cfg.memoryMiB = Number(q.get("mem"));
  if (q.has("boot")) cfg.boot = q.get("boot")!;
  if (q.has("cmdline")) cfg.cmdline = q.get("cmdline")!;
  if (q.has("type")) cfg.type = q.get("type")!;
  if (q.has("image")) { cfg.imageUrl = q.get("image")!; cfg.profile = ""; }
  return { config: cfg, errors };
}

export function writeLinkConfig(cfg: AppConfig): string {
  const q = new URLSearchParams();
  if (cfg.profile) q.set("profile", cfg.profile);
  if (cfg.imageUrl) q.set("image", cfg.imageUrl);
  if (cfg.memoryMiB) q.set("mem", String(cfg.memoryMiB));
  if (cfg.boot) q.set("boot", cfg.boot);
  if (cfg.cmdline !== undefined) q.set("cmdline", cfg.cmdline);
  if (cfg.type) q.set("type", cfg.type);
  return "#" + q.toString();
}
