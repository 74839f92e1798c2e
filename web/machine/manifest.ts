// The images manifest (public/images/manifest.json, written by images/build.ts; images/manifest.schema.json has
// all of it): the parts the web app and the Node runner read. Types only.
export type ManifestSlot = "bios" | "vgabios" | "linuxboot" | "multibootrom" | "kernel" | "initrd" | "cdrom" | "hda" | "fda";
export interface ManifestArtefact { id: string; title: string; kind: string; file: string; size: number; sha256: string; description: string }
export interface ManifestProfile {
  id: string; title: string; description: string; memoryMiB: number;
  media: Partial<Record<ManifestSlot, string>>;
  cmdline?: string;
  boot: "kernel" | "cdrom" | "hda" | "fda";
  expect?: { serial?: string; prompt?: string };
  user?: { slot: "cdrom" | "hda" | "fda"; accept: string[]; hint: string; testImage?: string };
}
export interface ImagesManifest { schemaVersion: number; artefacts: ManifestArtefact[]; profiles: ManifestProfile[] }
